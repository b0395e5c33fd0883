"""Readings of a weekly narrative: each switch of :class:`Reading` changes the facts as declared, and
the ranges under every reading equal those of an exhaustive enumeration of patient paths.

The oracle is :func:`masreview.analysis.trajectories.brute_force_ranges`, which enumerates every
multiset of individual paths and evaluates each fact on them (best responses from the path itself);
it shares nothing with the integer programme but the fact objects. The cases are synthetic
narratives small enough to enumerate (two or three patients, three or four weeks).
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from masreview.analysis import trajectories as tr
from masreview.data.loading import load_dataset
from masreview.generate import trajectories as gt
from masreview.generate.readings import SWITCHES, Reading, all_readings, facts_from_measures, reading_table
from masreview.generate.weekly import ALIVE, ASSUMPTIONS, InfeasibleFacts

COLS = ["measure_id", "measure", "group", "category", "timepoint", "value", "numerator", "denominator", "unit"]


def narrative(n: int, rows: list[tuple[str, str, str, int]], deaths: int = 0) -> pd.DataFrame:
    """measures.csv rows of a synthetic source: (measure, category, week, number)."""
    out = [("m00", "patients", "ruxolitinib", None, "baseline", None, n, None, "patients")]
    for i, (measure, cat, week, k) in enumerate(rows, start=1):
        if measure == "first-response-time":
            out.append((f"m{i:02d}", measure, "ruxolitinib", cat, "overall", week, None, None, "week"))
        else:
            out.append((f"m{i:02d}", measure, "ruxolitinib", cat, f"week-{week}", None, k, None, "patients"))
    if deaths:
        out.append(("m99", "survival", "ruxolitinib", None, "overall", None, n - deaths, n, "percent"))
    return pd.DataFrame(out, columns=COLS)


def rng(ranges: pd.DataFrame, week: int, quantity: str) -> tuple[int, int]:
    r = ranges[(ranges["week"] == week) & (ranges["quantity"] == quantity)].iloc[0]
    return int(r["min"]), int(r["max"])


NONE, NO_RELAPSE = ASSUMPTIONS["no assumption"], ASSUMPTIONS["no relapse"]


# --- each switch, on a case worked out by hand ------------------------------------------------------------


def test_there_are_sixteen_readings_the_default_first():
    readings = all_readings()
    assert len(readings) == 2 ** len(SWITCHES) == len(set(readings)) and readings[0] == Reading()
    assert [r.describe() for r in readings[1:5]] == [
        "weekly assessment (off)", "the non-responders never responded (on)", "moves as lower bounds (on)",
        "counts as best response (on)"]
    assert list(reading_table()["switch"]) == [s.label for s in SWITCHES.values()]


def test_weekly_assessment_is_an_assumption():
    # One patient, NR at weeks 1 and 3 (week 2 is not described). Assessed weekly, the patient may
    # have responded at week 2 and fallen back; assessed only at weeks 1 and 3, nobody responded.
    m = narrative(1, [("response", "NR", 1, 1), ("response", "NR", 3, 1)])
    weekly = facts_from_measures(m)
    assert weekly.weeks == (1, 2, 3) and weekly.assumed_weeks == (2,)
    assert "assessed at weeks 1, 3 and (assumed) 2" in weekly.table()["fact"].iloc[0]
    described = facts_from_measures(m, reading=Reading(weekly_assessment=False))
    assert described.weeks == (1, 3) and described.assumed_weeks == ()
    assert rng(tr.feasible_ranges(weekly, NONE), 3, "responded by then") == (0, 1)
    assert rng(tr.feasible_ranges(described, NONE), 3, "responded by then") == (0, 0)


def test_a_move_into_a_week_describes_the_assessment_before_it():
    m = narrative(2, [("response", "PR", 1, 1), ("response-transition", "NR->PR", 3, 1), ("response", "CR", 5, 1)])
    f = facts_from_measures(m, reading=Reading(weekly_assessment=False))
    assert f.weeks == (1, 2, 3, 5)
    assert facts_from_measures(m).assumed_weeks == (4,)


def test_non_responders_who_never_responded():
    # Two patients in PR at week 1; one NR at week 3. Read as "in NR at week 3", that patient may have
    # responded before (both responded); read as "never responded", only one patient ever responded,
    # which contradicts two in PR at week 1 - so with one PR at week 1 the ranges close instead.
    m = narrative(2, [("response", "PR", 1, 1), ("response", "NR", 3, 1)])
    default = tr.feasible_ranges(facts_from_measures(m), NONE)
    assert rng(default, 3, "responded by then") == (1, 2)
    f = facts_from_measures(m, reading=Reading(all_nr_never_responded=True))
    assert [c.describe() for c in f.counts] == ["week 1: 1 in PR", "week 3: best response 1 in NR",
                                                "week 3: 1 in NR or dead"]
    both = tr.feasible_ranges(f, NONE)
    assert rng(both, 3, "responded by then") == (1, 1) and rng(both, 1, "NR") == (1, 1)
    m2 = narrative(2, [("response", "PR", 1, 2), ("response", "NR", 3, 1)])
    with pytest.raises(InfeasibleFacts):
        tr.feasible_ranges(facts_from_measures(m2, reading=Reading(all_nr_never_responded=True)), NONE)


def test_moves_as_lower_bounds():
    # Two patients in PR at week 1; "one moved from PR to CR" into week 2: exactly one in CR at week 2,
    # or at least one.
    m = narrative(2, [("response", "PR", 1, 2), ("response-transition", "PR->CR", 2, 1)])
    exact = tr.feasible_ranges(facts_from_measures(m), NONE)
    at_least = tr.feasible_ranges(facts_from_measures(m, reading=Reading(moves_at_least=True)), NONE)
    assert rng(exact, 2, "CR") == (1, 1) and rng(at_least, 2, "CR") == (1, 2)


def test_counts_as_best_response():
    # Two patients in PR at week 1, "one CR by week 3": in CR at week 3, or CR at some assessment by
    # then (then, with no assumption, possibly back in PR at week 3).
    m = narrative(2, [("response", "PR", 1, 2), ("response", "CR", 3, 1)])
    state = facts_from_measures(m)
    best = facts_from_measures(m, reading=Reading(best_response=True))
    assert [c.describe() for c in best.counts][-1] == "week 3: best response 1 in CR"
    assert rng(tr.feasible_ranges(state, NONE), 3, "CR") == (1, 1)
    assert rng(tr.feasible_ranges(best, NONE), 3, "CR") == (0, 1)
    assert rng(tr.feasible_ranges(best, NO_RELAPSE), 3, "CR") == (1, 1)  # without relapse, best = state


def test_the_default_reading_is_the_reconstructions():
    src = load_dataset().source("li-2025-acr-abstract-1179")
    spec = src.specs["trajectories.yaml"]
    assert gt.source_facts(src["measures"], spec) == gt.source_facts(src["measures"], spec, Reading())
    f = gt.source_facts(src["measures"], spec)
    assert f.weeks == tuple(range(1, 9)) and f.assumed_weeks == (4, 5, 6, 7)
    assert gt.source_facts(src["measures"], spec, Reading(weekly_assessment=False)).weeks == (1, 2, 3, 8)


# --- every reading against exhaustive enumeration ---------------------------------------------------------


def _random_narrative(seed: int) -> tuple[pd.DataFrame, bool]:
    """A narrative read off a random true set of patient paths (feasible under the default reading).

    Two patients over four weeks (week 3 never described) or three over three weeks; a response count
    at the first and the last week, sometimes a move into week 2, sometimes a death.
    """
    r = random.Random(seed)
    n, last = (2, 4) if seed % 2 else (3, 3)
    weeks = range(1, last + 1)
    dies = r.random() < 0.5
    truth = []
    for i in range(n):
        if i == 0 and dies:
            d = r.choice(range(1, last + 2))  # last + 1: after the last assessment
            truth.append(tuple("dead" if w >= d else "NR" for w in weeks))
        else:
            truth.append(tuple(r.choice(ALIVE) for _ in weeks))

    def count(week: int, cat: str) -> int:
        states = ("NR", "dead") if cat == "NR" else (cat,)
        return sum(p[week - 1] in states for p in truth)

    rows = [("response", c, 1, count(1, c)) for c in r.sample(ALIVE, 1)]
    rows += [("response", c, last, count(last, c)) for c in r.sample(ALIVE, 2)]
    if r.random() < 0.7:
        move = (r.choice(ALIVE), r.choice(ALIVE))
        rows.append(("response-transition", "->".join(move), 2, sum((p[0], p[1]) == move for p in truth)))
    return narrative(n, rows, deaths=int(dies)), dies


def _same(facts, assumptions):
    try:
        brute = tr.brute_force_ranges(facts, assumptions)
    except InfeasibleFacts:
        with pytest.raises(InfeasibleFacts):
            tr.feasible_ranges(facts, assumptions)
        return "infeasible"
    milp = tr.feasible_ranges(facts, assumptions)
    merged = milp.merge(brute, on=["week", "quantity"], suffixes=("", "_brute"))
    assert len(merged) == len(milp) == len(brute)
    bad = merged[(merged["min"] != merged["min_brute"]) | (merged["max"] != merged["max_brute"])]
    assert bad.empty, bad
    return "feasible"


@pytest.mark.parametrize("seed", range(4))
def test_ranges_under_every_reading_equal_brute_force(seed):
    measures, dies = _random_narrative(seed)
    outcomes = set()
    for reading in all_readings():
        facts = facts_from_measures(measures, dying_never_responded=dies, reading=reading)
        for name in ("no relapse", "no assumption"):
            outcomes.add(_same(facts, ASSUMPTIONS[name]))
    assert "feasible" in outcomes


def test_ranges_by_reading_keeps_each_reading_apart():
    m = narrative(2, [("response", "PR", 1, 2), ("response", "CR", 3, 1)])
    readings = [Reading(), Reading(best_response=True)]
    long = tr.ranges_by_reading(lambda r: facts_from_measures(m, reading=r), readings, ASSUMPTIONS)
    assert set(long["reading"]) == {"default reading", "counts as best response (on)"}
    for reading in readings:
        for name, a in ASSUMPTIONS.items():
            expected = tr.feasible_ranges(facts_from_measures(m, reading=reading), a)
            pd.testing.assert_frame_equal(tr.under(long, reading, name), expected)
