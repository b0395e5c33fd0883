"""The feasible-range solver over weekly count trajectories, and the reconstruction by rule.

Small cases are checked against answers worked out by hand and against exhaustive enumeration of
patient paths; the answers for ACR Convergence 2025 abstract 1179 are asserted under both named
assumption sets.
"""

from __future__ import annotations

import html
import json
import random

import pandas as pd
import pytest

from masreview.data import paths

from types import SimpleNamespace
from masreview.analysis import trajectories as _ranges
from masreview.generate import files as _files, readings as _readings, trajectories as _gen, weekly as _model
from masreview.present import weekly_charts as _charts, widgets as _widgets

# One name for the weekly helpers, across the layers they live in.
tr = SimpleNamespace(**{k: v for m in (_model, _readings, _ranges, _gen, _charts, _widgets) for k, v in vars(m).items()
                        if not k.startswith('__')}, explorer=_widgets.weekly_explorer,
                     load_spec=lambda folder: _files.load_spec(folder, 'trajectories.yaml'),
                     render_source=lambda folder: _files.render(folder, 'trajectories.yaml'))
from masreview.data.loading import load_dataset

NONE = tr.Assumptions()
NO_RELAPSE = tr.Assumptions(no_relapse=True)
ACR = "li-2025-acr-abstract-1179"


def rng(ranges: pd.DataFrame, week: int, quantity: str) -> tuple[int, int]:
    r = ranges[(ranges["week"] == week) & (ranges["quantity"] == quantity)].iloc[0]
    return int(r["min"]), int(r["max"])


# --- hand-checked small cases ---------------------------------------------------------------------------


def test_one_patient_pr_then_pr_no_relapse_pins_the_middle_week():
    # PR at weeks 1 and 3. Without relapse nothing can happen in between (CR would have to fall back,
    # NR would be a fall); with no assumption week 2 can be any living state.
    f = tr.Facts(n=1, weeks=(1, 2, 3), counts=(tr.CountFact(1, ("PR",), "==", 1), tr.CountFact(3, ("PR",), "==", 1)))
    r = tr.feasible_ranges(f, NO_RELAPSE)
    assert [rng(r, 2, s) for s in tr.STATES] == [(0, 0), (1, 1), (0, 0), (0, 0)]
    r = tr.feasible_ranges(f, NONE)
    assert [rng(r, 2, s) for s in tr.STATES] == [(0, 1), (0, 1), (0, 1), (0, 0)]
    assert rng(r, 3, "CR by then") == (0, 1)  # a CR at week 2 that fell back to PR
    assert rng(tr.feasible_ranges(f, NO_RELAPSE), 3, "CR by then") == (0, 0)


def test_transition_fact_and_stated_changes_complete():
    # Two patients, PR and NR at week 1; one PR->CR move into week 2. The NR patient may do anything
    # (CR at week 2 is 1 or 2) unless the stated change is the only one.
    f = tr.Facts(n=2, weeks=(1, 2), counts=(tr.CountFact(1, ("PR",), "==", 1), tr.CountFact(1, ("NR",), "==", 1)),
                 transitions=(tr.TransitionFact(2, (("PR", "CR"),), "==", 1),))
    r = tr.feasible_ranges(f, NONE)
    assert (rng(r, 2, "CR"), rng(r, 2, "PR"), rng(r, 2, "NR")) == ((1, 2), (0, 1), (0, 1))
    r = tr.feasible_ranges(f, tr.Assumptions(stated_changes_complete=True))
    assert (rng(r, 2, "CR"), rng(r, 2, "PR"), rng(r, 2, "NR")) == ((1, 1), (0, 0), (1, 1))


def test_death_week_unknown_and_never_responded():
    # Two patients, one in CR at week 1; one patient dies during follow-up, a non-responder throughout.
    f = tr.Facts(n=2, weeks=(1, 2), counts=(tr.CountFact(1, ("CR",), "==", 1),),
                 death=tr.DeathFact(1, never_responded=True))
    r = tr.feasible_ranges(f, NO_RELAPSE)
    assert rng(r, 1, "dead") == (0, 1) and rng(r, 1, "NR") == (0, 1)
    assert rng(r, 2, "dead") == (0, 1) and rng(r, 2, "CR") == (1, 1)  # the CR patient survives, no relapse
    r = tr.feasible_ranges(f, tr.Assumptions(no_relapse=True, death_in_window=True))
    assert rng(r, 2, "dead") == (1, 1) and rng(r, 1, "dead") == (0, 1)
    # without the reading, the dying patient could be the one in CR
    r = tr.feasible_ranges(tr.Facts(n=2, weeks=(1, 2), counts=f.counts, death=tr.DeathFact(1)), NONE)
    assert rng(r, 2, "CR") == (0, 2)


def test_cumulative_response_and_median_range():
    # Three patients, all NR at week 1, two responders (PR or CR) at week 3.
    f = tr.Facts(n=3, weeks=(1, 2, 3), counts=(tr.CountFact(1, ("NR",), "==", 3),
                                              tr.CountFact(3, ("CR", "PR"), "==", 2)))
    r = tr.feasible_ranges(f, NO_RELAPSE)
    assert rng(r, 2, "responded by then") == (0, 2)
    assert rng(r, 3, "responded by then") == (2, 2)
    assert tr.median_time_range(r, "responded by then", 3) == (2, 3)
    r = tr.feasible_ranges(f, NONE)
    assert rng(r, 2, "responded by then") == (0, 3)  # someone may respond at week 2 and fall back
    assert rng(r, 3, "responded by then") == (2, 3)
    assert tr.median_time_range(r, "CR by then", 3) == (2, None)


def test_infeasible_facts_raise():
    f = tr.Facts(n=1, weeks=(1, 2), counts=(tr.CountFact(1, ("CR",), "==", 1), tr.CountFact(2, ("NR",), "==", 1)))
    with pytest.raises(tr.InfeasibleFacts):
        tr.feasible_ranges(f, NO_RELAPSE)
    assert rng(tr.feasible_ranges(f, NONE), 2, "NR") == (1, 1)


def test_bad_facts_are_refused():
    with pytest.raises(ValueError, match="unknown state"):
        tr.CountFact(1, ("XR",), "==", 1)
    with pytest.raises(ValueError, match="operator"):
        tr.CountFact(1, ("CR",), "=", 1)
    with pytest.raises(ValueError, match="not assessed"):
        tr.Facts(n=2, weeks=(1, 2), counts=(tr.CountFact(3, ("CR",), "==", 1),))
    with pytest.raises(ValueError, match="assessment before"):
        tr.Facts(n=2, weeks=(1, 2), transitions=(tr.TransitionFact(1, (("NR", "PR"),), "==", 1),))


# --- the integer programme agrees with exhaustive enumeration ---------------------------------------------


def _random_facts(seed: int) -> tr.Facts:
    """Facts read off a random true set of 3 patient paths over 3 weeks (so they are feasible)."""
    r = random.Random(seed)
    weeks = (1, 2, 3)
    dies = r.random() < 0.4
    truth = []
    for i in range(3):
        if i == 0 and dies:
            d = r.choice([1, 2, 3, 4])  # 4: after the window
            truth.append(tuple("dead" if w >= d else "NR" for w in weeks))
        else:
            truth.append(tuple(r.choice(tr.ALIVE) for _ in weeks))
    counts, transitions = [], []
    for w in weeks:
        if r.random() < 0.5:
            s = r.choice([("CR",), ("PR",), ("NR", "dead"), ("CR", "PR")])
            counts.append(tr.CountFact(w, s, "==", sum(p[w - 1] in s for p in truth)))
    move = (r.choice(tr.ALIVE), r.choice(tr.ALIVE))
    transitions.append(tr.TransitionFact(3, (move,), "==", sum((p[1], p[2]) == move for p in truth)))
    return tr.Facts(n=3, weeks=weeks, counts=tuple(counts), transitions=tuple(transitions),
                    death=tr.DeathFact(int(dies), never_responded=dies))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("assumptions", [NONE, NO_RELAPSE, tr.Assumptions(stated_changes_complete=True),
                                         tr.Assumptions(death_in_window=True)], ids=lambda a: a.describe()[:20])
def test_milp_equals_brute_force(seed, assumptions):
    f = _random_facts(seed)
    try:
        brute = tr.brute_force_ranges(f, assumptions)
    except tr.InfeasibleFacts:
        with pytest.raises(tr.InfeasibleFacts):
            tr.feasible_ranges(f, assumptions)
        return
    milp = tr.feasible_ranges(f, assumptions)
    key = ["week", "quantity"]
    merged = milp.merge(brute, on=key, suffixes=("", "_brute"))
    assert len(merged) == len(milp) == len(brute)
    assert (merged["min"] == merged["min_brute"]).all() and (merged["max"] == merged["max_brute"]).all(), \
        merged[(merged["min"] != merged["min_brute"]) | (merged["max"] != merged["max_brute"])]


# --- the answers for ACR Convergence 2025 abstract 1179 -----------------------------------------------------


@pytest.fixture(scope="module")
def acr_facts() -> tr.Facts:
    src = load_dataset().source(ACR)
    spec = tr.load_spec(src.folder)
    return tr.source_facts(src["measures"], spec)


@pytest.fixture(scope="module")
def acr_ranges(acr_facts) -> dict[str, pd.DataFrame]:
    return {name: tr.feasible_ranges(acr_facts, a) for name, a in tr.ASSUMPTIONS.items()}


def test_acr_facts(acr_facts):
    assert acr_facts.n == 20 and acr_facts.weeks == tuple(range(1, 9))
    described = [c.describe() for c in acr_facts.counts] + [c.describe() for c in acr_facts.transitions]
    assert described == ["week 1: 9 in PR", "week 1: 0 in CR", "week 2: at least 1 in CR", "week 8: 10 in PR",
                         "week 8: 6 in CR", "week 8: 4 in NR or dead",
                         "into week 3: 2 from PR to CR", "into week 3: 1 from NR to PR"]
    assert acr_facts.death == tr.DeathFact(1, True, "m09")


ACR_NO_RELAPSE = {  # week: CR, PR, NR, dead, responded by then, CR by then
    1: ("0", "9", "10-11", "0-1", "9", "0"),
    2: ("1-4", "5-14", "4-11", "0-1", "9-15", "1-4"),
    3: ("3-6", "4-13", "3-10", "0-1", "10-16", "3-6"),
    4: ("3-6", "4-13", "3-10", "0-1", "10-16", "3-6"),
    7: ("3-6", "4-13", "3-10", "0-1", "10-16", "3-6"),
    8: ("6", "10", "3-4", "0-1", "16", "6"),
}
ACR_NO_ASSUMPTION = {
    1: ("0", "9", "10-11", "0-1", "9", "0"),
    2: ("1-16", "2-17", "1-17", "0-1", "9-19", "1-16"),
    3: ("2-18", "1-17", "0-17", "0-1", "9-19", "3-18"),
    4: ("0-19", "0-19", "0-20", "0-1", "9-19", "3-19"),
    7: ("0-19", "0-19", "0-20", "0-1", "9-19", "3-19"),
    8: ("6", "10", "3-4", "0-1", "16-19", "6-19"),
}


@pytest.mark.parametrize("name,expected", [("no relapse", ACR_NO_RELAPSE), ("no assumption", ACR_NO_ASSUMPTION)])
def test_acr_ranges(acr_ranges, name, expected):
    cols = ["CR", "PR", "NR", "dead", "responded by then", "CR by then"]
    table = tr.range_table(acr_ranges[name], cols).set_index("week")
    for week, cells in expected.items():
        assert tuple(table.loc[week, cols]) == cells, (name, week)
    # weeks 4 to 7 are indistinguishable: the abstract says nothing about them
    assert (table.loc[4] == table.loc[7]).all()


def test_acr_median_times(acr_ranges):
    assert tr.median_time_range(acr_ranges["no relapse"], "responded by then", 20) == (2, 3)
    assert tr.median_time_range(acr_ranges["no assumption"], "responded by then", 20) == (2, 8)
    assert tr.median_time_range(acr_ranges["no relapse"], "CR by then", 20) == (None, None)
    assert tr.median_time_range(acr_ranges["no assumption"], "CR by then", 20) == (2, None)


def test_acr_reconstruction_is_in_the_range_and_fits_every_fact(acr_facts, acr_ranges):
    res = tr.reconstruct(acr_facts, tr.ASSUMPTIONS["no relapse"], tr.Rule(death_week=8))
    assert res["changes"] == 9
    counts = res["counts"].set_index("week")
    assert counts.loc[2].tolist() == [1, 9, 10, 0] and counts.loc[3].tolist() == [3, 8, 9, 0]
    assert counts.loc[8].tolist() == [6, 10, 3, 1]
    for name, r in acr_ranges.items():
        for _, row in r[r["quantity"].isin(tr.STATES)].iterrows():
            assert row["min"] <= counts.at[row["week"], row["quantity"]] <= row["max"], name
    table = pd.DataFrame(tr.decompose(res), columns=list(acr_facts.weeks))
    assert tr.counts_from_paths(table).set_index("week").equals(counts)
    check = tr.check_facts(table, acr_facts, tr.ASSUMPTIONS["no relapse"])
    assert check["holds"].all(), check


def test_acr_death_in_window_fixes_week_8_only():
    f = tr.Facts(n=20, weeks=(7, 8), counts=(tr.CountFact(8, ("NR", "dead"), "==", 4),),
                 death=tr.DeathFact(1, True))
    r = tr.feasible_ranges(f, tr.Assumptions(death_in_window=True), quantities=("NR", "dead"))
    assert tr.range_phrase(r, 8, "dead") == "1" and tr.range_phrase(r, 8, "NR") == "3"
    assert tr.range_phrase(r, 7, "dead") == "0 to 1"


def test_acr_death_after_window_is_also_a_valid_reconstruction(acr_facts):
    res = tr.reconstruct(acr_facts, tr.ASSUMPTIONS["no relapse"], tr.Rule(death_week=None))
    assert res["counts"]["dead"].sum() == 0 and res["counts"].set_index("week").loc[8, "NR"] == 4


def test_stored_observations_equal_the_declared_reconstruction():
    folder = paths.sources_dir() / ACR
    for name, text in tr.render_source(folder).items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{name} is stale: rerun python -m masreview.analysis.trajectories"


def test_stored_paths_put_the_death_on_the_patient_with_the_death_event():
    src = load_dataset().source(ACR)
    table = tr.paths_from_observations(src["observations"])
    dead_ids = set(src["events"].query("event == 'death'")["patient_id"]) & set(table.index)
    assert dead_ids == {"R20"}
    assert list(table.loc["R20"]) == ["NR"] * 7 + ["dead"]
    assert list(table[8].loc[["R01", "R06", "R07", "R16", "R17", "R19"]]) == ["CR", "CR", "PR", "PR", "NR", "NR"]


def test_assign_paths_order():
    paths_ = [("NR", "dead"), ("NR", "PR"), ("PR", "CR"), ("NR", "NR")]
    out = tr.assign_paths(paths_, ["A", "B", "C", "D"], dying_ids=["D"], dying_paths=1)
    assert out == {"A": ("PR", "CR"), "B": ("NR", "PR"), "C": ("NR", "NR"), "D": ("NR", "dead")}


def test_explorer_switches_change_the_ranges(acr_facts):
    box = tr.explorer(acr_facts)
    assert "no relapse" in box.table.value and "3-6" in box.table.value
    box.checks["no_relapse"].value = False
    assert "none beyond the stated facts" in box.table.value and "0-19" in box.table.value
    assert box.table.value == "<pre>" + html.escape(tr.explore_text(acr_facts, tr.Assumptions())) + "</pre>"


def test_explorer_switches_the_readings():
    src = load_dataset().source(ACR)
    spec = tr.load_spec(src.folder)
    box = tr.explorer(lambda reading: tr.source_facts(src["measures"], spec, reading))
    assert set(tr.SWITCHES) <= set(box.checks) and "Reading: default reading" in box.table.value
    assert "between week 2 and week 3" in box.table.value  # median time to first response, no relapse
    box.checks["weekly_assessment"].value = False
    assert "weekly assessment (off)" in box.table.value
    text = html.unescape(box.table.value.removeprefix("<pre>").removesuffix("</pre>"))
    assert [line.split()[0] for line in text.splitlines()[4:]] == ["1", "2", "3", "8"]


def test_charts_switch_the_readings(acr_facts):
    src = load_dataset().source(ACR)
    spec = tr.load_spec(src.folder)
    readings = [tr.Reading(), tr.Reading(all_nr_never_responded=True)]
    long = tr.ranges_by_reading(lambda r: tr.source_facts(src["measures"], spec, r), readings,
                                {"no assumption": NONE})
    table = tr.paths_from_observations(src["observations"])
    counts = tr.counts_from_paths(table)
    status = tr.week_status(acr_facts, tr.under(long, tr.Reading(), "no assumption"))
    slider = tr.week_slider_chart(long, counts, acr_facts).to_dict()
    # the slider starts at week 1, where this reading changes no range: no checkbox that does nothing
    assert "all_nr_never_responded" not in {p["name"] for p in slider.get("params", [])}
    for chart in (tr.weekly_chart(counts, long, status, 20), tr.cumulative_chart(long, 20)):
        spec_ = chart.to_dict()
        params = {p["name"]: p for p in spec_.get("params", [])}
        assert params["all_nr_never_responded"]["bind"]["input"] == "checkbox"
        assert params["all_nr_never_responded"]["value"] is False
        assert "weekly_assessment" not in params  # only switches the table varies
        assert "all_nr_never_responded" in json.dumps(spec_["datasets"])
    summary = tr.reading_summary(long, readings, 20, 8).set_index("reading")
    assert summary.loc["default reading", "responded by week 8 (no assumption)"] == "16 to 19"
    assert summary.loc["the non-responders never responded (on)", "responded by week 8 (no assumption)"] == "16"


def test_charts_build_with_titles_and_descriptions(acr_facts, acr_ranges):
    src = load_dataset().source(ACR)
    table = tr.paths_from_observations(src["observations"])
    counts, moves = tr.counts_from_paths(table), tr.moves_from_paths(table)
    status = tr.week_status(acr_facts, acr_ranges["no assumption"])
    assert status == {1: "reported", 2: "partly described", 3: "partly described", 4: "not described",
                      5: "not described", 6: "not described", 7: "not described", 8: "reported"}
    charts = [tr.weekly_chart(counts, acr_ranges, status, 20), tr.flow_chart(moves, counts, 20),
              tr.week_slider_chart(acr_ranges, counts, acr_facts), tr.cumulative_chart(acr_ranges, 20)]
    for c in charts:
        spec = c.to_dict()
        assert spec["title"] and spec["description"]
    params = [p["name"] for c in charts for p in c.to_dict().get("params", [])]
    assert {"assumptions", "week", "follow"} <= set(params)
    # the flow bands carry exactly the reconstructed moves
    flow = charts[1].to_dict()
    links = {(d["into week"], d["move"], d["patients"]) for ds_ in flow["datasets"].values() for d in ds_
             if "move" in d}
    assert (3, "PR -> CR", 2) in links and (3, "NR -> PR", 1) in links and (8, "NR -> dead", 1) in links
