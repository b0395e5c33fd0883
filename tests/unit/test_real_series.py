"""Honest codes for real series and the overlap check, on copies of the synthetic valid fixture
(tests/fixtures/valid): nothing here reads the review's own evidence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from masreview.analysis.synthesis import cohort_outcomes, cohorts_table
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError
from masreview.present.casecard import case_card
from masreview.present.reproduction import reproduction_table

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
A = "doe-2024-example"
B = "doe-2025-second-centre"

SETTING = "setting: Department of Rheumatology, Example Children's Hospital\n"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(VALID, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name}: no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _second_report(root: Path, period_a: str, period_b: str, extra: str = "", cohort: str = "doe-second") -> Path:
    """A second included report, by the same first author, of a cohort of its own."""
    a = root / "data" / "sources" / A
    b = root / "data" / "sources" / B
    shutil.copytree(a, b)
    _edit(a / "source.yaml", "summary:", SETTING + f"period: {period_a}\nsummary:")
    text = (a / "source.yaml").read_text(encoding="utf-8")
    text = (text.replace(f"id: {A}", f"id: {B}").replace("cohort_id: doe-example-case", f"cohort_id: {cohort}")
            .replace("doi: 10.9999/fixture.2024.1", "doi: 10.9999/fixture.2025.2")
            .replace("year: 2024", "year: 2025").replace(f"period: {period_a}", f"period: {period_b}")
            .replace("bibtex_key: doe2024example", "bibtex_key: doe2025second"))
    (b / "source.yaml").write_text(text + extra, encoding="utf-8")
    with open(root / "references.bib", "a", encoding="utf-8") as f:  # its own entry, with its own DOI
        f.write("\n@article{doe2025second,\n  author = {Doe, J},\n  title = {A second synthetic report},\n"
                "  journal = {Journal of Test Fixtures},\n  year = {2025},\n  doi = {10.9999/fixture.2025.2}\n}\n")
    if cohort == "doe-second":
        with open(root / "data" / "cohorts.yaml", "a", encoding="utf-8") as f:
            f.write(f"doe-second:\n  label: Second synthetic centre (tests only)\n  primary_source: {B}\n")
    return b


# --- overlap -------------------------------------------------------------------------------------------


def test_same_author_setting_and_overlapping_period_fails_with_its_place(tmp_path):
    root = _copy(tmp_path)
    _second_report(root, "{start: 2019-01, end: 2021-06}", "{start: 2021-01, end: 2023-12}")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    msg = str(info.value)
    assert f"data/sources/{B}/source.yaml, line 2, column 'cohort_id': may report the patients of '{A}'" in msg
    assert "cohort_id: doe-example-case" in msg and "checked-distinct" in msg


def test_overlap_is_settled_by_naming_the_cohort(tmp_path):
    root = _copy(tmp_path)
    _second_report(root, "{start: 2019-01, end: 2021-06}", "{start: 2021-01, end: 2023-12}",
                   cohort="doe-example-case")
    # a further report of the same patients: its own numbers must agree with the primary's
    ds = load_dataset(root)
    assert ds.source(B).record.cohort_id == "doe-example-case"
    assert len(cohorts_table(ds)) == 1


def test_overlap_is_settled_by_a_checked_distinct_decision(tmp_path):
    root = _copy(tmp_path)
    _second_report(root, "{start: 2019-01, end: 2021-06}", "{start: 2021-01, end: 2023-12}",
                   extra="overlap:\n  decision: checked-distinct\n  reason: Other ward; authors state no "
                         "patient is shared with the 2024 report.\n")
    ds = load_dataset(root)
    assert ds.source(B).record.overlap.decision == "checked-distinct"
    assert len(cohorts_table(ds)) == 2


def test_disjoint_periods_do_not_match(tmp_path):
    root = _copy(tmp_path)
    _second_report(root, "{start: 2015-01, end: 2017-12}", "{start: 2021-01, end: 2023-12}")
    assert len(cohorts_table(load_dataset(root))) == 2


@pytest.mark.parametrize("bad, expected", [
    ("overlap: {decision: maybe, reason: not checked at all}", "decision"),
    ("overlap: {decision: checked-distinct, reason: no}", "reason"),
])
def test_an_overlap_decision_is_strict(tmp_path, bad, expected):
    root = _copy(tmp_path)
    _edit(root / "data" / "sources" / A / "source.yaml", "summary:", bad + "\nsummary:")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    assert f"data/sources/{A}/source.yaml" in str(info.value) and expected in str(info.value)


@pytest.mark.parametrize("period", ["{start: 2021-13, end: 2022-01}", "{start: 2022-05, end: 2021-01}",
                                    "{start: 2021-01}"])
def test_a_period_is_two_months_in_order(tmp_path, period):
    root = _copy(tmp_path)
    _edit(root / "data" / "sources" / A / "source.yaml", "summary:", f"period: {period}\nsummary:")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    assert f"data/sources/{A}/source.yaml" in str(info.value) and "period" in str(info.value)


# --- a MAS subgroup inside a mixed secondary-HLH series ----------------------------------------------------


@pytest.mark.parametrize("separate", [True, False])
def test_mas_subgroup_counts_and_pools_only_when_separate(tmp_path, separate):
    root = _copy(tmp_path)
    _edit(root / "data" / "sources" / A / "source.yaml", "underlying_diseases: [sJIA]",
          "underlying_diseases: [sJIA, non-rheumatic]\nmas_subgroup: {n_mas: 1, outcomes_separate: "
          f"{'true' if separate else 'false'}, locator: 'table 1, row 2'}}")
    ds = load_dataset(root)
    assert cohorts_table(ds)["treated"].tolist() == [1]
    out = cohort_outcomes(ds).set_index("outcome")
    assert bool(out.loc["survival", "assessable"]) is separate
    if not separate:
        assert "not reported apart" in out.loc["survival", "reason"] and "table 1, row 2" in out.loc["survival", "reason"]


# --- codes ---------------------------------------------------------------------------------------------


def test_disease_not_reported_and_concurrent_controls_validate(tmp_path):
    root = _copy(tmp_path)
    folder = root / "data" / "sources" / A
    _edit(folder / "source.yaml", "underlying_diseases: [sJIA]", "underlying_diseases: [not-reported]")
    with open(folder / "patients.csv", "a", encoding="utf-8") as f:
        header = (folder / "patients.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        row = {"patient_id": "C1", "group": "concurrent-control", "origin": "reported", "locator": "table 1"}
        f.write(",".join(row.get(c, "") for c in header) + "\n")
    ds = load_dataset(root)
    assert "concurrent-control" in set(ds.source(A)["patients"]["group"])


def test_combination_regimen_is_named_on_the_card(tmp_path):
    root = _copy(tmp_path)
    path = root / "data" / "sources" / A / "treatments.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = {"patient_id": "P1", "treatment_id": "t9", "drug": "etoposide", "frequency": "weekly", "role": "combination",
           "origin": "reported", "locator": "\"case, paragraph 2\""}
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + ",".join(row.get(c, "") for c in header) + "\n", encoding="utf-8")
    card = case_card(load_dataset(root).source(A)).set_index("item")
    assert card.loc["Salvage therapy", "value"].endswith("plus etoposide")
    assert "case, paragraph 2" in card.loc["Salvage therapy", "locator"]


def test_outcomes_in_words_are_measures_with_locators_shown_as_context(tmp_path):
    root = _copy(tmp_path)
    path = root / "data" / "sources" / A / "measures.csv"
    with open(path, "a", encoding="utf-8") as f:
        f.write('m10,fever-resolution,ruxolitinib,resolved,overall,,,,patients,0,,"abstract, sentence 3"\n'
                'm11,glucocorticoid-taper,ruxolitinib,tapered,overall,,,,patients,0,,"abstract, sentence 3"\n'
                'm12,adverse-events,ruxolitinib,none,overall,,,,patients,0,,"abstract, sentence 4"\n')
    ds = load_dataset(root)
    t = reproduction_table(ds.source(A), ds).set_index("id")
    assert set(t.loc[["m10", "m11", "m12"], "status"]) == {"context"}


def test_adverse_events_none_is_recomputed_when_rows_hold_it(tmp_path):
    root = _copy(tmp_path)
    with open(root / "data" / "sources" / A / "measures.csv", "a", encoding="utf-8") as f:
        f.write('m12,adverse-events,ruxolitinib,none,overall,,1,1,patients,0,,"abstract, sentence 4"\n')
    ds = load_dataset(root)
    t = reproduction_table(ds.source(A), ds).set_index("id")
    assert t.loc["m12", "status"] == "reproduced"  # events.csv holds the follow-up and no adverse event


def test_an_outcome_in_words_needs_a_category_of_its_own(tmp_path):
    root = _copy(tmp_path)
    with open(root / "data" / "sources" / A / "measures.csv", "a", encoding="utf-8") as f:
        f.write('m10,fever-resolution,ruxolitinib,gone,overall,,,,patients,0,,"abstract, sentence 3"\n')
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    assert "measures.csv, line 5, column 'category'" in str(info.value) and "resolved" in str(info.value)


def test_a_report_without_patient_rows_is_not_recomputable_rather_than_differing(tmp_path):
    """An abstract of its own cohort gives only totals: its patient count is not 'differs 0'."""
    root = _copy(tmp_path)
    folder = root / "data" / "sources" / A
    for name in ("patients.csv", "treatments.csv", "phases.csv", "observations.csv", "events.csv"):
        (folder / name).unlink()
    _edit(folder / "source.yaml", "design: case-report", "design: conference-abstract")
    ds = load_dataset(root)
    t = reproduction_table(ds.source(A), ds).set_index("id")
    assert "differs" not in set(t["status"])
    assert t.loc["m01", "status"] == "not recomputable" and "only totals" in t.loc["m01", "method"]
