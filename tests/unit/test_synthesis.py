"""Synthesis: a new source shows up everywhere with the expected numbers; a second report adds no patients.

Expected pooled values are computed here by hand from the DerSimonian-Laird formulas (numpy only), not
by calling the code under test, and a few are checked against values worked out on paper.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _synthesis_fixture import REPO, add_fixture_case, add_second_report, copy_repo, known

from types import SimpleNamespace
from masreview.analysis import pooling as _pooling, synthesis as _synthesis
from masreview.present import evidence as _evidence, synthesis as _views

# One name for the synthesis helpers, across the layers they live in.
syn = SimpleNamespace(**{k: v for m in (_synthesis, _pooling, _views, _evidence) for k, v in vars(m).items()
                         if not k.startswith('__')})
from masreview.data.loading import load_dataset

# Facts the published abstracts state (independently known): Li et al. 19/20 alive, 6/20 CR and 10/20 PR at
# week 8; the Wu et al. case: one child, alive, response not graded.
LI = dict(survival=(19, 20), cr=(6, 20), overall=(16, 20))


# --- hand-computed DerSimonian-Laird --------------------------------------------------------------


def dl_by_hand(events, totals):
    """(percent, low, high, tau2, I2 percent) from the textbook formulas, 0.5 added to 0/all-event cohorts."""
    x = np.array(events, float)
    n = np.array(totals, float)
    fix = (x == 0) | (x == n)
    x, n = x + 0.5 * fix, n + 1.0 * fix
    y = np.log(x / (n - x))
    v = 1 / x + 1 / (n - x)
    w = 1 / v
    mu_fe = (w * y).sum() / w.sum()
    q = (w * (y - mu_fe) ** 2).sum()
    df = len(y) - 1
    c = w.sum() - (w ** 2).sum() / w.sum()
    tau2 = max(0.0, (q - df) / c)
    wr = 1 / (v + tau2)
    mu = (wr * y).sum() / wr.sum()
    se = math.sqrt(1 / wr.sum())
    expit = lambda t: 100 / (1 + math.exp(-t))  # noqa: E731
    i2 = 100 * max(0.0, (q - df) / q) if q > 0 else 0.0
    return expit(mu), expit(mu - 1.959964 * se), expit(mu + 1.959964 * se), tau2, i2


def test_hand_formula_matches_paper_values():
    # Worked on paper: CR Li 6/20 with a 1/1 case -> Q = 1.3036, C = 0.6885, tau2 = 0.4409, pooled 37.8%.
    pct, low, high, tau2, i2 = dl_by_hand([6, 1], [20, 1])
    assert round(tau2, 3) == 0.441 and round(pct, 1) == 37.8 and round(i2, 1) == 23.3
    # Two cohorts of 1/1 each: identical logits (0.5 correction) -> 75% exactly, no heterogeneity.
    pct, *_ = dl_by_hand([1, 1], [1, 1])
    assert pct == pytest.approx(75.0)


# --- the repository as it is ----------------------------------------------------------------------


def test_repository_cohorts_counted_once():
    ds = known()
    ct = syn.cohorts_table(ds).set_index("cohort_id")
    assert ct.loc["renji-rd-mas-ruxolitinib", "primary_source"] == "li-2025-front-immunol"
    assert ct.loc["renji-rd-mas-ruxolitinib", "treated"] == 20
    f = syn.flow_counts(ds)
    assert (f.cohorts, f.patients, f.second_reports) == (2, 21, 1)


def test_repository_outcomes_and_pool():
    ds = known()
    oc = syn.cohort_outcomes(ds).set_index(["cohort_id", "outcome"])
    li = "renji-rd-mas-ruxolitinib"
    for outcome, key in (("survival", "survival"), ("complete-response", "cr"), ("overall-response", "overall")):
        assert (oc.loc[(li, outcome), "events"], oc.loc[(li, outcome), "total"]) == LI[key]
    assert oc.loc[(li, "complete-response"), "timepoint"] == "week 8"
    assert oc.loc[(li, "survival"), "basis"] == "patient rows (reconstructed)"
    # Exact interval of 19/20 (Clopper-Pearson): 75.1 to 99.9.
    assert round(oc.loc[(li, "survival"), "ci_low"], 1) == 75.1 and round(oc.loc[(li, "survival"), "ci_high"], 1) == 99.9
    case = "zju-sjia-mas-case"
    assert (oc.loc[(case, "survival"), "events"], oc.loc[(case, "survival"), "total"]) == (1, 1)
    assert not oc.loc[(case, "complete-response"), "assessable"]  # no response state: never a CR by default
    pooled = syn.pooled_results(syn.cohort_outcomes(ds))
    # One cohort and one case report: nothing is pooled; the case report is listed apart.
    p = pooled["survival"]
    assert not p.pooled and p.k == 1 and p.series == (li,) and p.case_reports == (case,)
    assert p.note == "not pooled: only one cohort or series"
    assert not pooled["complete-response"].pooled and pooled["complete-response"].k == 1
    headline = syn.headline(ds)
    assert "pooled" not in headline["survival"].replace("not pooled", "")
    assert headline["survival"].startswith("not pooled: only one cohort or series; 19/20 = 95.0% (exact 95% CI 75.1")


def test_per_cohort_table_has_one_row_per_cohort_and_the_outcomes_as_columns():
    ds = known()
    oc = syn.cohort_outcomes(ds)
    table = syn.per_cohort_table(oc, syn.pooled_results(oc), syn.report_labels(ds))
    assert list(table.columns) == ["Cohort", "Report", "Population", *syn.OUTCOMES.values(), "Counted from", "Note"]
    # one row each, named as readers know them (the cohorts.yaml label and the report), never by id
    assert list(table["Cohort"]) == [ds.cohorts["renji-rd-mas-ruxolitinib"].label, ds.cohorts["zju-sjia-mas-case"].label]
    assert list(table["Report"]) == ["Li et al. 2025", "Wu et al. 2025"]
    li, case = table.iloc[0], table.iloc[1]
    # Exact (Clopper-Pearson) intervals of the published counts: 16/20 56.3-94.3, 6/20 11.9-54.3, 19/20 75.1-99.9.
    assert li[syn.OUTCOMES["overall-response"]] == "16/20 = 80.0% (56.3 to 94.3), week 8"  # one cohort: no pool
    assert li[syn.OUTCOMES["complete-response"]] == "6/20 = 30.0% (11.9 to 54.3), week 8"
    assert li[syn.OUTCOMES["survival"]] == "19/20 = 95.0% (75.1 to 99.9), last follow-up (not stated)"
    assert (li["Population"], li["Counted from"]) == ("Adults", "patient rows (reconstructed)")
    # The case report: response not graded (not assessable, with the reason); survival 1/1, implied (no
    # death reported, no survival figure printed), never pooled.
    for outcome in ("overall-response", "complete-response"):
        assert case[syn.OUTCOMES[outcome]] == "not assessable: no response state recorded for a treated patient"
    surv = case[syn.OUTCOMES["survival"]]
    assert surv == ("1/1 = 100.0% (2.5 to 100.0), last follow-up (not stated); implied (abstract, results, "
                    "sentence 4); case report: not pooled")
    assert (case["Population"], case["Counted from"]) == ("Children", "patient rows (reported)")


def test_per_cohort_table_names_bases_and_notes_per_outcome():
    """A cohort whose outcomes come from different bases names each; remarks on assessable outcomes go
    to the Note column once."""
    ds = known()
    oc = syn.cohort_outcomes(ds)
    li = oc["cohort_id"] == "renji-rd-mas-ruxolitinib"
    oc.loc[li & (oc["outcome"] == "survival"), "basis"] = "reported measures"
    oc.loc[li & (oc["outcome"] != "survival"), "reason"] = "2 treated patient(s) without a response state"
    row = syn.per_cohort_table(oc, syn.pooled_results(oc)).iloc[0]
    assert row["Counted from"] == ("overall response, complete response: patient rows (reconstructed); "
                                   "survival to last follow-up: reported measures")
    assert row["Note"] == "2 treated patient(s) without a response state"


def test_adult_disease_outcomes_are_not_cross_tabulated():
    ds = known()
    table, left_out = syn.subgroup_disease(ds)
    assert "renji-rd-mas-ruxolitinib" in left_out  # reconstructed rows: no disease-level outcomes
    assert set(table["Subgroup"]) <= {"Systemic juvenile idiopathic arthritis"}


# --- a new source in a temporary copy ------------------------------------------------------------------


@pytest.fixture
def with_case(tmp_path):
    root = copy_repo(tmp_path)
    add_fixture_case(root)
    return known(root, "doe-2026-test-case")


def test_new_source_in_evidence_table(with_case):
    rows = {r["source_id"]: r for r in syn.evidence_rows(with_case)}
    r = rows["doe-2026-test-case"]
    assert r["primary"] and r["n"] == 1 and r["population"] == "Children"
    assert r["response"] == "week 4: CR 1/1 (100%)"
    assert r["dose"] == "5 mg twice daily, oral"
    html = syn.evidence_table_html(with_case)
    assert 'href="doe-2026-test-case.html"' in html and "Doe and Roe 2026, Journal of Tests" in html
    assert "<td>22</td>" in html  # patients counted once in the footer


def test_new_source_changes_pooled_numbers(with_case):
    oc = syn.cohort_outcomes(with_case)
    pooled = syn.pooled_results(oc)
    # Survival: Li 19/20 and two one-patient case reports (Wu 1/1, fixture 1/1): case reports are never
    # pooled with a cohort, so nothing is pooled.
    assert pooled["survival"].k == 1 and not pooled["survival"].pooled
    assert set(pooled["survival"].case_reports) == {"zju-sjia-mas-case", "doe-test-case"}
    # Complete response: Li 6/20 and the fixture's CR (a case report): not pooled either.
    p = pooled["complete-response"]
    assert p.k == 1 and not p.pooled and p.case_reports == ("doe-test-case",)
    assert "case report One synthetic child (test fixture): 1/1, listed apart" in (  # its label, not its id
        syn.pooled_table(oc, pooled).iloc[1]["Case reports (never pooled)"])


def test_new_source_in_flow_and_subgroups(with_case):
    f = syn.flow_counts(with_case)
    b = syn.flow_counts(syn.subset(with_case, [s for s in with_case.sources if s != "doe-2026-test-case"]))
    assert (f.included_reports, f.second_reports, f.cohorts, f.patients) == \
        (b.included_reports + 1, b.second_reports, b.cohorts + 1, b.patients + 1)
    assert f"Independent cohorts in the synthesis: {f.cohorts}" in syn.flow_html(f)
    pop = syn.subgroup_population(syn.cohort_outcomes(with_case))
    children = pop[(pop["Subgroup"] == "Children") & (pop["Outcome"] == syn.OUTCOMES["survival"])].iloc[0]
    assert children["Events/patients"] == "2/2" and children["% (95% CI)"].startswith("no assessable cohort or series")
    assert "case reports apart: 1/1, 1/1" in children["% (95% CI)"]
    disease, left_out = syn.subgroup_disease(with_case)
    sjia = disease[(disease["Subgroup"] == "Systemic juvenile idiopathic arthritis")
                   & (disease["Outcome"] == syn.OUTCOMES["complete-response"])].iloc[0]
    assert sjia["Events/patients"] == "1/1" and sjia["Cohorts (assessable/all)"] == "1/2"
    assert left_out == ["renji-rd-mas-ruxolitinib"]


def test_headline_and_subset(with_case):
    before = syn.headline(syn.subset(with_case, [s for s in with_case.sources if s != "doe-2026-test-case"]))
    after = syn.headline(with_case)
    assert (after["cohorts"], after["patients"]) == (before["cohorts"] + 1, before["patients"] + 1)
    assert after["complete-response"].startswith("not pooled: only one cohort or series; 6/20 = 30.0%")
    assert "case report Doe and Roe 2026: 1/1, listed apart, not pooled" in after["complete-response"]
    assert "doe-test-case" not in after["complete-response"]  # named by its report, not its id
    # Without its primary source a cohort is represented by its other report.
    only_acr = syn.subset(with_case, ["li-2025-acr-abstract-1179"])
    assert only_acr.cohorts["renji-rd-mas-ruxolitinib"].primary_source == "li-2025-acr-abstract-1179"
    assert syn.headline(syn.subset(with_case, []))["survival"] == "no data"


def test_cohort_label_is_escaped(tmp_path):
    root = copy_repo(tmp_path)
    add_fixture_case(root, label="<script>alert(1)</script> & co")
    html = syn.evidence_table_html(load_dataset(root))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


# --- a second report of an existing cohort ------------------------------------------------------------


def test_second_report_does_not_double_patients(tmp_path):
    root = copy_repo(tmp_path)
    b = syn.flow_counts(known(root))
    b_total = int(syn.cohort_outcomes(known(root)).query("outcome == 'survival'")["total"].sum())
    add_second_report(root)
    ds = known(root, "li-2026-second-report")
    assert "li-2026-second-report" in ds.sources
    f = syn.flow_counts(ds)
    assert (f.included_reports, f.second_reports, f.cohorts, f.patients) == \
        (b.included_reports + 1, b.second_reports + 1, b.cohorts, b.patients)
    ct = syn.cohorts_table(ds).set_index("cohort_id")
    assert ct.loc["renji-rd-mas-ruxolitinib", "reports"][0] == "li-2025-front-immunol"
    assert "li-2026-second-report" in ct.loc["renji-rd-mas-ruxolitinib", "reports"]
    oc = syn.cohort_outcomes(ds)
    assert int(oc[oc["outcome"] == "survival"]["total"].sum()) == b_total
    p = syn.pooled_results(oc)["survival"]
    assert p.k == 1 and not p.pooled and p.total == 20  # the second report adds no patients
    rows = [r for r in syn.evidence_rows(ds) if r["source_id"] == "li-2026-second-report"]
    assert rows and not rows[0]["primary"]
    html = syn.evidence_table_html(ds)
    assert "3 reports of the same patients, counted once" in html and "(20, same patients)" in html


def test_excluded_report_counted_in_flow_only(tmp_path):
    root = copy_repo(tmp_path)
    add_fixture_case(root)
    path = root / "data" / "sources" / "doe-2026-test-case" / "source.yaml"
    b = syn.flow_counts(load_dataset(root))
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: included", "status: excluded\nexclusion_reason: not-refractory"), encoding="utf-8")
    ds = load_dataset(root)
    f = syn.flow_counts(ds)
    assert (f.identified, f.excluded, f.included_reports, f.cohorts, f.patients) == \
        (b.identified, b.excluded + 1, b.included_reports - 1, b.cohorts - 1, b.patients - 1)
    assert f.exclusion_reasons.get("not-refractory", 0) == b.exclusion_reasons.get("not-refractory", 0) + 1
    assert "doe-2026-test-case" not in {r["source_id"] for r in syn.evidence_rows(ds)}


# --- pooling edge cases -----------------------------------------------------------------------------------


def test_pool_needs_two_cohorts():
    p = syn.pool_proportions([6], [20], ["a"])
    assert not p.pooled and p.k == 1 and p.note == "not pooled: only one cohort or series"
    assert syn.pooling_caveat(1).startswith("Not pooled: only one cohort or series")
    two = syn.pooling_caveat(2, 1)
    assert "cannot be estimated" in two and "One of them has 1 patient." in two


def test_k2_heterogeneity_is_not_estimable_never_zero():
    p = syn.pool_proportions([19, 16], [20, 20], ["a", "b"])
    assert p.pooled and p.tau2 is None and p.i2 is None and p.pi_low is None and p.hk_low is None
    h = syn.heterogeneity_text(p)
    assert all(v == "not estimable (k = 2)" for v in h.values())
    assert p.dl_percent is not None  # the DerSimonian-Laird sensitivity analysis is still given


def test_k3_shows_hartung_knapp_and_prediction_interval():
    p = syn.pool_proportions([5, 12, 20], [30, 45, 60], ["a", "b", "c"])
    assert p.heterogeneity_estimable and p.tau2 is not None and p.i2 is not None
    assert p.hk_low < p.percent < p.hk_high and p.pi_low <= p.ci_low and p.pi_high >= p.ci_high


def test_forest_chart_has_title_and_rows():
    ds = known()
    oc = syn.cohort_outcomes(ds)
    pooled = syn.pooled_results(oc)
    data = syn.forest_data(oc, pooled)
    assert len(data[data["kind"].str.startswith("pooled")]) == 0  # one cohort + a case report: nothing pooled
    spec = syn.forest_chart(oc, pooled).to_dict()
    assert spec["title"]["text"] and spec["description"]


def test_forest_with_many_cohorts_shows_their_spread_not_each_row(tmp_path):
    """Above the threshold an outcome's cohorts become one row: median, interquartile range, range."""
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("bench_synthetic", REPO / "tests" / "bench_synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    root = tmp_path / "many"
    shutil.copytree(REPO / "tests" / "fixtures" / "valid", root)
    synthetic.write_synthetic_sources(root, 6)
    ds = load_dataset(root)
    oc = syn.cohort_outcomes(ds)
    pooled = syn.pooled_results(oc)
    data = syn.forest_data(oc, pooled, max_cohorts=3)
    survival = oc[(oc["outcome"] == "survival") & oc["assessable"]]["percent"].astype(float)
    assert len(survival) > 3
    row = data[(data["outcome"] == syn.OUTCOMES["survival"]) & (data["kind"] == syn.SPREAD_KIND)].iloc[0]
    assert row["percent"] == pytest.approx(survival.median())
    assert (row["q1"], row["q3"]) == pytest.approx(tuple(survival.quantile([0.25, 0.75])))
    assert (row["low"], row["high"]) == (survival.min(), survival.max())
    assert not (data["kind"] == "cohort (exact 95% CI)").any()  # no per-cohort rows left in the chart
    assert len(syn.forest_data(oc, pooled)) > len(data)  # below the default threshold: one row per cohort
