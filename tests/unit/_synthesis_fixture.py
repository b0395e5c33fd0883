"""The synthetic fixtures of the synthesis tests, written into a temporary copy of the repository.

``add_fixture_case``: a one-patient paediatric (sJIA) case report, ``doe-2026-test-case``, in a cohort of
its own, with a reported complete response at week 4, alive, 5 mg twice daily; its cohort, BibTeX entry
and a changelog entry dated :func:`fixture_date` (the newest date of the changelog, or
2026-12-01 if that is later). ``add_second_report``: a copy of the Front Immunol source under
another id, DOI and BibTeX key, in the same cohort.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from masreview.data import paths
from _appraisal_fixture import appraisal_csv

REPO = paths.repo_root()

# The reports whose published numbers these tests assert. The review only ever adds reports, so a dataset
# restricted to them (plus a test's own fixture) keeps those assertions true whatever evidence is added.
KNOWN = ("li-2025-front-immunol", "li-2025-acr-abstract-1179", "wu-2025-j-clin-pediatr")


def known(root: Path = REPO, *extra: str):
    """The dataset of ``root`` restricted to :data:`KNOWN` and ``extra``."""
    from masreview.analysis.synthesis import subset  # noqa: PLC0415
    from masreview.data.loading import load_dataset  # noqa: PLC0415

    return subset(load_dataset(root), KNOWN + extra)


def copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO / "data", root / "data")
    shutil.copyfile(REPO / "references.bib", root / "references.bib")
    shutil.copyfile(REPO / "CITATION.cff", root / "CITATION.cff")
    return root


def _append_yaml(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")


FIXTURE_SOURCE = """\
id: doe-2026-test-case
cohort_id: doe-test-case
status: included
design: case-report
population: paediatric
underlying_diseases: [sJIA]
summary: A synthetic one-patient case report used by the tests (not a real publication).
bibliography:
  authors: [Doe J, Roe R]
  title: A synthetic case of refractory MAS treated with ruxolitinib
  journal: Journal of Tests
  year: 2026
  doi: 10.9999/test.2026.0001
  bibtex_key: doe2026testcase
extraction:
  date: 2026-12-01
  by: review team test fixture
  from_text: synthetic
"""

FIXTURE_TABLES = {
    "measures.csv": (
        "measure_id,measure,group,category,timepoint,value,numerator,denominator,unit,decimals,qualifier,locator,quote,note\n"
        "m01,patients,ruxolitinib,,baseline,,1,,patients,0,,\"abstract, sentence 1\",one child,\n"
        "m02,response,ruxolitinib,CR,week-4,100,1,1,percent,0,,\"abstract, sentence 2\",complete remission,\n"
        "m03,ruxolitinib-dose,ruxolitinib,twice-daily,overall,5,,,mg,0,,\"abstract, sentence 2\",5 mg twice daily,\n"
    ),
    "patients.csv": (
        "patient_id,group,sex,age_years,disease,origin,locator,note\n"
        "P01,ruxolitinib,male,7,sJIA,reported,\"abstract, sentence 1\",\n"
    ),
    "observations.csv": (
        "patient_id,time,time_unit,measure,state,value,unit,origin,locator,note\n"
        "P01,4,week,response-state,CR,,,reported,\"abstract, sentence 2\",\n"
    ),
    "treatments.csv": (
        "patient_id,treatment_id,drug,dose,dose_unit,frequency,route,role,origin,locator,note\n"
        "P01,t1,ruxolitinib,5,mg,twice-daily,oral,salvage,reported,\"abstract, sentence 2\",\n"
    ),
    "phases.csv": (
        "patient_id,phase_id,order,label,start_date,end_date,duration,duration_unit,duration_qualifier,origin,locator,note\n"
        "P01,ruxolitinib,1,Ruxolitinib,,,4,week,exact,reported,\"abstract, sentence 2\",\n"
    ),
}

FIXTURE_BIB = """
@article{doe2026testcase,
  author  = {Doe, J. and Roe, R.},
  title   = {A synthetic case of refractory MAS treated with ruxolitinib},
  journal = {Journal of Tests},
  year    = {2026},
  doi     = {10.9999/test.2026.0001}
}
"""


def fixture_date(root: Path) -> str:
    """The date of the fixture's changelog entry: never before an entry already in the changelog, so that
    the changelog stays in date order whatever evidence the repository holds."""
    entries = yaml.safe_load((root / "data" / "changelog.yaml").read_text(encoding="utf-8")) or []
    return max([str(e["date"]) for e in entries] + ["2026-12-01"])


def add_fixture_case(root: Path, label: str = "One synthetic child (test fixture)") -> None:
    folder = root / "data" / "sources" / "doe-2026-test-case"
    folder.mkdir()
    (folder / "source.yaml").write_text(FIXTURE_SOURCE, encoding="utf-8")
    for name, text in FIXTURE_TABLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "appraisal.csv").write_text(appraisal_csv(), encoding="utf-8")
    _append_yaml(root / "data" / "cohorts.yaml",
                 f"doe-test-case:\n  label: {yaml.safe_dump(label, default_style=chr(34)).strip()}\n"
                 "  primary_source: doe-2026-test-case\n")
    _append_yaml(root / "data" / "changelog.yaml",
                 f"- date: {fixture_date(root)}\n  sources_added: [doe-2026-test-case]\n  summary: Added the test case.\n")
    with open(root / "references.bib", "a", encoding="utf-8") as f:
        f.write(FIXTURE_BIB)


def add_second_report(root: Path) -> None:
    """A copy of the Front Immunol source under another id, DOI and BibTeX key, in the same cohort."""
    src = root / "data" / "sources" / "li-2025-front-immunol"
    dst = root / "data" / "sources" / "li-2026-second-report"
    shutil.copytree(src, dst)
    rec = yaml.safe_load((dst / "source.yaml").read_text(encoding="utf-8"))
    rec["id"] = "li-2026-second-report"
    rec["bibliography"]["doi"] = "10.9999/test.2026.0002"
    rec["bibliography"]["bibtex_key"] = "li2026second"
    rec["bibliography"].pop("pmid", None)
    (dst / "source.yaml").write_text(yaml.safe_dump(rec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with open(root / "references.bib", "a", encoding="utf-8") as f:
        f.write("\n@article{li2026second,\n  author = {Li, J.},\n  title = {Second report},\n"
                "  journal = {Tests},\n  year = {2026},\n  doi = {10.9999/test.2026.0002}\n}\n")
