"""What a weekly response narrative allows: ranges of counts, exhaustive checks, checks of a table.

The model, the facts and the integer programme are in :mod:`masreview.generate.weekly`; this module
asks it for the smallest and largest count of each quantity at each week
(:func:`feasible_ranges`, and under every reading of the narrative :func:`ranges_by_reading`), and
checks the answer by brute force on small cases (:func:`brute_force_ranges`, written from patient
paths alone, sharing nothing with the integer programme but the fact objects).
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Callable, Sequence

import pandas as pd

from masreview.generate.readings import Reading
from masreview.generate.weekly import (ALIVE, RANK, STATES, Assumptions, CountFact, Facts, InfeasibleFacts,
                                       Programme, holds)


# --- ranges --------------------------------------------------------------------------------------------

#: Quantities reported per week: the four states, NR-or-dead (as the sources count it), and the
#: cumulative numbers that have responded (PR or CR) or reached CR at least once by that week.
QUANTITIES: dict[str, tuple[tuple[str, ...], int | None]] = {
    "CR": (("CR",), None),
    "PR": (("PR",), None),
    "NR": (("NR",), None),
    "dead": (("dead",), None),
    "NR or dead": (("NR", "dead"), None),
    "CR or PR": (("CR", "PR"), None),
    "responded by then": (STATES, 1),
    "CR by then": (STATES, 2),
}


def feasible_ranges(facts: Facts, assumptions: Assumptions,
                    quantities: Sequence[str] = tuple(QUANTITIES)) -> pd.DataFrame:
    """Min and max of each quantity at each week over all count trajectories allowed.

    Columns: week, quantity, min, max, determined (min == max). Raises :class:`InfeasibleFacts`.
    """
    prog = Programme(facts, assumptions)
    seen = [prog.solve({})]  # feasibility first, for a clear error; then every solution found

    def end(expr: dict[int, float], sense: str) -> int:
        # 0 and n bound every count: a solution already found that reaches one needs no solve
        bound = 0 if sense == "min" else facts.n
        if any(prog.value(x, expr) == bound for x in seen):
            return bound
        seen.append(prog.solve(expr, sense, relax_first=True))
        return prog.value(seen[-1], expr)

    rows = []
    for t, week in enumerate(facts.weeks):
        for q in quantities:
            states, flag = QUANTITIES[q]
            expr = prog.count_expr(t, states, flag)
            lo, hi = end(expr, "min"), end(expr, "max")
            rows.append({"week": int(week), "quantity": q, "min": lo, "max": hi, "determined": lo == hi})
    return pd.DataFrame(rows)


def ranges_by_reading(facts_of: Callable[[Reading], Facts], readings: Sequence[Reading],
                      assumptions: dict[str, Assumptions],
                      quantities: Sequence[str] = tuple(QUANTITIES)) -> pd.DataFrame:
    """:func:`feasible_ranges` under every reading and every assumption set, in one long table.

    Columns: one per reading switch (bool), reading (its description), assumptions (the set's name),
    then those of :func:`feasible_ranges`. A week a reading does not assess has no rows.
    """
    frames = []
    for reading in readings:
        facts = facts_of(reading)
        for name, a in assumptions.items():
            r = feasible_ranges(facts, a, quantities)
            for k, v in reversed(list(reading.switches().items())):
                r.insert(0, k, v)
            r.insert(len(reading.switches()), "reading", reading.describe())
            r.insert(len(reading.switches()) + 1, "assumptions", name)
            frames.append(r)
    return pd.concat(frames, ignore_index=True)


def under(long: pd.DataFrame, reading: Reading, assumptions: str) -> pd.DataFrame:
    """The rows of :func:`ranges_by_reading` for one reading and one assumption set."""
    m = long["assumptions"] == assumptions
    for k, v in reading.switches().items():
        m &= long[k] == v
    return long[m].drop(columns=[*reading.switches(), "reading", "assumptions"]).reset_index(drop=True)


def across_readings(long: pd.DataFrame, assumptions: str, week: int, quantity: str) -> tuple[int, int, int]:
    """Over every reading in :func:`ranges_by_reading`'s table: the lowest minimum, the highest maximum
    and the number of distinct (min, max) ranges of ``quantity`` at ``week`` under ``assumptions``."""
    r = long[(long["assumptions"] == assumptions) & (long["week"] == week) & (long["quantity"] == quantity)]
    if r.empty:
        raise KeyError(f"no reading assesses week {week} with {quantity!r} under {assumptions!r}")
    return int(r["min"].min()), int(r["max"].max()), len(set(zip(r["min"], r["max"])))


def changed_ranges(long: pd.DataFrame, reading: Reading, other: Reading, assumptions: str) -> tuple[int, int]:
    """How many (week, quantity) ranges differ between two readings, over the weeks both assess:
    (changed, compared)."""
    both = under(long, reading, assumptions).merge(under(long, other, assumptions), on=["week", "quantity"],
                                                   suffixes=("", "_other"))
    changed = (both["min"] != both["min_other"]) | (both["max"] != both["max_other"])
    return int(changed.sum()), len(both)


def range_table(ranges: pd.DataFrame, quantities: Sequence[str] = STATES) -> pd.DataFrame:
    """Weeks as rows, quantities as columns, cells '9' (determined) or '0-3' (a range)."""
    r = ranges[ranges["quantity"].isin(quantities)].copy()
    r["cell"] = [f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in zip(r["min"], r["max"])]
    t = r.pivot(index="week", columns="quantity", values="cell")[list(quantities)]
    t.columns.name = None
    return t.reset_index()


def median_time_range(ranges: pd.DataFrame, quantity: str, n: int) -> tuple[int | None, int | None]:
    """Earliest and latest possible median week of a cumulative quantity ('responded by then').

    The median is the first week by which at least half of the ``n`` patients got there. For one
    trajectory the median is <= w exactly when its cumulative count at w is >= n/2, so the earliest
    possible median is the first week whose *max* reaches n/2 and the latest the first week whose
    *min* does. None: not reached within the assessed weeks.
    """
    r = ranges[ranges["quantity"] == quantity].sort_values("week")
    early = next((int(w) for w, v in zip(r["week"], r["max"]) if v >= n / 2), None)
    late = next((int(w) for w, v in zip(r["week"], r["min"]) if v >= n / 2), None)
    return early, late


# --- exhaustive check on small cases ----------------------------------------------------------------


def patient_paths(facts: Facts, assumptions: Assumptions) -> list[tuple[tuple[str, ...], bool]]:
    """Every individual path (states at each week) and whether the patient dies during follow-up."""
    out = []
    T = len(facts.weeks)
    for path in itertools.product(STATES, repeat=T):
        if any(a == "dead" and b != "dead" for a, b in zip(path, path[1:])):
            continue
        if assumptions.no_relapse and any(a != "dead" and b != "dead" and RANK[b] < RANK[a]
                                          for a, b in zip(path, path[1:])):
            continue
        died_in_window = path[-1] == "dead"
        for dies in ((True,) if died_in_window else (False, True)):
            if dies and facts.death.never_responded and any(s not in ("NR", "dead") for s in path):
                continue
            if dies and assumptions.death_in_window and not died_in_window:
                continue
            out.append((path, dies))
    return out


def _best(prefix: Sequence[str]) -> str:
    """Best response over the assessments so far: CR if ever in CR, else PR if ever in PR, else NR."""
    return "CR" if "CR" in prefix else "PR" if "PR" in prefix else "NR"


def _counted(path: Sequence[str], t: int, fact: CountFact) -> bool:
    """Whether a patient with ``path`` counts in ``fact`` (at week index ``t``)."""
    return (_best(path[: t + 1]) if fact.basis == "best" else path[t]) in fact.states


def brute_force_ranges(facts: Facts, assumptions: Assumptions,
                       quantities: Sequence[str] = tuple(QUANTITIES)) -> pd.DataFrame:
    """The same table as :func:`feasible_ranges`, by enumerating every multiset of patient paths.

    Exponential: for tests with a handful of patients and weeks only.
    """
    paths = patient_paths(facts, assumptions)
    T = len(facts.weeks)
    best: dict[tuple[int, str], list[int]] = {}
    for combo in itertools.combinations_with_replacement(paths, facts.n):
        if sum(d for _, d in combo) != facts.death.deaths:
            continue
        states = [p for p, _ in combo]
        ok = all(holds(sum(_counted(p, facts.weeks.index(c.week), c) for p in states), c.op, c.value)
                 for c in facts.counts)
        ok = ok and all(holds(sum((p[facts.weeks.index(c.week) - 1], p[facts.weeks.index(c.week)]) in c.moves
                                   for p in states), c.op, c.value) for c in facts.transitions)
        if assumptions.stated_changes_complete:
            for week in {c.week for c in facts.transitions}:
                listed = {m for c in facts.transitions if c.week == week for m in c.moves}
                i = facts.weeks.index(week)
                ok = ok and not any(p[i - 1] in ALIVE and p[i] in ALIVE and p[i - 1] != p[i]
                                    and (p[i - 1], p[i]) not in listed for p in states)
        if not ok:
            continue
        for t in range(T):
            for q in quantities:
                qs, flag = QUANTITIES[q]
                if flag is None:
                    v = sum(p[t] in qs for p in states)
                else:
                    target = ("PR", "CR") if flag == 1 else ("CR",)
                    v = sum(any(s in target for s in p[: t + 1]) for p in states)
                cur = best.setdefault((t, q), [v, v])
                cur[0], cur[1] = min(cur[0], v), max(cur[1], v)
    if not best:
        raise InfeasibleFacts("no combination of patient paths satisfies the facts")
    return pd.DataFrame([{"week": int(facts.weeks[t]), "quantity": q, "min": lo, "max": hi, "determined": lo == hi}
                         for (t, q), (lo, hi) in best.items()]).sort_values(
        ["week", "quantity"], key=lambda s: s.map({q: i for i, q in enumerate(QUANTITIES)}) if s.name == "quantity"
        else s).reset_index(drop=True)


def paths_from_observations(obs: pd.DataFrame, patient_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Weekly response states as a patient x week table (from observations.csv rows)."""
    o = obs[(obs["measure"] == "response-state") & (obs["time_unit"] == "week")]
    t = o.pivot(index="patient_id", columns="time", values="state")
    t.columns = [int(c) for c in t.columns]
    if patient_ids is not None:
        t = t.loc[[p for p in patient_ids if p in t.index]]
    return t


def counts_from_paths(table: pd.DataFrame) -> pd.DataFrame:
    """Patients per state per week from a patient x week table."""
    rows = []
    for w in table.columns:
        c = table[w].value_counts()
        rows.append({"week": int(w), **{s: int(c.get(s, 0)) for s in STATES}})
    return pd.DataFrame(rows)


def moves_from_paths(table: pd.DataFrame) -> pd.DataFrame:
    """Patients moving between states from one assessment to the next (week = the later one)."""
    weeks = list(table.columns)
    rows = Counter()
    for a, b in zip(weeks, weeks[1:]):
        for s, u in zip(table[a], table[b]):
            rows[(int(b), s, u)] += 1
    return pd.DataFrame([{"week": w, "from": s, "to": u, "patients": v} for (w, s, u), v in sorted(
        rows.items(), key=lambda kv: (kv[0][0], STATES.index(kv[0][1]), STATES.index(kv[0][2])))])


def check_facts(table: pd.DataFrame, facts: Facts, assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Each fact recomputed from a patient x week table: fact, value, holds."""
    table = table[list(facts.weeks)]
    rows = []
    for c in facts.counts:
        t = facts.weeks.index(c.week)
        v = int(sum(_counted(tuple(p), t, c) for _, p in table.iterrows()))
        rows.append({"fact": c.describe(), "from": c.source, "recomputed": v, "holds": holds(v, c.op, c.value)})
    for c in facts.transitions:
        prev = facts.weeks[facts.weeks.index(c.week) - 1]
        v = int(sum((a, b) in c.moves for a, b in zip(table[prev], table[c.week])))
        rows.append({"fact": c.describe(), "from": c.source, "recomputed": v, "holds": holds(v, c.op, c.value)})
    if assumptions is not None and assumptions.no_relapse:
        worse = sum(1 for _, p in table.iterrows() for a, b in zip(p, p.iloc[1:])
                    if a in ALIVE and b in ALIVE and RANK[b] < RANK[a])
        rows.append({"fact": "no relapse (assumption)", "from": "", "recomputed": worse, "holds": worse == 0})
    return pd.DataFrame(rows)


WEEK_STATUS = {
    "reported": "counts stated in the abstract",
    "partly described": "some moves or a lower bound stated",
    "not described": "nothing stated",
}


def week_status(facts: Facts, ranges_none: pd.DataFrame) -> dict[int, str]:
    """Per week: 'reported' when CR, PR and NR-or-dead are all fixed by the facts with no assumption,
    'partly described' when some fact names the week, 'not described' otherwise."""
    out = {}
    for w in facts.weeks:
        r = ranges_none[ranges_none["week"] == w].set_index("quantity")
        fixed = all(r.at[q, "determined"] for q in ("CR", "PR", "NR or dead"))
        named = any(c.week == w for c in (*facts.counts, *facts.transitions))
        out[int(w)] = "reported" if fixed else "partly described" if named else "not described"
    return out


