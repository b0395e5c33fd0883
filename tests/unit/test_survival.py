"""Survival forensics, scenario grid, Kaplan-Meier and charts (masreview.analysis.survival)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from types import SimpleNamespace
from masreview.analysis import survival as _survival
from masreview.present import survival_charts as _charts, widgets as _widgets

sv = SimpleNamespace(**{k: v for m in (_survival, _charts, _widgets) for k, v in vars(m).items() if not k.startswith('__')},
                     explorer=_widgets.survival_explorer)

COUNTS = {sv.TREATED: sv.GroupCounts(20, 1), sv.CONTROL: sv.GroupCounts(21, 8)}
SMALL = sv.ScenarioGrid(treated_death_week=(1, 4, 16), control_first_death_week=(1, 4),
                        control_last_death_week=(4, 12), follow_up_weeks=(26,), censoring=("end", "staggered"))


@pytest.fixture(scope="module")
def small_table():
    return sv.run_grid(COUNTS, SMALL)


# --- which test gives P = 0.011 ---------------------------------------------------------------------


def test_forensic_table_lists_every_2x2_test_with_its_verdict():
    # the P values themselves are checked against independent computations in test_two_by_two.py
    t = sv.forensic_table(COUNTS[sv.TREATED], COUNTS[sv.CONTROL], 0.011, 3).set_index("test")
    assert list(t.index) == list(_survival.stats.TWO_BY_TWO_TESTS)
    assert t.loc[_survival.stats.BOSCHLOO, "printed as"] == "0.012"
    assert t.loc[_survival.stats.BARNARD, "printed as"] == "0.012"
    assert t.loc[_survival.stats.N_MINUS_1, "verdict"] == "rounds to the printed value"


def test_only_the_n_minus_1_chi_square_and_log_rank_round_to_the_published_p(small_table):
    t = sv.forensic_table(COUNTS[sv.TREATED], COUNTS[sv.CONTROL], 0.011, 3, small_table)
    assert sv.reproducing_tests(t)[0] == _survival.stats.N_MINUS_1
    pearson = t.set_index("test").loc["Pearson chi-square, no continuity correction", "verdict"]
    assert "double rounding" in pearson and "0.010" in pearson
    assert t["test"].iloc[-1].startswith("Log-rank")
    assert t["verdict"].iloc[-1].endswith(f"of {len(small_table)} scenarios")


def test_rounding_verdict():
    assert sv.rounding_verdict(0.011173, 0.011, 3) == "rounds to the printed value"
    assert sv.rounding_verdict(0.0291, 0.011, 3) == "does not round to it (0.029)"
    assert "double rounding (0.010495 -> 0.0105 -> 0.011)" in sv.rounding_verdict(0.010495, 0.011, 3)


# --- log-rank ------------------------------------------------------------------------------------------


def test_logrank_hand_computed_example():
    # A dies at week 1, B at week 2: O-E = 0.5, V = 0.25, chi2 = 1, P = 0.3173
    d = pd.DataFrame({"group": [sv.TREATED, sv.CONTROL], "time": [1.0, 2.0], "event": [1, 1]})
    assert sv.logrank_p(d) == pytest.approx(chi2.sf(1, 1), abs=1e-9)
    assert sv.logrank_p(d) == pytest.approx(0.31731, abs=1e-5)
    assert sv.logrank_p_statsmodels(d) == pytest.approx(sv.logrank_p(d), abs=1e-9)


def test_logrank_with_all_deaths_at_one_time_is_pearson_times_n_minus_1_over_n():
    # one risk set, one death time: log-rank chi2 = (N-1)/N * Pearson chi2 (Mantel-Haenszel)
    s = dict(treated_death_week=4, control_first_death_week=4, control_last_death_week=4, follow_up_weeks=26,
             censoring="end")
    p = sv.logrank_p(sv.scenario_data(COUNTS, s))
    pearson = 6.548950066137567  # chi2_contingency([[19, 1], [13, 8]], correction=False)
    assert p == pytest.approx(chi2.sf(pearson * 40 / 41, 1), rel=1e-9)
    assert p == pytest.approx(0.01148, abs=1e-5)


def test_grid_scenarios_and_constraints():
    full = sv.ScenarioGrid().scenarios()
    assert len(full) == 8 * 3 * 4 * 2 * 2
    assert list(full["scenario"]) == list(range(1, len(full) + 1))
    g = sv.ScenarioGrid(treated_death_week=(30,), control_first_death_week=(8, 2), control_last_death_week=(4,),
                        follow_up_weeks=(26, 52), censoring=("end",))
    sc = g.scenarios()  # first > last dropped; a death at week 30 only fits follow-up 52
    assert sc[["control_first_death_week", "follow_up_weeks"]].values.tolist() == [[2, 52]]
    assert list(sv.ScenarioGrid().describe()["parameter"]) == list(sv.ScenarioGrid.PARAMETERS)


def test_death_and_censor_times():
    assert sv.death_times(3, 1, 5).tolist() == [1.0, 3.0, 5.0]
    assert sv.death_times(1, 4, 9).tolist() == [4.0]
    assert sv.censor_times(3, 26, "end", 8).tolist() == [26.0] * 3
    assert sv.censor_times(3, 26, "staggered", 8).tolist() == [8.0, 17.0, 26.0]
    with pytest.raises(ValueError):
        sv.censor_times(2, 26, "random", 8)


def test_scenario_data_keeps_the_counts():
    s = dict(treated_death_week=2, control_first_death_week=1, control_last_death_week=8, follow_up_weeks=26,
             censoring="staggered")
    d = sv.scenario_data(COUNTS, s)
    assert d.groupby("group")["event"].agg(["size", "sum"]).to_dict("index") == {
        sv.CONTROL: {"size": 21, "sum": 8}, sv.TREATED: {"size": 20, "sum": 1}}
    assert d.loc[(d["group"] == sv.CONTROL) & (d["event"] == 1), "time"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]


def test_run_grid_lifelines_agrees_with_statsmodels(small_table):
    assert len(small_table) == len(SMALL.scenarios())
    assert (small_table["p_lifelines"] - small_table["p_statsmodels"]).abs().max() < 1e-9
    assert small_table["p_lifelines"].between(0, 1).all()


def test_consistent_helpers(small_table):
    ok = sv.consistent(small_table, 0.011, 3)
    assert ok.dtype == bool
    summ = sv.consistent_summary(small_table, 0.011, 3)
    week = summ[summ["parameter"] == "treated_death_week"]
    assert week["scenarios"].sum() == len(small_table) and week["consistent"].sum() == ok.sum()
    vals = sv.consistent_values(small_table, 0.011, 3)
    assert set(vals) == set(sv.ScenarioGrid.PARAMETERS)
    assert sv.consistent_values(small_table.assign(p_lifelines=0.5), 0.011, 3)["censoring"] == []


# --- Kaplan-Meier ---------------------------------------------------------------------------------------


def test_km_steps_hand_computed():
    d = pd.DataFrame({"group": ["a"] * 3, "time": [1.0, 2.0, 3.0], "event": [1, 0, 1]})
    k = sv.km_steps(d)
    assert k["time"].tolist() == [0, 1, 2, 3]
    assert k["survival"].tolist() == pytest.approx([1, 2 / 3, 2 / 3, 0])
    assert k["survival_statsmodels"].tolist() == pytest.approx([1, 2 / 3, 2 / 3, 0])
    assert k["at_risk"].tolist() == [3, 3, 2, 1]
    assert k["censored"].tolist() == [0, 0, 1, 0]


def test_km_curves_cover_every_scenario_and_agree():
    curves = sv.km_curves(COUNTS, SMALL)
    assert sv.km_max_difference(curves) < 1e-9
    treated = curves[curves["group"] == sv.TREATED]
    assert treated["control_first_death_week"].isna().all()
    assert treated.groupby(["treated_death_week", "follow_up_weeks", "censoring"]).ngroups == 3 * 1 * 2
    # with every survivor followed to the end, or the death before any censoring, KM ends at 19/20;
    # a death after some survivors were censored weighs more (week 16, staggered: 1 - 1/12)
    last = treated.sort_values("time").groupby(["treated_death_week", "censoring"])["survival"].last()
    assert np.allclose(last.xs("end", level="censoring"), 0.95)
    assert last[(1, "staggered")] == pytest.approx(0.95)
    assert last[(16, "staggered")] == pytest.approx(1 - 1 / 12)


# --- charts and explorer ------------------------------------------------------------------------------------


def test_km_chart_has_dropdowns_and_description(small_table):
    spec = sv.km_chart(sv.km_curves(COUNTS, SMALL), small_table, 0.011, 3, grid=SMALL).to_dict()
    params = spec["params"]
    assert len(params) == 5 and all(p["bind"]["input"] == "select" for p in params)
    assert spec["description"] and spec["title"]["text"].startswith("Survival")
    assert "scenario" in json.dumps(spec)


def test_p_distribution_chart(small_table):
    spec = sv.p_distribution_chart(small_table, 0.011, 3).to_dict()
    assert spec["description"]
    assert "published P = 0.011" in json.dumps(spec)


def test_explorer_updates_summary(small_table):
    import ipywidgets

    box = sv.explorer(COUNTS, small_table, 0.011, 3, SMALL)
    assert isinstance(box, ipywidgets.VBox)
    first = box.summary.value
    assert first.startswith("scenario 1: log-rank P = ")
    box.dropdowns["treated_death_week"].value = 16
    assert box.summary.value != first and "log-rank P" in box.summary.value
    box.dropdowns["control_first_death_week"].value = 4
    box.dropdowns["control_last_death_week"].value = 4
    assert "scenario" in box.summary.value


def test_scenario_summary_outside_grid(small_table):
    values = dict(treated_death_week=99, control_first_death_week=1, control_last_death_week=4, follow_up_weeks=26,
                  censoring="end")
    assert sv.scenario_summary(small_table, values, 0.011, 3).startswith("not in the grid")


def test_list_words():
    assert sv.list_words([1, 2.0, 16]) == "1, 2 or 16"
    assert sv.list_words([3]) == "3"
    assert sv.list_words([], "and") == "none"
    assert sv.list_words(["end", "staggered"], "and") == "end and staggered"


def test_consistency_sentence(small_table):
    t = small_table.assign(p_lifelines=0.02)
    assert sv.consistency_sentence(t, 0.011, 3, SMALL) == "No scenario of the grid gives it."
    t.loc[t["treated_death_week"] == 4, "p_lifelines"] = 0.011
    assert sv.consistency_sentence(t, 0.011, 3, SMALL) == \
        "Those scenarios put the ruxolitinib death at week 4; none with the death at week 1 or 16 does."
    t["p_lifelines"] = 0.011
    assert sv.consistency_sentence(t, 0.011, 3, SMALL).endswith("every week of the grid appears among them.")
