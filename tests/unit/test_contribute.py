"""new-source: creates every file, refuses bad or existing ids, never overwrites; templates fail until filled."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from masreview.data import paths

from masreview.data import schema
from masreview.book.contribute import ContributeError, csv_template, new_source
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError

REPO = paths.repo_root()
FIXTURE = REPO / "tests" / "fixtures" / "valid" / "data" / "sources" / "doe-2024-example"


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("_toc.yml", "references.bib"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "data", root / "data")
    (root / "chapters").mkdir()
    return root


def test_creates_every_file_and_the_toc_entry(repo):
    created = new_source(repo, "chen-2026-case", "case-report", population="paediatric", today=dt.date(2026, 12, 1))
    rel = {str(p.relative_to(repo)) for p in created}
    assert {"data/sources/chen-2026-case/source.yaml", "data/sources/chen-2026-case/measures.csv",
            "data/sources/chen-2026-case/patients.csv", "data/sources/chen-2026-case/treatments.csv",
            "data/sources/chen-2026-case/phases.csv", "chapters/chen-2026-case.md", "references.bib",
            "_toc.yml", "data/cohorts.yaml", "data/changelog.yaml"} <= rel
    toc = (repo / "_toc.yml").read_text()
    sources_part = toc.split("- caption: Sources")[1].split("- caption:")[0]
    assert "- file: chapters/chen-2026-case" in sources_part
    assert "@article{chen2026case," in (repo / "references.bib").read_text()
    assert "- date: 2026-12-01\n  sources_added: [chen-2026-case]" in (repo / "data/changelog.yaml").read_text()
    chapter = (repo / "chapters/chen-2026-case.md").read_text()
    assert 'ds.source("chen-2026-case")' in chapter and "inputs: [chen-2026-case]" in chapter


def test_unfilled_templates_are_refused_with_places(repo):
    new_source(repo, "chen-2026-case", "case-report", population="paediatric")
    with pytest.raises(DataValidationError) as info:
        load_dataset(repo)
    text = str(info.value)
    assert "data/sources/chen-2026-case/source.yaml, line 22, column 'bibliography.title': still holds the " \
           "template placeholder TODO" in text
    assert "data/cohorts.yaml" in text and "data/changelog.yaml" in text


@pytest.mark.parametrize("bad", ["Chen-2026-case", "chen2026", "chen-26-case", "chen-2026-", "../chen-2026-x"])
def test_malformed_ids_are_refused(repo, bad):
    with pytest.raises(ContributeError, match="is not a source id"):
        new_source(repo, bad, "case-report")
    assert not any((repo / "data/sources").glob("*chen*"))


def test_existing_source_is_refused_and_nothing_changes(repo):
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    with pytest.raises(ContributeError, match="already exists"):
        new_source(repo, "li-2025-front-immunol", "cohort")
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_existing_chapter_is_never_overwritten(repo):
    (repo / "chapters/chen-2026-case.md").write_text("mine")
    with pytest.raises(ContributeError, match="chapters/chen-2026-case.md already exists"):
        new_source(repo, "chen-2026-case", "case-report")
    assert (repo / "chapters/chen-2026-case.md").read_text() == "mine"
    assert not (repo / "data/sources/chen-2026-case").exists()


def test_unknown_cohort_is_refused(repo):
    with pytest.raises(ContributeError, match="cohort 'nobody' is not in data/cohorts.yaml"):
        new_source(repo, "chen-2026-case", "conference-abstract", cohort="nobody")


def test_second_report_joins_an_existing_cohort(repo):
    new_source(repo, "li-2026-meeting", "conference-abstract", cohort="renji-rd-mas-ruxolitinib")
    assert "cohort_id: renji-rd-mas-ruxolitinib" in (repo / "data/sources/li-2026-meeting/source.yaml").read_text()
    assert "li-2026-meeting:" not in (repo / "data/cohorts.yaml").read_text()


def test_csv_templates_list_every_schema_column():
    for spec in schema.TABLES.values():
        text = csv_template(spec)
        header = [line for line in text.splitlines() if not line.startswith("#")][0]
        assert header.split(",") == [c.name for c in spec.columns]
        for c in spec.columns:
            assert f"#   {c.name}: " in text


def test_filled_case_validates(repo):
    """A contributor who fills the templates with a complete case gets a valid dataset with the new source."""
    new_source(repo, "doe-2024-example", "case-report", population="paediatric")
    folder = repo / "data/sources/doe-2024-example"
    for f in FIXTURE.iterdir():
        shutil.copy(f, folder / f.name)
    (folder / "observations.csv").write_text((FIXTURE / "observations.csv").read_text())
    (folder / "events.csv").write_text((FIXTURE / "events.csv").read_text())
    bib = (repo / "references.bib").read_text()
    stub = bib[bib.index("@article{doe2024example,"):]
    bib = bib.replace(stub, (REPO / "tests/fixtures/valid/references.bib").read_text())
    (repo / "references.bib").write_text(bib)
    cohorts = (repo / "data/cohorts.yaml").read_text().replace(
        "doe-2024-example:\n  label: TODO who the patients are (place, population)\n  primary_source: doe-2024-example",
        "doe-example-case:\n  label: Synthetic fixture patient\n  primary_source: doe-2024-example")
    (repo / "data/cohorts.yaml").write_text(cohorts)
    log = (repo / "data/changelog.yaml").read_text().replace(
        "TODO what this source adds and how the headline numbers change", "Adds a synthetic case.")
    (repo / "data/changelog.yaml").write_text(log)
    ds = load_dataset(repo)
    assert ds.source("doe-2024-example").record.cohort_id == "doe-example-case"


def test_cli_reports_refusal_with_exit_status_2(repo):
    r = subprocess.run([sys.executable, "-m", "masreview", "--root", str(repo), "new-source", "Bad Id",
                        "--design", "cohort"], capture_output=True, text=True)
    assert r.returncode == 2 and "is not a source id" in r.stderr


def test_excluded_report_needs_only_its_record(repo):
    """An excluded report: record, BibTeX entry and changelog line; no tables, cohort or chapter."""
    from masreview.book.contribute import new_screened

    created = new_screened(repo, "doe-2020-wrong-drug", "excluded", reason="wrong-drug", note="Tofacitinib.")
    assert sorted(p.name for p in created) == ["changelog.yaml", "references.bib", "source.yaml"]
    assert not (repo / "chapters" / "doe-2020-wrong-drug.md").exists()
    src = (repo / "data" / "sources" / "doe-2020-wrong-drug" / "source.yaml").read_text(encoding="utf-8")
    assert "exclusion_reason: wrong-drug" in src and "cohort_id" not in src
    with pytest.raises(ContributeError, match="--reason must be one of"):
        new_screened(repo, "doe-2020-other", "excluded", reason="because")


def test_a_screened_report_keeps_the_design_and_population_it_is_given(repo):
    from masreview.book.contribute import new_screened

    new_screened(repo, "doe-2021-case", "excluded", reason="not-mas", design="case-report", population="paediatric")
    src = (repo / "data" / "sources" / "doe-2021-case" / "source.yaml").read_text(encoding="utf-8")
    assert "\ndesign: case-report\n" in src and "\npopulation: paediatric\n" in src
    new_screened(repo, "doe-2021-bare", "awaiting")
    bare = (repo / "data" / "sources" / "doe-2021-bare" / "source.yaml").read_text(encoding="utf-8")
    assert "\n# design: one of" in bare and "\ndesign:" not in bare
    with pytest.raises(ContributeError, match="--design must be one of"):
        new_screened(repo, "doe-2021-other", "awaiting", design="anecdote")
    r = subprocess.run([sys.executable, "-m", "masreview", "--root", str(repo), "new-source", "doe-2021-third",
                        "--status", "excluded", "--reason", "not-mas", "--cohort", "x"], capture_output=True, text=True)
    assert r.returncode == 2 and "a screened report has no cohort" in r.stderr


def test_a_placeholder_left_in_an_included_reports_chapter_is_located(tmp_path):
    from types import SimpleNamespace

    from masreview.book.contribute import chapter_issues

    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "roe-2024-x.md").write_text("---\n---\n\n# TODO Surname et al. year, journal\n\nText.\n",
                                                         encoding="utf-8")
    (tmp_path / "chapters" / "doe-2024-y.md").write_text("# TODO left in a screened report's old page\n",
                                                         encoding="utf-8")
    ds = SimpleNamespace(sources={
        "roe-2024-x": SimpleNamespace(record=SimpleNamespace(status="included")),
        "doe-2024-y": SimpleNamespace(record=SimpleNamespace(status="excluded")),
        "moe-2024-z": SimpleNamespace(record=SimpleNamespace(status="included")),  # no chapter file
    })
    issues = chapter_issues(tmp_path, ds)
    assert [str(i) for i in issues] == [
        "chapters/roe-2024-x.md, line 4, column '3': still holds the template placeholder TODO: replace it with "
        "the report's own words"]
