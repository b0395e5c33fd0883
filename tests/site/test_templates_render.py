"""Every template chapter renders: for each design, `new-source` writes the templates, they are filled with a
plausible (synthetic) report, a copy of the repository is built, and chromium reads each new page.

On every page: no escaped or raw HTML shown as text (a table printed as a string), the source card and the
reproduction table are there, and no reported number *differs*. The case report also shows its case card
as a table. The reports are synthetic (ids ``*-2099-*``) and live only in the copy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sitecheck as sc
import test_four_kinds as fk
from conftest import CHROMIUM, CHROMIUM_ARGS
from masreview.book.contribute import new_source

pytestmark = [pytest.mark.slow, pytest.mark.site]

SERIES, COHORT, ABSTRACT = "poe-2099-series", "kim-2099-cohort", "tan-2099-meeting"
PAGES = {fk.CASE: "case-report", SERIES: "case-series", COHORT: "cohort", ABSTRACT: "conference-abstract"}


def add_series_with_patients(root: Path) -> None:
    """A three-patient series that gives every patient (reported rows, no reconstruction)."""
    new_source(root, SERIES, "case-series", population="mixed")
    folder = root / "data" / "sources" / SERIES
    fk._record(folder, "mixed", "AOSD, sJIA, not-reported", "Poe G, Qoe H", "Ruxolitinib in three patients with MAS",
               "10.9999/poe.2099.5")
    (folder / "measures.csv").write_text(fk.MEASURES_HEADER + (
        'm01,patients,ruxolitinib,,baseline,,3,,patients,0,,"table 1",three patients,\n'
        'm02,sex,ruxolitinib,female,baseline,,2,,patients,0,,"table 1",,\n'
        'm03,survival,ruxolitinib,,overall,,3,3,patients,0,,"results, paragraph 2",all survived,\n'
        'm04,fever-resolution,ruxolitinib,resolved,overall,,,,patients,0,,"results, paragraph 1",fever resolved,\n'
        'm05,adverse-events,ruxolitinib,none,overall,,,,patients,0,,"results, paragraph 3",no adverse reactions,\n'),
        encoding="utf-8")
    (folder / "patients.csv").write_text(
        "patient_id,group,sex,age_years,disease,origin,locator\n"
        'S1,ruxolitinib,female,34,AOSD,reported,"table 1, row 1"\n'
        'S2,ruxolitinib,female,7,sJIA,reported,"table 1, row 2"\n'
        'S3,ruxolitinib,male,51,not-reported,reported,"table 1, row 3"\n', encoding="utf-8")
    (folder / "treatments.csv").write_text(
        "patient_id,treatment_id,drug,dose,dose_unit,frequency,route,role,origin,locator\n"
        'S1,t1,ruxolitinib,10,mg,twice-daily,oral,salvage,reported,"table 1, row 1"\n'
        'S1,t2,etoposide,,,weekly,intravenous,combination,reported,"table 1, row 1"\n', encoding="utf-8")
    (folder / "events.csv").write_text(
        "patient_id,event,time,time_unit,origin,locator\n"
        'S1,last-follow-up,6,month,reported,"table 1, row 1"\n', encoding="utf-8")
    (folder / "observations.csv").unlink()
    (folder / "reconstruction.yaml").unlink()
    fk._bib(root, "poe2099series", "Poe, G. and Qoe, H.")
    fk._cohort(root, SERIES, "Synthetic mixed series (tests only)")
    fk._changelog(root, "Adds a synthetic three-patient series (tests only).")
    fk._chapter(root, SERIES, "Poe and Qoe 2099 (synthetic series)")


def add_totals_cohort(root: Path) -> None:
    """A cohort that prints only totals: rows generated from reconstruction.yaml."""
    new_source(root, COHORT, "cohort", population="adult")
    folder = root / "data" / "sources" / COHORT
    fk._record(folder, "adult", "AOSD", "Kim J", "Ruxolitinib in a cohort of adults with refractory MAS",
               "10.9999/kim.2099.6")
    (folder / "measures.csv").write_text(fk.MEASURES_HEADER + (
        'm01,patients,ruxolitinib,,baseline,,8,,patients,0,,"abstract, sentence 1",eight adults,\n'
        'm02,sex,ruxolitinib,female,baseline,,6,,patients,0,,"abstract, sentence 1",six women,\n'
        'm03,survival,ruxolitinib,,overall,,7,8,patients,0,,"abstract, sentence 3",seven of eight survived,\n'),
        encoding="utf-8")
    for name in ("patients.csv", "events.csv", "observations.csv"):
        (folder / name).unlink()
    fk._fill(folder / "reconstruction.yaml", {
        "  TODO one sentence: the report gives only totals; rows are rebuilt from them in declared order.":
            "  The report gives only totals; rows are rebuilt from them in declared order.",
        "size: {measure: TODO}": "size: {measure: m01}",
        "{value: female, count: {measure: TODO}}": "{value: female, count: {measure: m02}}",
        "{value: TODO, remainder: true}": "{value: AOSD, remainder: true}",
        "count: {measure: TODO, complement: true}": "count: {measure: m03, complement: true}",
    })
    result = subprocess.run([sys.executable, "-m", "masreview", "--root", str(root), "generate",
                             f"data/sources/{COHORT}"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    fk._bib(root, "kim2099cohort", "Kim, J.")
    fk._cohort(root, COHORT, "Synthetic adult cohort (tests only)")
    fk._changelog(root, "Adds a synthetic eight-patient cohort (tests only).")
    fk._chapter(root, COHORT, "Kim 2099 (synthetic cohort)")


def add_own_abstract(root: Path) -> None:
    """A conference abstract of patients not yet in the review (its own cohort, measures only)."""
    new_source(root, ABSTRACT, "conference-abstract", population="paediatric")
    folder = root / "data" / "sources" / ABSTRACT
    fk._record(folder, "paediatric", "sJIA", "Tan K", "Ruxolitinib for refractory MAS in four children",
               "10.9999/tan.2099.7")
    (folder / "measures.csv").write_text(fk.MEASURES_HEADER + (
        'm01,patients,ruxolitinib,,baseline,,4,,patients,0,,"abstract, sentence 1",four children,\n'
        'm02,glucocorticoid-taper,ruxolitinib,tapered,overall,,,,patients,0,,"abstract, sentence 3",'
        'steroids were tapered,\n'), encoding="utf-8")
    fk._bib(root, "tan2099meeting", "Tan, K.")
    fk._cohort(root, ABSTRACT, "Synthetic paediatric abstract (tests only)")
    fk._changelog(root, "Adds a synthetic conference abstract (tests only).")
    fk._chapter(root, ABSTRACT, "Tan 2099 (synthetic abstract)")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = sc.copy_repo(tmp_path_factory.mktemp("templates") / "repo")
    for add in (fk.add_case_report, add_series_with_patients, add_totals_cohort, add_own_abstract):
        add(root)
    sc.build_or_fail(root, "templates", validate=True)
    return root


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _tables(page) -> dict[str, list[list[str]]]:
    """caption -> rows of cell texts, for every table of the article, as chromium renders them."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('article table')].map(t => [
        (t.caption ? t.caption.innerText : '').trim(),
        [...t.rows].map(r => [...r.cells].map(c => c.innerText.trim()))]))""")


@pytest.mark.parametrize("source_id", list(PAGES))
def test_every_template_chapter_renders(built, chromium, source_id):
    with sc.serve(built / "_build" / "html") as url:
        page = chromium.new_page()
        page.goto(f"{url}/chapters/{source_id}.html")
        text = page.inner_text("article")
        for raw in ("<table", "</td>", "&lt;", "&gt;", "&amp;", "<div", "'<"):
            assert raw not in text, f"{source_id}: raw or escaped HTML shown as text ({raw!r})"
        tables = _tables(page)
        captions = list(tables)
        assert any(c.startswith("The source:") for c in captions), captions
        repro = [rows for c, rows in tables.items() if c.startswith("Every number the source states")]
        assert repro and len(repro[0]) > 1, f"{source_id}: no reproduction table ({captions})"
        cells = {cell for row in repro[0][1:] for cell in row}
        assert "differs" not in cells, f"{source_id}: a reported number differs: {repro[0]}"
        if PAGES[source_id] == "case-report":
            card = [rows for c, rows in tables.items() if c.startswith("Case summary")]
            assert card and any(r and r[0] == "Recurrence" for r in card[0]), captions
        page.close()
