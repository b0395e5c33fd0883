"""What's new (from data/changelog.yaml) and how to cite (from CITATION.cff and references.bib)."""

from __future__ import annotations

import masreview
from masreview.present import living
from masreview.data import paths
from masreview.data.loading import load_dataset

from _synthesis_fixture import add_fixture_case, copy_repo, fixture_date


def test_citation_cff_read_by_code():
    cff = living.read_citation()
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    assert str(cff["version"]) == masreview.__version__
    assert str(cff["date-released"]) == "2026-11-22"
    assert [a["name"] for a in cff["authors"]] == ["The masreview contributors"]
    text = living.review_citation(cff)
    assert text.startswith("The masreview contributors. Ruxolitinib for refractory macrophage activation syndrome")
    assert "Version 0.1.0, released 2026-11-22." in text
    bib = living.review_bibtex(cff)
    assert bib.startswith("@misc{masreview,") and "{{The masreview contributors}}" in bib and "2026" in bib


def test_every_included_source_has_its_bibtex_entry():
    ds = load_dataset(paths.repo_root())
    entries = living.source_bibtex(ds)
    assert {sid for sid, _, _ in entries} == {s.id for s in ds.included()}
    for sid, _, entry in entries:
        key = ds.source(sid).record.bibliography.bibtex_key
        assert entry.startswith("@") and key in entry.splitlines()[0] and entry.endswith("}")


def test_whats_new_rows_per_update(tmp_path):
    root = copy_repo(tmp_path)
    shipped = living.whats_new_rows(load_dataset(root))  # whatever evidence the review holds today
    add_fixture_case(root)
    ds = load_dataset(root)
    rows = living.whats_new_rows(ds)
    when = fixture_date(root)
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)  # newest first
    newest, first = next(r for r in rows if "doe-2026-test-case" in r["added"]), rows[-1]
    assert newest["date"] == dates[0] == when  # the fixture's entry is among the newest
    before = shipped[0]["headline"]
    assert (newest["headline"]["cohorts"], newest["headline"]["patients"]) == \
        (before["cohorts"] + 1, before["patients"] + 1)  # the fixture: one patient in a cohort of its own
    assert f"patients counted once: {before['patients']} \u2192 {before['patients'] + 1}" in newest["changes"]
    assert first["changes"] == "first headline numbers of the review"
    html = living.whats_new_html(ds)
    assert 'href="doe-2026-test-case.html"' in html and when in html
    assert html.index(rows[0]["date"]) <= html.index(rows[-1]["date"])
    assert living.unlogged_sources(ds) == []


def test_unlogged_source_is_reported(tmp_path):
    root = copy_repo(tmp_path)
    add_fixture_case(root)
    log = root / "data" / "changelog.yaml"
    text = log.read_text(encoding="utf-8")
    log.write_text(text[: text.rindex("- date:")], encoding="utf-8")  # the entry add_fixture_case appended
    assert living.unlogged_sources(load_dataset(root)) == ["doe-2026-test-case"]
