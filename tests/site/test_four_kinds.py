"""The decisive test of a living review: new evidence of every kind never turns the tests red.

In a copy of the repository (as a fresh clone has it), four reports are added through ``new-source``
exactly as the contributing chapter says, each filled with plausible published-style data:

1. a one-patient case report (its own cohort, reported rows);
2. a series that prints only totals (its own cohort; rows rebuilt by ``masreview generate`` from
   ``reconstruction.yaml``);
3. a further report of a cohort already in the review (``--cohort``; only its own measures);
4. an excluded report (``--status excluded --reason``; only its record).

Then, in the copy: ``validate`` passes, ``make book`` passes, and the unit tests, the stored-output
notebooks and the checks on the built site (all but the gates and the bad-input corpus, which reads only
tests/fixtures) pass against it. The invented reports are synthetic (ids ``*-2099-*``), never written to the repository's own data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sitecheck as sc
from masreview.book.contribute import new_screened, new_source

pytestmark = [pytest.mark.gate, pytest.mark.site]

CASE, SERIES, FURTHER, EXCLUDED = ("roe-2099-case", "moe-2099-series", "li-2099-further-report",
                                    "hu-2099-excluded")
EXISTING_COHORT = "renji-rd-mas-ruxolitinib"

MEASURES_HEADER = ("measure_id,measure,group,category,timepoint,value,numerator,denominator,unit,decimals,"
                   "qualifier,locator,quote,note\n")


def _fill(path: Path, replacements: dict[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"{path.name}: the template no longer holds {old!r}"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def _record(folder: Path, population: str, diseases: str, authors: str, title: str, doi: str,
            cohort_label: str | None = None) -> None:
    _fill(folder / "source.yaml", {
        "underlying_diseases: [TODO]": f"underlying_diseases: [{diseases}]",
        "country: TODO": "country: Atlantis",
        "  TODO one or two sentences a reader sees on the landing page (who, what, how many).":
            f"  {title} (synthetic report used by the tests).",
        "authors: [TODO Surname Initials, as printed]": f"authors: [{authors}]",
        "title: TODO the title as printed": f"title: {title}",
        "journal: TODO": "journal: Journal of Synthetic Reports",
        "year: TODO": "year: 2099",
        "doi: TODO": f"doi: {doi}",
        "from_text: TODO what was read (abstract, full text, table 1)": "from_text: abstract",
        "read_extent: TODO": "read_extent: abstract",
    })


def _appraise(folder: Path) -> None:
    """Every Murad et al. question answered from what was read (here: nothing settles them)."""
    items = ("selection", "exposure", "outcome", "alternative-causes", "challenge-rechallenge", "dose-response",
             "follow-up", "reporting")
    (folder / "appraisal.csv").write_text("tool,item,outcome,judgement,support,locator,note\n" + "".join(
        f"murad-2018,{item},,unclear,not in what was read,,\n" for item in items), encoding="utf-8")


def _bib(root: Path, key: str, author: str, doi: str) -> None:
    """The BibTeX stub of ``key`` filled in (the same DOI as the record, which validate checks)."""
    text = (root / "references.bib").read_text(encoding="utf-8")
    start = text.index(f"@article{{{key},")
    end = text.index("\n}\n", start) + 3  # the whole stub, up to its closing brace
    entry = (f"@article{{{key},\n  author = {{{author}}},\n  title = {{A synthetic report}},\n"
             f"  journal = {{Journal of Synthetic Reports}},\n  year = {{2099}},\n  doi = {{{doi}}}\n}}\n")
    (root / "references.bib").write_text(text[:start] + entry + text[end:], encoding="utf-8")


def _changelog(root: Path, what: str) -> None:
    _fill(root / "data" / "changelog.yaml",
          {"TODO what this source adds and how the headline numbers change": what})


def _cohort(root: Path, source_id: str, label: str) -> None:
    _fill(root / "data" / "cohorts.yaml", {"TODO who the patients are (place, population)": label})


def _chapter(root: Path, source_id: str, title: str) -> None:
    chapter = root / "chapters" / f"{source_id}.md"
    text = chapter.read_text(encoding="utf-8")
    text = text.replace("# TODO Surname et al. year, journal", f"# {title}")
    text = text.replace("# TODO Surname et al. year, meeting", f"# {title}")
    text = text.replace("TODO one paragraph: what the abstract reports", "A synthetic abstract added by the tests")
    text = text.replace("TODO one paragraph: who the patient was and what the report adds",
                        "A synthetic report added by the tests")
    text = text.replace("TODO one paragraph: who the patients were and what the report adds",
                        "A synthetic report added by the tests")
    assert "TODO" not in text, f"{chapter.name}: a TODO this test does not know"
    chapter.write_text(text, encoding="utf-8")


def add_case_report(root: Path) -> None:
    new_source(root, CASE, "case-report", population="paediatric")
    folder = root / "data" / "sources" / CASE
    _record(folder, "paediatric", "sJIA", "Roe A, Poe B, Moe C", "Ruxolitinib for refractory sJIA-MAS in a child",
            "10.9999/roe.2099.1")
    (folder / "measures.csv").write_text(MEASURES_HEADER + (
        'm01,patients,ruxolitinib,,baseline,,1,,patients,0,,"abstract, sentence 1",a 9-year-old boy,\n'
        'm02,response,ruxolitinib,CR,week-4,,1,1,patients,0,,"abstract, sentence 3",complete remission by week 4,\n'
        'm03,survival,ruxolitinib,,overall,,1,1,patients,0,,"abstract, sentence 4",alive and well,\n'), encoding="utf-8")
    (folder / "patients.csv").write_text(
        "patient_id,group,sex,age_years,disease,origin,locator\n"
        'P1,ruxolitinib,male,9,sJIA,reported,"abstract, sentence 1"\n', encoding="utf-8")
    (folder / "treatments.csv").write_text(
        "patient_id,treatment_id,drug,dose,dose_unit,frequency,route,phase_id,role,origin,locator\n"
        'P1,t1,ruxolitinib,5,mg,twice-daily,oral,p1,salvage,reported,"abstract, sentence 2"\n', encoding="utf-8")
    (folder / "phases.csv").write_text(
        "patient_id,phase_id,order,label,start_date,end_date,duration,duration_unit,duration_qualifier,origin,locator\n"
        'P1,p1,1,Ruxolitinib,,,,,unknown,reported,"abstract, sentence 2"\n', encoding="utf-8")
    (folder / "observations.csv").write_text(
        "patient_id,time,time_unit,measure,state,value,unit,origin,locator\n"
        'P1,4,week,response-state,CR,,,reported,"abstract, sentence 3"\n', encoding="utf-8")
    (folder / "events.csv").write_text(
        "patient_id,event,time,time_unit,origin,locator\n"
        'P1,last-follow-up,6,month,reported,"abstract, sentence 4"\n', encoding="utf-8")
    _appraise(folder)
    _bib(root, "roe2099case", "Roe, A. and Poe, B. and Moe, C.", "10.9999/roe.2099.1")
    _cohort(root, CASE, "Synthetic paediatric case (tests only)")
    _changelog(root, "Adds a synthetic one-patient case (tests only).")
    _chapter(root, CASE, "Roe et al. 2099 (synthetic case report)")


def add_totals_series(root: Path) -> None:
    new_source(root, SERIES, "case-series", population="adult")
    folder = root / "data" / "sources" / SERIES
    _record(folder, "adult", "AOSD, SLE", "Moe D, Noe E", "Ruxolitinib in six adults with refractory MAS",
            "10.9999/moe.2099.2")
    (folder / "measures.csv").write_text(MEASURES_HEADER + (
        'm01,patients,ruxolitinib,,baseline,,6,,patients,0,,"abstract, sentence 1",six adults,\n'
        'm02,sex,ruxolitinib,female,baseline,,5,,patients,0,,"abstract, sentence 1",five women,\n'
        'm03,underlying-disease,ruxolitinib,AOSD,baseline,,4,,patients,0,,"abstract, sentence 1",four with AOSD,\n'
        'm04,survival,ruxolitinib,,overall,,5,6,patients,0,,"abstract, sentence 3",five of six survived,\n'),
        encoding="utf-8")
    for name in ("patients.csv", "events.csv", "observations.csv", "treatments.csv"):
        (folder / name).unlink()
    _fill(folder / "reconstruction.yaml", {
        "  TODO one sentence: the report gives only totals; rows are rebuilt from them in declared order.":
            "  The report gives only totals; rows are rebuilt from them in declared order.",
        "size: {measure: TODO}": "size: {measure: m01}",
        "{value: female, count: {measure: TODO}}": "{value: female, count: {measure: m02}}",
        "{value: TODO, remainder: true}   # a disease code": "{value: AOSD, count: {measure: m03}}\n"
                                                           "          - {value: SLE, remainder: true}   # a disease code",
        "count: {measure: TODO, complement: true}": "count: {measure: m04, complement: true}",
    })
    result = subprocess.run([sys.executable, "-m", "masreview", "--root", str(root), "generate",
                             f"data/sources/{SERIES}"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    _appraise(folder)
    _bib(root, "moe2099series", "Moe, D. and Noe, E.", "10.9999/moe.2099.2")
    _cohort(root, SERIES, "Synthetic adult series (tests only)")
    _changelog(root, "Adds a synthetic six-patient series (tests only).")
    _chapter(root, SERIES, "Moe and Noe 2099 (synthetic series)")


def add_further_report(root: Path) -> None:
    new_source(root, FURTHER, "conference-abstract", population="adult", cohort=EXISTING_COHORT)
    folder = root / "data" / "sources" / FURTHER
    _record(folder, "adult", "AOSD, SLE, other-CTD", "Li J, Wang R", "Ruxolitinib in refractory RD-MAS, follow-up",
            "10.9999/li.2099.3")
    (folder / "measures.csv").write_text(MEASURES_HEADER + (
        'm01,patients,ruxolitinib,,baseline,,20,,patients,0,,"abstract, sentence 1",20 patients,\n'
        'm02,survival,ruxolitinib,,overall,,19,20,patients,0,,"abstract, sentence 2",19 of 20 survived,\n'),
        encoding="utf-8")
    _appraise(folder)
    _bib(root, "li2099furtherreport", "Li, J. and Wang, R.", "10.9999/li.2099.3")
    _changelog(root, "Adds a synthetic further report of the Renji cohort (tests only); no patients added.")
    _chapter(root, FURTHER, "Li and Wang 2099 (synthetic further report)")


def add_excluded(root: Path) -> None:
    new_screened(root, EXCLUDED, "excluded", reason="wrong-drug", note="Tofacitinib, not ruxolitinib.")
    _fill(root / "data" / "sources" / EXCLUDED / "source.yaml", {
        "  TODO one sentence: what the report is (design, patients, drug) as far as it was read.":
            "  A synthetic excluded report used by the tests.",
        "authors: [TODO Surname Initials, as printed]": "authors: [Hu F]",
        "title: TODO the title as printed": "title: Tofacitinib in refractory AOSD",
        "journal: TODO": "journal: Journal of Synthetic Reports",
        "year: TODO": "year: 2099",
        "doi: TODO": "doi: 10.9999/hu.2099.4",
        "from_text: TODO what was read (abstract, full text)": "from_text: abstract",
        "read_extent: TODO": "read_extent: abstract",
        "read_at: TODO": "read_at: https://example.org/hu-2099",
    })
    _bib(root, "hu2099excluded", "Hu, F.", "10.9999/hu.2099.4")
    _changelog(root, "Screened and excluded a synthetic report (tests only).")


@pytest.fixture(scope="module")
def grown(site_dir, tmp_path_factory) -> Path:
    root = sc.copy_repo(tmp_path_factory.mktemp("four-kinds") / "repo")
    for add in (add_case_report, add_totals_series, add_further_report, add_excluded):
        add(root)
    return root


def test_the_four_kinds_validate_build_and_pass_every_check(grown):
    env = {**os.environ, "MASREVIEW_ROOT": str(grown)}
    sc.build_or_fail(grown, "four-kinds", validate=True)
    for sid in (CASE, SERIES, FURTHER):
        assert (grown / "_build" / "html" / "chapters" / f"{sid}.html").is_file()
    checks = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit", "tests/notebooks", "tests/site", "-m", "not slow and not gate and not corpus",
         "--nbval", "--nbval-sanitize-with", "tests/notebooks/sanitize.cfg", "-q", "-p", "no:cacheprovider",
         "-x"], cwd=grown, env=env, capture_output=True, text=True, timeout=1500)
    assert checks.returncode == 0, checks.stdout[-6000:] + checks.stderr[-2000:]
