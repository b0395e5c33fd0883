"""Gates that need a build of their own, in ONE temporary copy of the repository (as a fresh clone has
it: tracked and new files, nothing ignored), built with `make book` and this venv:

1. a clean build of the unchanged copy: the same glued numbers, chart specs and tables as the main
   build (**determinism**: two clean builds agree);
2. the copy's data edited (the ruxolitinib dose of the Wu 2025 case, in measures.csv and
   treatments.csv) and hostile free text added (a ``<script>`` and an ``onerror`` attribute in the
   source's title, notes and a treatment note; a ``=HYPERLINK(...)`` formula in another note), then an
   ordinary incremental `make book`: every changed number reaches the page (**never stale**), all
   pages still equal the recomputed data, the hostile text shows as text and runs nowhere (also in
   chromium), and the download files carry the formula neutralised;
   In the same edit, a contributor adds a one-patient case report exactly as the contributing chapter
   says (``new-source``, then every TODO filled): after the incremental build it has its own chapter
   and appears on the landing page, in the evidence table, the pooled numbers, the flow of reports and
   What's new, while the chapters of the other sources are not executed again; its BibTeX entry has the
   authors and year of another source's entry, cited on another page, and each keeps its own citation
   label (no "duplicate label" failure);
3. separately, a copy with one bad value: `make book` stops at validation, naming file, line and
   column, before any page is written.
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import pagenumbers as pn
import sitecheck as sc
from masreview.data.loading import load_dataset

pytestmark = [pytest.mark.slow, pytest.mark.site]

WU_DIR = Path("data") / "sources" / pn.WU
MARK = "__masreview_injected"
PAYLOAD = f'<script>window.{MARK}=1</script><img src=x onerror="window.{MARK}=2">'
FORMULA = '=HYPERLINK("http://example.invalid/","open")'
OLD_DOSE, NEW_DOSE = "10", "15"


@dataclass
class Copy:
    root: Path
    clean: Path  # snapshot of the first (clean) build: html/ and jupyter_execute/
    edited: Path  # the copy's _build after the data were edited and the book rebuilt
    edited_log: str
    seconds: dict[str, float]


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: expected one {old!r} (the test data moved?)"
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_copy(root: Path) -> None:
    """The edits of step 2 (each asserts the text it replaces is there exactly once)."""
    folder = root / WU_DIR
    _replace_once(folder / "measures.csv", f"twice-daily,overall,{OLD_DOSE},,,mg,",
                  f"twice-daily,overall,{NEW_DOSE},,,mg,")
    _replace_once(folder / "treatments.csv", f"P01,t5,ruxolitinib,{OLD_DOSE},mg,", f"P01,t5,ruxolitinib,{NEW_DOSE},mg,")
    _replace_once(folder / "treatments.csv", ",Adjusted dose", ',"' + FORMULA.replace('"', '""') + '"')
    escaped = PAYLOAD.replace('"', '""')
    _replace_once(folder / "treatments.csv", '"starting dose;', f'"{escaped} starting dose;')
    yaml_payload = PAYLOAD.replace("'", "''")
    _replace_once(folder / "source.yaml", "notes: >-\n  ", f"notes: >-\n  {yaml_payload} ")
    _replace_once(folder / "source.yaml", "  title: >-\n    ", f"  title: >-\n    {yaml_payload} ")


NEW_ID = "doe-2024-example"  # the complete one-patient example of tests/fixtures/valid
EXAMPLE = sc.REPO / "tests" / "fixtures" / "valid"


def add_case_as_a_contributor(root: Path) -> None:
    """`new-source`, then fill every TODO: tables from the complete example, the bib entry, the cohort,
    the changelog line and the chapter's title and paragraph (steps 3 and 4 of the contributing chapter).
    Its BibTeX entry has the Wu 2025 entry's authors and year, so that the two share an author-year label."""
    from masreview.book.contribute import new_source

    new_source(root, NEW_ID, "case-report", population="paediatric")
    folder = root / "data" / "sources" / NEW_ID
    for f in folder.iterdir():
        f.unlink()
    for f in (EXAMPLE / "data" / "sources" / NEW_ID).iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    bib = (root / "references.bib").read_text(encoding="utf-8")
    stub = bib[bib.index("@article{doe2024example,"):]
    example = (EXAMPLE / "references.bib").read_text(encoding="utf-8")
    assert example.count("author = {Doe, J and Roe, R}") == 1 and example.count("year = {2024}") == 1
    example = example.replace("author = {Doe, J and Roe, R}", "author = {Wu, J. and Shen, D. and Lu, M.}")
    (root / "references.bib").write_text(bib.replace(stub, example.replace("year = {2024}", "year = {2025}")),
                                         encoding="utf-8")
    # The entry names the authors and year of the Wu 2025 case (as a second report by one group in one
    # year would): cited on its own page, it must not take the label of the Wu entry cited on another
    # page (with author-year "alpha" labels both were "WSL25": a duplicate label stops the build).
    _replace_once(root / "data" / "cohorts.yaml", f"{NEW_ID}:\n  label: TODO who the patients are (place, population)",
                  "doe-example-case:\n  label: Synthetic one-patient case (test only)")
    _replace_once(root / "data" / "changelog.yaml", "TODO what this source adds and how the headline numbers change",
                  "Adds a synthetic one-patient case (test only).")
    chapter = root / "chapters" / f"{NEW_ID}.md"
    _replace_once(chapter, "# TODO Surname et al. year, journal", "# Doe et al. 2024 (synthetic test case)")
    _replace_once(chapter, "TODO one paragraph: who the patient was and what the report adds",
                  "A synthetic case that the tests add")


def _build_or_fail(root: Path, what: str) -> tuple[str, float]:
    t0 = time.monotonic()
    log = sc.build_or_fail(root, what)
    return log, time.monotonic() - t0


@pytest.fixture(scope="module")
def copy(site_dir, tmp_path_factory) -> Copy:
    base = tmp_path_factory.mktemp("book-copy")
    root = sc.copy_repo(base / "repo")
    _, clean_s = _build_or_fail(root, "unchanged")
    clean = sc.snapshot(root, base / "clean")
    edit_copy(root)
    add_case_as_a_contributor(root)
    log, edited_s = _build_or_fail(root, "edited")
    return Copy(root=root, clean=clean, edited=root / "_build", edited_log=log,
                seconds={"clean build": clean_s, "rebuild after the edit": edited_s})


# --- 1. determinism ---------------------------------------------------------------------------------


def _edited_since_main_build(main: Path) -> str:
    """Files of the book edited after the main build started (their changes are not differences of the
    build): named in a failure message, so that a difference caused by an edit is not taken for chance."""
    started = min((p.stat().st_mtime for p in (main / "jupyter_execute").rglob("*") if p.is_file()),
                  default=time.time())
    late = [rel for rel in sc.tracked_files() if (sc.REPO / rel).stat().st_mtime > started
            and not rel.startswith("tests/")]
    return f" (files edited since the main build: {', '.join(late)})" if late else ""


def test_two_clean_builds_give_the_same_numbers_and_charts(copy):
    main = sc.SITE.parent
    note = _edited_since_main_build(main)
    assert sc.glue_store(copy.clean) == sc.glue_store(main), "glued values differ between two clean builds" + note
    specs_a, specs_b = sc.chart_specs(main / "html"), sc.chart_specs(copy.clean / "html")
    assert specs_a.keys() == specs_b.keys()
    for page in specs_a:
        assert specs_a[page] == specs_b[page], f"{page}: chart specs differ between two clean builds{note}"
    tables_a, tables_b = sc.table_texts(main / "html"), sc.table_texts(copy.clean / "html")
    for page in tables_a:
        assert tables_a[page] == tables_b.get(page), f"{page}: tables differ between two clean builds{note}"
    assert sum(len(s) for s in specs_a.values()) > 0 and sum(len(v) for v in sc.glue_store(main).values()) > 0


# --- 2. never stale ---------------------------------------------------------------------------------


def test_edited_value_reaches_the_page(copy):
    doc = f"chapters/{pn.WU}"
    before, after = sc.glue_store(sc.SITE.parent)[doc], sc.glue_store(copy.edited)[doc]
    assert float(before["wu_dose"]) == float(OLD_DOSE) and float(after["wu_dose"]) == float(NEW_DOSE)
    assert float(after["wu_daily"]) == 2 * float(NEW_DOSE)
    roles, pasted = pn.page_roles(copy.edited, copy.root, doc)
    shown = [text for (_, key, _), text in zip(roles, pasted) if key in ("wu_dose", "wu_daily")]
    assert shown and set(shown) == {NEW_DOSE, str(2 * int(NEW_DOSE))}, shown
    # the synthesis' evidence table and the downloads read the same rows
    synthesis = sc.visible_text(sc.soup(copy.edited / "html" / "chapters" / "synthesis.html"))
    assert f"{NEW_DOSE} mg" in synthesis and f"{OLD_DOSE} mg" not in synthesis


def test_every_page_of_the_edited_build_equals_its_data(copy):
    problems = pn.number_problems(copy.edited, copy.root, load_dataset(copy.root))
    for rel in sc.content_pages(copy.edited / "html"):
        problems += pn.pasted_problems(copy.edited, copy.root, rel[: -len(".html")])
    assert problems == [], "\n".join(problems)


# --- the contributor path: a new case appears everywhere, other chapters are not re-executed -------


def test_added_case_appears_in_every_place(copy):
    html_dir = copy.edited / "html"
    own = sc.visible_text(sc.soup(html_dir / "chapters" / f"{NEW_ID}.html"))
    assert "Doe et al. 2024 (synthetic test case)" in own and "reproduced" in own and "differs" not in own
    landing = sc.visible_text(sc.soup(html_dir / "intro.html"))
    assert "Doe et al. 2024" in landing
    synthesis = sc.visible_text(sc.soup(html_dir / "chapters" / "synthesis.html"))
    assert "Doe et al. 2024" in synthesis  # evidence table
    before = sc.visible_text(sc.soup(copy.clean / "html" / "chapters" / "synthesis.html"))
    n = {what: int(re.search(rf"{what}: (\d+)", before).group(1))
         for what in ("Reports included", "Independent cohorts in the synthesis")}
    for what, k in n.items():  # the flow: one more report and one more cohort than before the case was added
        assert f"{what}: {k + 1}" in synthesis, what
    # the case's CR at week 4 is a case report: listed apart, never pooled with the adults' 6/20
    ds = load_dataset(copy.root)
    from masreview.analysis.pooling import pooled_results  # noqa: PLC0415
    from masreview.analysis.synthesis import cohort_outcomes  # noqa: PLC0415

    cr = pooled_results(cohort_outcomes(ds))["complete-response"]
    assert (cr.k, cr.events, cr.total) == (1, 6, 20) and cr.percent is None
    assert len(cr.case_reports) == 1
    assert "not pooled: only one cohort or series" in synthesis
    whats_new = sc.visible_text(sc.soup(html_dir / "chapters" / "whats-new.html"))
    assert "Adds a synthetic one-patient case (test only)." in whats_new


def test_adding_a_case_does_not_re_execute_the_other_sources(copy):
    """The execution cache holds one record per execution: the other sources' chapters ran once (clean
    build), the pages that read the new case ran again (or, for its own chapter, for the first time)."""
    from jupyter_cache import get_cache  # noqa: PLC0415

    runs: dict[str, int] = {}
    for record in get_cache(str(copy.root / "_build" / ".jupyter_cache")).list_cache_records():
        doc = Path(record.uri).relative_to(copy.root).with_suffix("").as_posix()
        runs[doc] = runs.get(doc, 0) + 1
    assert runs["chapters/li-2025-front-immunol"] == 1 and runs["chapters/li-2025-acr-abstract-1179"] == 1, runs
    assert runs[f"chapters/{NEW_ID}"] == 1, runs
    for doc in ("intro", "chapters/synthesis", "chapters/whats-new"):
        assert runs[doc] == 2, f"{doc} was not executed again after a source was added: {runs}"


# --- 5. hostile free text ---------------------------------------------------------------------------


def test_hostile_text_shows_as_text_and_runs_nowhere(copy):
    html_dir = copy.edited / "html"
    shown_on, problems = [], []
    for rel in sc.pages(html_dir):
        page = sc.soup(html_dir / rel)
        if pn.normalise(PAYLOAD) in pn.normalise(sc.visible_text(page)):  # smart quotes aside
            shown_on.append(rel)
        for script in page.find_all("script"):
            if script.get("type") in (None, "", "text/javascript", "module") and MARK in (script.string or ""):
                problems.append(f"{rel}: the injected script is a live <script>")
        for el in page.find_all(True):
            if any(a.lower().startswith("on") and MARK in str(v) for a, v in el.attrs.items()):
                problems.append(f"{rel}: <{el.name}> carries the injected event handler")
    assert problems == [], "\n".join(problems)
    # a treatment note (glued into the Wu chapter's prose) and the title (citations of the sources)
    assert f"chapters/{pn.WU}.html" in shown_on and len(shown_on) >= 2, f"the hostile text is shown on {shown_on} only"


def test_hostile_text_is_inert_in_the_browser(copy, browser):
    html_dir = copy.edited / "html"
    pages = [rel for rel in sc.pages(html_dir) if MARK in (html_dir / rel).read_text(encoding="utf-8")]
    assert pages
    dialogs: list[str] = []
    with sc.serve(html_dir) as url:
        context = browser.new_context()
        try:
            for rel in pages:
                page = context.new_page()
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(f"{url}/{rel}", wait_until="load")
                page.wait_for_load_state("networkidle")
                assert page.evaluate(f"typeof window.{MARK}") == "undefined", f"{rel}: the injected code ran"
                assert page.locator("img[src='x']").count() == 0, f"{rel}: the injected <img> is an element"
                page.close()
        finally:
            context.close()
    assert dialogs == []


def _download_files(html_dir: Path) -> list[Path]:
    return sorted((html_dir / "_downloads").rglob("masreview-*.csv"))


def test_formula_in_data_is_neutralised_in_the_download(copy):
    files = {p.name: p for p in _download_files(copy.edited / "html")}
    assert "masreview-treatments.csv" in files, f"no treatments download among {sorted(files)}"
    with files["masreview-treatments.csv"].open(encoding="utf-8", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert "'" + FORMULA in cells, "the formula cell is not neutralised with a leading quote"
    assert FORMULA not in cells
    assert any(PAYLOAD in c for c in cells)  # text is kept as text (escaping is the page's business)


# --- 6. bad input stops the build -------------------------------------------------------------------


def test_bad_data_stops_the_build_before_any_page(tmp_path):
    root = sc.copy_repo(tmp_path / "repo")
    _replace_once(root / WU_DIR / "measures.csv", "m03,age,ruxolitinib,,baseline,11,",
                  "m03,age,ruxolitinib,,baseline,eleven,")
    result = sc.make_book(root, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert (f"{WU_DIR.as_posix()}/measures.csv, line 4, column 'value': expected a number; got 'eleven'"
            in out), out[-3000:]
    assert "1 problem in the data" in out, out[-3000:]  # and nothing else is blamed
    assert not (root / "_build").exists(), "the build started although the data are invalid"


def test_rebuild_timings_are_reported(copy, record_property):
    for what, seconds in copy.seconds.items():
        record_property(what, round(seconds, 1))
    print("copy builds:", {k: f"{v:.0f} s" for k, v in copy.seconds.items()})
