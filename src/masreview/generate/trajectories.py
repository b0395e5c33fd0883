"""Weekly response trajectories for patient rows: one reconstruction, chosen by a declared rule.

``data/sources/<id>/trajectories.yaml`` declares the group, the reading of the narrative and the rule;
:func:`render_source` writes ``observations.csv`` (origin ``reconstructed``) from it and the source's
``measures.csv``. The facts, assumptions and the integer programme are in
:mod:`masreview.generate.weekly`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from masreview.data.specs import TrajectorySpec
from masreview.generate.weekly import (ALIVE, ASSUMPTIONS, EXT_STATES, NEVER_RESPONDED, RANK, STATES, Assumptions,
                                       Ext, Facts, Programme)
from masreview.generate.readings import Reading, facts_from_measures


@dataclass(frozen=True)
class Rule:
    """How one member of the feasible set is chosen.

    1. the fewest changes of response state between assessments (deaths are not counted);
    2. among those, each change as late as the facts allow;
    3. the patients who die are first seen dead at ``death_week`` (None: after the last assessment).
    """

    death_week: int | None = None
    name: str = "fewest changes of state, each as late as the facts allow"

    def describe(self) -> str:
        d = "after the last assessment" if self.death_week is None else \
            f"just before the week-{self.death_week} assessment (first seen dead at week {self.death_week})"
        return f"{self.name}; death placed {d}"


def reconstruct(facts: Facts, assumptions: Assumptions, rule: Rule) -> dict:
    """One count trajectory chosen by ``rule``.

    Returns ``{"counts": DataFrame week x state, "moves": DataFrame (week, from, to, patients),
    "changes": int}``; ``moves`` lists patients moving *into* ``week`` from the previous assessment.
    """
    prog = Programme(facts, assumptions)
    T = len(facts.weeks)
    k = facts.death.deaths
    extra = []
    if rule.death_week is not None:
        if rule.death_week not in facts.weeks:
            raise ValueError(f"death_week {rule.death_week} is not an assessment week")
        td = facts.weeks.index(rule.death_week)
        for t in range(T):
            e = prog.count_expr(t, ("dead",))
            v = k if t >= td else 0
            extra.append((e, v, v))
    else:
        extra.append((prog.count_expr(T - 1, ("dead",)), 0, 0))
    big = 10 * facts.n * T * T + 1
    objective: dict[int, float] = {}
    for (t, a, b), i in prog.x.items():
        if a[0] in ALIVE and b[0] in ALIVE and a[0] != b[0]:
            objective[i] = big + (T - 2 - t)  # step t leads into week index t+1; later is cheaper
    x = prog.solve(objective, "min", extra)
    counts = pd.DataFrame([{"week": int(w), **{s: prog.value(x, prog.count_expr(t, (s,))) for s in STATES}}
                           for t, w in enumerate(facts.weeks)])
    moves = Counter()
    for (t, a, b), i in prog.x.items():
        if x[i]:
            moves[(int(facts.weeks[t + 1]), a[0], b[0])] += int(x[i])
    moves_df = pd.DataFrame([{"week": w, "from": a, "to": b, "patients": v} for (w, a, b), v in sorted(
        moves.items(), key=lambda kv: (kv[0][0], STATES.index(kv[0][1]), STATES.index(kv[0][2])))])
    changes = int(sum(v for (w, a, b), v in moves.items() if a in ALIVE and b in ALIVE and a != b))
    ext_moves = {(t, a, b): int(x[i]) for (t, a, b), i in prog.x.items() if x[i]}
    first = {s: int(x[prog.y[(0, s)]]) for s in EXT_STATES if x[prog.y[(0, s)]]}
    return {"counts": counts, "moves": moves_df, "changes": changes, "_ext": (first, ext_moves),
            "facts": facts, "rule": rule}


def decompose(result: dict) -> list[tuple[str, ...]]:
    """Individual paths (states at each week) whose sum is the reconstructed count trajectory.

    Deterministic: the patients who die (never responded) are taken first along NR...dead; then,
    patient by patient, each step keeps the current state when the flows allow, otherwise takes
    the first possible target in the order of :data:`EXT_STATES`.
    """
    facts: Facts = result["facts"]
    first, moves = result["_ext"]
    first, moves = dict(first), dict(moves)
    T = len(facts.weeks)
    paths: list[tuple[str, ...]] = []

    def take(start: Ext, prefer_dying: bool) -> tuple[str, ...]:
        first[start] -= 1
        cur, path = start, [start[0]]
        for t in range(T - 1):
            options = [b for (tt, a, b), v in moves.items() if tt == t and a == cur and v > 0]
            options.sort(key=EXT_STATES.index)
            if prefer_dying:
                pick = next((b for b in options if b[0] == "dead"), None) or \
                    next(b for b in options if b == NEVER_RESPONDED)
            else:
                pick = next((b for b in options if b[0] == cur[0]), options[0])
            moves[(t, cur, pick)] -= 1
            cur = pick
            path.append(cur[0])
        return tuple(path)

    k = facts.death.deaths if facts.death.never_responded else 0
    dead_by_end = int(result["counts"]["dead"].iloc[-1])
    for _ in range(min(k, dead_by_end)):
        start = ("dead", False, False) if first.get(("dead", False, False), 0) > 0 else NEVER_RESPONDED
        paths.append(take(start, prefer_dying=True))
    for s in EXT_STATES:
        while first.get(s, 0) > 0:
            paths.append(take(s, prefer_dying=False))
    return paths


def path_sort_key(path: Sequence[str]) -> tuple:
    """Declared order of patients: final state CR, PR, NR, dead; then earlier and better responses first."""
    return (STATES.index(path[-1]), tuple(-RANK.get(s, -1) for s in path))


def assign_paths(paths: Sequence[tuple[str, ...]], patient_ids: Sequence[str],
                 dying_ids: Sequence[str] = (), dying_paths: int = 0) -> dict[str, tuple[str, ...]]:
    """Hand paths to patients: the first ``dying_paths`` paths (the patients who die) go to
    ``dying_ids`` (the patients with a death event); the others, in :func:`path_sort_key` order, to
    the remaining ids in their listed order."""
    if len(paths) != len(patient_ids):
        raise ValueError(f"{len(paths)} paths for {len(patient_ids)} patients")
    dying = list(paths[:dying_paths])
    rest = sorted(paths[dying_paths:], key=path_sort_key)
    out: dict[str, tuple[str, ...]] = {}
    if len(dying) > len(dying_ids):
        raise ValueError("more dying paths than patients with a death event")
    pool = [p for p in patient_ids if p not in set(dying_ids[:len(dying)])]
    dying_left = list(dying_ids[len(dying):])  # dying after the window: NR all along
    for pid, path in zip(dying_ids, dying):
        out[pid] = path
    never = [p for p in rest if all(s == "NR" for s in p)]
    for pid in dying_left:  # those who die after the last assessment take an all-NR path
        if not never:
            raise ValueError("no all-NR path for a patient who dies after the last assessment")
        path = never.pop()
        rest.remove(path)
        out[pid] = path
        pool.remove(pid)
    for pid, path in zip(pool, rest):
        out[pid] = path
    return {pid: out[pid] for pid in patient_ids}


def observation_rows(assigned: dict[str, tuple[str, ...]], weeks: Sequence[int], locator: str,
                     note: str) -> pd.DataFrame:
    """Rows of observations.csv (response-state per patient per week, origin reconstructed)."""
    rows = []
    for pid, path in assigned.items():
        for w, s in zip(weeks, path):
            rows.append({"patient_id": pid, "time": int(w), "time_unit": "week", "measure": "response-state",
                         "state": s, "value": None, "unit": None, "origin": "reconstructed",
                         "locator": locator, "note": note})
    return pd.DataFrame(rows)


GENERATED_HEADER = ("# Generated by `python -m masreview.analysis.trajectories data/sources/{id}` from trajectories.yaml "
                    "and measures.csv: do not edit by hand.")


def source_facts(measures: pd.DataFrame, spec: TrajectorySpec, reading: Reading = Reading()) -> Facts:
    """The facts ``spec`` declares, under ``reading`` (the default reading is the reconstruction's)."""
    return facts_from_measures(measures, spec.group, spec.dying_never_responded, reading)


def build_observations(measures: pd.DataFrame, patients: pd.DataFrame, events: pd.DataFrame,
                       spec: TrajectorySpec) -> pd.DataFrame:
    """observations.csv rows of the reconstruction declared by ``spec``."""
    facts = source_facts(measures, spec)
    result = reconstruct(facts, ASSUMPTIONS[spec.assumptions], rule_of(spec))
    paths = decompose(result)
    ids = list(patients.loc[patients["group"] == spec.group, "patient_id"])
    dying = [p for p in ids if p in set(events.loc[events["event"] == "death", "patient_id"])]
    n_dying_paths = sum(1 for p in paths if p[-1] == "dead")
    assigned = assign_paths(paths, ids, dying, n_dying_paths)
    used = sorted({f.source for f in (*facts.counts, *facts.transitions, facts.death) if f.source})
    locs = list(dict.fromkeys(measures.set_index("measure_id").loc[used, "locator"]))
    locator = f"reconstructed from measures {', '.join(used)} ({'; '.join(locs)})"
    note = (f"one trajectory consistent with the weekly facts ({spec.assumptions}): {rule_of(spec).describe()}; "
            "weeks and states not stated by the source are not findings")
    return observation_rows(assigned, facts.weeks, locator, note)


def rule_of(spec: TrajectorySpec) -> Rule:
    """The :class:`Rule` a ``trajectories.yaml`` declares."""
    return Rule(death_week=spec.rule.death_week)
