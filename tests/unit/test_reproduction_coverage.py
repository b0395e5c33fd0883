"""Reproduction gate: every reported-measure row of every source is recomputed, or declares why not.

The gate (``masreview.present.reproduction.reproduction_issues``, run by ``python -m masreview validate``
and so by ``make book`` before any page is written) recomputes every row of every ``measures.csv``. A row
passes when it is recomputed from the rows (reproduced, consistent by construction or consistent with);
the only other rows allowed declare ``expected_status`` (context or not recomputable) in the data, with
their reason in ``note``. Whatever the evidence held, the shipped data pass; the behaviour is checked on a
copy with one edit each.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from masreview.analysis import reproduce
from masreview.data import paths, vocab
from masreview.data.loading import load_dataset
from masreview.present.reproduction import reproduction_issues

WU = "data/sources/wu-2025-j-clin-pediatr"


def test_every_measure_has_a_recomputer():
    assert set(vocab.MEASURES) <= set(reproduce.RECOMPUTERS), set(vocab.MEASURES) - set(reproduce.RECOMPUTERS)


def test_every_reported_row_of_every_source_is_recomputed_or_declares_why_not():
    ds = load_dataset()
    problems = [str(i) for i in reproduction_issues(ds)]
    assert problems == [], "rows not covered by a reproduction:\n" + "\n".join(problems)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(paths.repo_root() / "data", root / "data")
    shutil.copyfile(paths.repo_root() / "references.bib", root / "references.bib")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_gate_names_a_row_that_stops_reproducing_and_validate_fails(tmp_path):
    root = _copy(tmp_path)
    # the patient's age in the patient rows no longer matches the printed age
    _edit(root / WU / "patients.csv", "P01,ruxolitinib,female,11,", "P01,ruxolitinib,female,12,")
    problems = reproduction_issues(load_dataset(root))
    assert len(problems) == 1
    p = problems[0]
    assert p.file == f"{WU}/measures.csv" and p.line is not None and p.column == "value"
    assert "differs" in p.message and "expected_status" in p.message
    run = subprocess.run([sys.executable, "-m", "masreview", "--root", str(root), "validate"],
                         capture_output=True, text=True)
    assert run.returncode == 1 and f"{WU}/measures.csv, line {p.line}" in run.stderr


def test_gate_names_a_new_row_nobody_can_recompute_until_it_declares_why(tmp_path):
    root = _copy(tmp_path)
    measures = root / WU / "measures.csv"
    text = measures.read_text(encoding="utf-8")
    new = ("m11,glucocorticoid-dose,ruxolitinib,,baseline,2,,,mg/kg/day,0,,\"abstract, results, sentence 3\","
           "\"hormone dosage\",a dose no patient row holds\n")
    measures.write_text(text + new, encoding="utf-8")
    problems = reproduction_issues(load_dataset(root))
    assert len(problems) == 1 and "m11" in problems[0].message and problems[0].line == len(text.splitlines()) + 1


def test_gate_names_a_stale_declaration(tmp_path):
    root = _copy(tmp_path)
    measures = root / WU / "measures.csv"
    lines = measures.read_text(encoding="utf-8").splitlines()
    header = next(i for i, l in enumerate(lines) if l.startswith("measure_id,"))
    lines[header] += ",expected_status"
    for i in range(header + 1, len(lines)):
        if lines[i] and not lines[i].startswith("#"):
            lines[i] += ",not recomputable" if lines[i].startswith("m03,") else ","
    measures.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = reproduction_issues(load_dataset(root))
    assert len(problems) == 1 and problems[0].column == "expected_status"
    assert "m03" in problems[0].message and "but is reproduced" in problems[0].message
