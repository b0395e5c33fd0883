"""The loader: valid data load; each bad fixture is rejected with file, line and column; nothing half-loads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from masreview.data import paths
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VALID = FIXTURES / "valid"
BAD_CASES = sorted(p.name for p in (FIXTURES / "bad").iterdir() if p.is_dir())


def make_case(tmp_path: Path, name: str, prepare=None) -> tuple[Path, list[str]]:
    """A copy of the valid fixture (``prepare(root)`` may add to it first) with the bad case's files
    laid over it and its deletions done."""
    root = tmp_path / name
    shutil.copytree(VALID, root)
    if prepare is not None:
        prepare(root)
    case = FIXTURES / "bad" / name
    spec = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    for f in case.rglob("*"):
        if f.is_file() and f.name != "expect.yaml":
            target = root / f.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
    for rel in spec["delete"]:
        (root / rel).unlink()
    return root, spec["messages"]


def test_valid_fixture_loads_typed():
    ds = load_dataset(VALID)
    src = ds.source("doe-2024-example")
    assert src.record.bibliography.received.isoformat() == "2024-01-10"
    p = src["patients"]
    assert p.loc[0, "age_years"] == 9.0 and p["age_years"].dtype == "float64"
    assert str(src["measures"]["numerator"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(src["phases"]["start_date"])
    assert ds.table("treatments")["drug"].tolist() == ["methylprednisolone", "ruxolitinib"]


def test_repository_data_is_valid():
    ds = load_dataset(paths.repo_root())
    assert {"li-2025-front-immunol"} <= set(ds.sources)


def validate(root: Path) -> None:
    """What ``python -m masreview validate`` checks: the loader, then the reproduction gate."""
    from masreview.present.reproduction import reproduction_issues

    gate = reproduction_issues(load_dataset(root))
    if gate:
        raise DataValidationError(gate)


def test_there_are_at_least_200_bad_fixtures():
    assert len(BAD_CASES) >= 200


@pytest.mark.corpus
@pytest.mark.parametrize("name", BAD_CASES)
def test_bad_fixture_is_rejected_with_place(tmp_path, name):
    root, expected = make_case(tmp_path, name)
    with pytest.raises(DataValidationError) as info:
        validate(root)
    text = str(info.value)
    for message in expected:
        assert message in text, f"{name}: expected {message!r} in:\n{text}"
    for issue in info.value.issues:  # every issue names a file; line/column where they exist
        assert issue.file.startswith(("data/", "references.bib")), issue


def test_all_errors_of_a_file_are_reported_together(tmp_path):
    root, _ = make_case(tmp_path, "several-errors-in-one-file")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    columns = {i.column for i in info.value.issues if i.file.endswith("patients.csv")}
    assert {"sex", "age_years", "disease", "origin"} <= columns


def test_errors_from_several_files_are_all_reported(tmp_path):
    root, _ = make_case(tmp_path, "unknown-state")
    src = root / "data/sources/doe-2024-example"
    (src / "patients.csv").write_text((src / "patients.csv").read_text().replace("female", "femme"))
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    files = {i.file.rsplit("/", 1)[-1] for i in info.value.issues}
    assert {"observations.csv", "patients.csv"} <= files


def test_python_yaml_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    root, _ = make_case(tmp_path, "yaml-python-tag")
    y = root / "data/sources/doe-2024-example/source.yaml"
    y.write_text(y.read_text().replace("echo pwned", f"touch {marker}"))
    with pytest.raises(DataValidationError):
        load_dataset(root)
    assert not marker.exists()


def test_cli_validate_exit_status(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "masreview", "--root", str(VALID), "validate"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "valid: 1 sources" in ok.stdout
    root, expected = make_case(tmp_path, "unknown-state")
    bad = subprocess.run([sys.executable, "-m", "masreview", "--root", str(root), "validate"],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert expected[0] in bad.stderr


def test_cross_source_disagreement_is_rejected(tmp_path):
    """Two reports of one cohort whose shared number differs."""
    root = tmp_path / "two"
    shutil.copytree(VALID, root)
    a = root / "data/sources/doe-2024-example"
    b = root / "data/sources/doe-2025-meeting"
    shutil.copytree(a, b)
    (b / "source.yaml").write_text((a / "source.yaml").read_text()
                                   .replace("id: doe-2024-example", "id: doe-2025-meeting")
                                   .replace("doi: 10.9999/fixture.2024.1", "url: https://example.org/abstract/1"))
    (b / "measures.csv").write_text((a / "measures.csv").read_text().replace("baseline,9,", "baseline,10,"))
    (b / "patients.csv").write_text((a / "patients.csv").read_text().replace(",9,", ",10,"))
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    assert ("data/sources/doe-2025-meeting/measures.csv, line 3, column 'value': value 10 disagrees with 9 in "
            "data/sources/doe-2024-example/measures.csv line 3") in str(info.value)


def test_duplicate_doi_is_rejected(tmp_path):
    root = tmp_path / "dup"
    shutil.copytree(VALID, root)
    a = root / "data/sources/doe-2024-example"
    b = root / "data/sources/doe-2024-again"
    shutil.copytree(a, b)
    (b / "source.yaml").write_text((a / "source.yaml").read_text().replace("id: doe-2024-example", "id: doe-2024-again"))
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    assert "DOI 10.9999/fixture.2024.1 is also the DOI of source 'doe-2024-again'" in str(info.value)
