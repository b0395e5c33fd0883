"""Weekly response trajectories: what a narrative of weekly counts allows, and one reconstruction.

A source that reports response week by week only in words ("9 PR at week 1, the first CR at week 2,
two PR->CR and one NR->PR during week 3, 10 PR / 6 CR / 4 NR at week 8") fixes some weekly counts
and leaves others open. This module answers, for every assessment week and response state, *the
smallest and the largest number of patients consistent with every stated fact*, under assumptions
that are declared and named, never implied.

Model
-----
``n`` patients are assessed at consecutive weeks ``w_1 < ... < w_T`` (weekly assessments). At each
assessment a patient is in one state of :data:`masreview.vocab.RESPONSE_ORDER` (CR, PR, NR, dead);
``dead`` is absorbing. A *count trajectory* is the number of patients in each state at each week
together with the number moving between each pair of states from one assessment to the next (a
transport plan). Every integer count trajectory is the sum of individual patient paths and vice
versa, so ranges over count trajectories are ranges over everything the patients could have done.

To answer "time to first response" and "time to CR" the state carries two memory flags (has the
patient ever been in PR or CR; ever in CR), so the model runs on nine extended states.

Solver
------
Integer linear programming with :func:`scipy.optimize.milp` (HiGHS): variables are the counts per
week and extended state and the moves per step; each fact is a linear (in)equality; each range end
is one minimisation or maximisation. An exhaustive enumeration of patient paths
(:func:`brute_force_ranges`, for a handful of patients) gives the same answers and is what the tests
compare against, besides hand-checked cases.

Facts (:class:`Facts`)
----------------------
* :class:`CountFact`: the number of patients in a set of states at a week, ``==``, ``>=`` or ``<=``
  a value (e.g. "NR or dead at week 8 == 4": the abstract counts the patient who died among the NR).
* :class:`TransitionFact`: the number moving between given states from the previous assessment to
  this one (e.g. "PR->CR at week 3 == 2").
* :class:`DeathFact`: ``k`` patients die during follow-up, possibly after the last assessment (their
  death week is unknown). With ``never_responded`` they were NR at every assessment before death.

Assumptions (:class:`Assumptions`, named presets in :data:`ASSUMPTIONS`)
------------------------------------------------------------------------
* ``no_relapse``: a living patient never moves to a worse state (no CR->PR, CR->NR, PR->NR).
* ``stated_changes_complete``: in a step for which the source lists changes, the listed changes are
  the only changes between response states (deaths stay possible).
* ``death_in_window``: the patients who die do so before the last assessment.

Reconstruction (:func:`reconstruct`)
------------------------------------
One member of the feasible set, chosen by the declared :class:`Rule`: the fewest changes of
response state, each as late as the facts allow (no improvement is credited before it must have
happened), with the death placed at a declared week. Paths are then handed to patient ids in a
declared order (:func:`assign_paths`).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from . import vocab

STATES: tuple[str, ...] = tuple(vocab.RESPONSE_ORDER)  # CR, PR, NR, dead
ALIVE: tuple[str, ...] = ("CR", "PR", "NR")
RANK = {"NR": 0, "PR": 1, "CR": 2}
OPS = ("==", ">=", "<=")

# Extended state: (state, ever responded (PR or CR), ever in CR).
Ext = tuple[str, bool, bool]
EXT_STATES: tuple[Ext, ...] = (
    ("CR", True, True),
    ("PR", True, False), ("PR", True, True),
    ("NR", False, False), ("NR", True, False), ("NR", True, True),
    ("dead", False, False), ("dead", True, False), ("dead", True, True),
)
NEVER_RESPONDED: Ext = ("NR", False, False)


def _enter(state: str) -> Ext:
    """The extended state of a patient first seen in ``state`` (at the first assessment)."""
    return (state, state in ("PR", "CR"), state == "CR")


def _move(a: Ext, to: str) -> Ext:
    """The extended state after a patient in ``a`` is next seen in ``to`` (flags only ever switch on)."""
    if to == "dead":
        return ("dead", a[1], a[2])
    return (to, a[1] or to in ("PR", "CR"), a[2] or to == "CR")


# --- facts and assumptions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CountFact:
    """``count(states at week) op value``."""

    week: int
    states: tuple[str, ...]
    op: str
    value: int
    source: str = ""

    def __post_init__(self):
        _check_states(self.states)
        _check_op(self.op)

    def describe(self) -> str:
        return f"week {self.week}: {' or '.join(self.states)} {self.op} {self.value}"


@dataclass(frozen=True)
class TransitionFact:
    """Patients moving ``from -> to`` between the previous assessment and week ``week``, ``op value``."""

    week: int
    moves: tuple[tuple[str, str], ...]
    op: str
    value: int
    source: str = ""

    def __post_init__(self):
        for a, b in self.moves:
            _check_states((a, b))
        _check_op(self.op)

    def describe(self) -> str:
        return f"into week {self.week}: {' or '.join(f'{a}->{b}' for a, b in self.moves)} {self.op} {self.value}"


@dataclass(frozen=True)
class DeathFact:
    """``deaths`` patients die during follow-up (possibly after the last assessment)."""

    deaths: int = 0
    never_responded: bool = False
    source: str = ""

    def describe(self) -> str:
        text = (f"{self.deaths} patient{'s' if self.deaths != 1 else ''} "
                f"{'die' if self.deaths != 1 else 'dies'} during follow-up (week unknown)")
        return text + ("; NR at every assessment before death" if self.never_responded else "")


@dataclass(frozen=True)
class Facts:
    """Everything stated: the cohort size, the assessment weeks and the stated counts."""

    n: int
    weeks: tuple[int, ...]
    counts: tuple[CountFact, ...] = ()
    transitions: tuple[TransitionFact, ...] = ()
    death: DeathFact = field(default_factory=DeathFact)

    def __post_init__(self):
        if self.n < 1:
            raise ValueError("need at least one patient")
        if list(self.weeks) != sorted(set(self.weeks)) or not self.weeks:
            raise ValueError(f"weeks must be increasing and distinct; got {self.weeks}")
        for f in self.counts:
            if f.week not in self.weeks:
                raise ValueError(f"fact '{f.describe()}' names a week that is not assessed")
        for f in self.transitions:
            if f.week not in self.weeks[1:]:
                raise ValueError(f"fact '{f.describe()}' needs an assessment before week {f.week}")
        if not 0 <= self.death.deaths <= self.n:
            raise ValueError("deaths must lie between 0 and n")

    def table(self) -> pd.DataFrame:
        """The facts as a readable table (one row each)."""
        rows = [{"fact": f.describe(), "from": f.source} for f in (*self.counts, *self.transitions)]
        rows.append({"fact": self.death.describe(), "from": self.death.source})
        rows.insert(0, {"fact": f"{self.n} patients assessed at weeks {', '.join(map(str, self.weeks))}",
                        "from": ""})
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Assumptions:
    """Assumptions beyond the stated facts, each a named switch."""

    no_relapse: bool = False
    stated_changes_complete: bool = False
    death_in_window: bool = False

    def describe(self) -> str:
        parts = []
        if self.no_relapse:
            parts.append("no relapse (a living patient never moves to a worse state)")
        if self.stated_changes_complete:
            parts.append("the changes listed for a step are the only ones")
        if self.death_in_window:
            parts.append("deaths happen before the last assessment")
        return "; ".join(parts) if parts else "none beyond the stated facts"


#: The two assumption sets every chapter shows.
ASSUMPTIONS: dict[str, Assumptions] = {
    "no relapse": Assumptions(no_relapse=True),
    "no assumption": Assumptions(),
}


class InfeasibleFacts(ValueError):
    """No count trajectory satisfies the facts under the assumptions."""


def _check_states(states: Iterable[str]) -> None:
    bad = [s for s in states if s not in STATES]
    if bad:
        raise ValueError(f"unknown state(s) {bad}; expected {', '.join(STATES)}")


def _check_op(op: str) -> None:
    if op not in OPS:
        raise ValueError(f"unknown operator '{op}'; expected one of {OPS}")


def allowed_moves(a: Ext, assumptions: Assumptions) -> list[str]:
    """States a patient in ``a`` can be in at the next assessment."""
    if a[0] == "dead":
        return ["dead"]
    out = []
    for to in STATES:
        if to != "dead" and assumptions.no_relapse and RANK[to] < RANK[a[0]]:
            continue
        out.append(to)
    return out


# --- the integer programme --------------------------------------------------------------------------


class _Programme:
    """Variables, constraints and solves of one (facts, assumptions) pair."""

    def __init__(self, facts: Facts, assumptions: Assumptions):
        self.facts, self.assumptions = facts, assumptions
        T = len(facts.weeks)
        self.y: dict[tuple[int, Ext], int] = {}
        self.x: dict[tuple[int, Ext, Ext], int] = {}
        for t in range(T):
            for s in EXT_STATES:
                self.y[(t, s)] = len(self.y)
        offset = len(self.y)
        for t in range(T - 1):
            for a in EXT_STATES:
                for to in allowed_moves(a, assumptions):
                    self.x[(t, a, _move(a, to))] = offset + len(self.x)
        self.nvar = offset + len(self.x)
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self._build()

    # helpers -------------------------------------------------------------------------------------
    def _add(self, coef: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((coef, lo, hi))

    def _add_op(self, coef: dict[int, float], op: str, value: float) -> None:
        lo, hi = {"==": (value, value), ">=": (value, np.inf), "<=": (-np.inf, value)}[op]
        self._add(coef, lo, hi)

    def count_expr(self, t: int, states: Sequence[str], flag: int | None = None) -> dict[int, float]:
        """Patients at week index ``t`` in ``states`` (flag 1: ever responded; 2: ever CR)."""
        return {self.y[(t, s)]: 1.0 for s in EXT_STATES
                if s[0] in states and (flag is None or s[flag])}

    def move_expr(self, t_after: int, moves: Sequence[tuple[str, str]]) -> dict[int, float]:
        return {i: 1.0 for (t, a, b), i in self.x.items()
                if t == t_after - 1 and (a[0], b[0]) in set(moves)}

    def _build(self) -> None:
        f, A = self.facts, self.assumptions
        T = len(f.weeks)
        # every patient is somewhere at the first assessment, in a state seen for the first time
        self._add({self.y[(0, s)]: 1.0 for s in EXT_STATES}, f.n, f.n)
        self._add({self.y[(0, s)]: 1.0 for s in EXT_STATES if s != _enter(s[0])}, 0, 0)
        # flows: out of week t = count at t; into week t+1 = count at t+1
        for t in range(T - 1):
            for s in EXT_STATES:
                out = {i: 1.0 for (tt, a, _), i in self.x.items() if tt == t and a == s}
                out[self.y[(t, s)]] = -1.0
                self._add(out, 0, 0)
                inn = {i: 1.0 for (tt, _, b), i in self.x.items() if tt == t and b == s}
                inn[self.y[(t + 1, s)]] = -1.0
                self._add(inn, 0, 0)
        for c in f.counts:
            self._add_op(self.count_expr(f.weeks.index(c.week), c.states), c.op, c.value)
        for c in f.transitions:
            self._add_op(self.move_expr(f.weeks.index(c.week), c.moves), c.op, c.value)
        # deaths: at most k within the window (exactly k with death_in_window)
        k = f.death.deaths
        dead_last = self.count_expr(T - 1, ("dead",))
        self._add(dead_last, k if A.death_in_window else 0, k)
        if f.death.never_responded and k:
            for t in range(T):  # the k dying patients: NR (never responded) until dead
                e = {self.y[(t, NEVER_RESPONDED)]: 1.0}
                e.update({i: 1.0 for i in self.count_expr(t, ("dead",))})
                self._add(e, k, np.inf)
            for (t, a, b), i in self.x.items():
                if b[0] == "dead" and a[0] != "dead" and a != NEVER_RESPONDED:
                    self._add({i: 1.0}, 0, 0)
            for t in range(T - 1):  # they stay NR from one assessment to the next while alive
                e = {self.x[(t, NEVER_RESPONDED, NEVER_RESPONDED)]: 1.0}
                e.update(self.count_expr(t + 1, ("dead",)))
                self._add(e, k, np.inf)
        if A.stated_changes_complete:
            for week in {c.week for c in f.transitions}:
                listed = {m for c in f.transitions if c.week == week for m in c.moves}
                t_after = f.weeks.index(week)
                for (t, a, b), i in self.x.items():
                    if t == t_after - 1 and a[0] in ALIVE and b[0] in ALIVE and a[0] != b[0] \
                            and (a[0], b[0]) not in listed:
                        self._add({i: 1.0}, 0, 0)

    def _matrix(self, rows: list[tuple[dict[int, float], float, float]]):
        M = lil_matrix((len(rows), self.nvar))
        lo, hi = np.empty(len(rows)), np.empty(len(rows))
        for r, (coef, a, b) in enumerate(rows):
            for j, v in coef.items():
                M[r, j] = v
            lo[r], hi[r] = a, b
        return LinearConstraint(M.tocsr(), lo, hi)

    def solve(self, objective: dict[int, float], sense: str = "min",
              extra: list[tuple[dict[int, float], float, float]] = ()) -> np.ndarray:
        c = np.zeros(self.nvar)
        for j, v in objective.items():
            c[j] = v if sense == "min" else -v
        if not hasattr(self, "_base"):
            self._base = self._matrix(self.rows)  # built once, shared by every solve
        constraints = [self._base] + ([self._matrix(list(extra))] if extra else [])
        res = milp(c, constraints=constraints, integrality=np.ones(self.nvar),
                   bounds=Bounds(0, self.facts.n), options={"presolve": True})
        if res.status == 2 or res.x is None:
            raise InfeasibleFacts(f"no trajectory satisfies the facts with assumptions: {self.assumptions.describe()}")
        if res.status != 0:
            raise RuntimeError(f"solver stopped: {res.message}")
        return np.rint(res.x).astype(int)

    def value(self, x: np.ndarray, expr: dict[int, float]) -> int:
        return int(round(sum(x[j] * v for j, v in expr.items())))


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
    prog = _Programme(facts, assumptions)
    prog.solve({})  # feasibility first, for a clear error
    rows = []
    for t, week in enumerate(facts.weeks):
        for q in quantities:
            states, flag = QUANTITIES[q]
            expr = prog.count_expr(t, states, flag)
            lo = prog.value(prog.solve(expr, "min"), expr)
            hi = prog.value(prog.solve(expr, "max"), expr)
            rows.append({"week": int(week), "quantity": q, "min": lo, "max": hi, "determined": lo == hi})
    return pd.DataFrame(rows)


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
        ok = all(_holds(sum(p[facts.weeks.index(c.week)] in c.states for p in states), c.op, c.value)
                 for c in facts.counts)
        ok = ok and all(_holds(sum((p[facts.weeks.index(c.week) - 1], p[facts.weeks.index(c.week)]) in c.moves
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


def _holds(v: int, op: str, value: int) -> bool:
    return v == value if op == "==" else v >= value if op == ">=" else v <= value


# --- the reconstruction ------------------------------------------------------------------------------


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
    prog = _Programme(facts, assumptions)
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
    rows = []
    for c in facts.counts:
        v = int(table[c.week].isin(c.states).sum())
        rows.append({"fact": c.describe(), "from": c.source, "recomputed": v, "holds": _holds(v, c.op, c.value)})
    for c in facts.transitions:
        prev = facts.weeks[facts.weeks.index(c.week) - 1]
        v = int(sum((a, b) in c.moves for a, b in zip(table[prev], table[c.week])))
        rows.append({"fact": c.describe(), "from": c.source, "recomputed": v, "holds": _holds(v, c.op, c.value)})
    if assumptions is not None and assumptions.no_relapse:
        worse = sum(1 for _, p in table.iterrows() for a, b in zip(p, p.iloc[1:])
                    if a in ALIVE and b in ALIVE and RANK[b] < RANK[a])
        rows.append({"fact": "no relapse (assumption)", "from": "", "recomputed": worse, "holds": worse == 0})
    return pd.DataFrame(rows)


# --- facts from a source's measures ------------------------------------------------------------------


def facts_from_measures(measures: pd.DataFrame, group: str = "ruxolitinib",
                        dying_never_responded: bool = False) -> Facts:
    """The weekly facts a source's ``measures.csv`` states for ``group``.

    * ``patients`` -> n; weekly assessments from week 1 to the last week any response row names;
    * ``response`` at week-N -> a count fact (category NR counts NR or dead, as the sources do;
      CR+PR counts both);
    * ``response-transition`` 'A->B' at week-N -> a transition fact into week N;
    * ``first-response-time`` (category CR, PR or CR+PR, value in weeks) -> nobody in that state
      before the week, at least one at the week;
    * ``survival`` -> deaths = denominator - numerator (week unknown); ``dying_never_responded``
      declares the reading that the patients who died were non-responders throughout.
    """
    m = measures[measures["group"] == group]
    n_rows = m[m["measure"] == "patients"]
    if n_rows.empty:
        raise ValueError(f"no 'patients' row for group {group}")
    n = int(n_rows["numerator"].iloc[0])
    weekly = m[m["measure"].isin(["response", "response-transition"]) & m["timepoint"].str.startswith("week-")]
    first = m[m["measure"] == "first-response-time"]
    last = max([int(vocab.timepoint_weeks(tp)) for tp in weekly["timepoint"]] +
               [int(v) for v in first["value"].dropna()] + [1])
    weeks = tuple(range(1, last + 1))

    def states(cat: str) -> tuple[str, ...]:
        return {"NR": ("NR", "dead"), "CR+PR": ("CR", "PR"), "any": ("CR", "PR")}.get(cat, (cat,))

    counts, transitions = [], []
    for _, r in weekly.iterrows():
        w = int(vocab.timepoint_weeks(r["timepoint"]))
        if r["measure"] == "response":
            counts.append(CountFact(w, states(r["category"]), "==", int(r["numerator"]), r["measure_id"]))
        else:
            a, b = r["category"].split("->")
            transitions.append(TransitionFact(w, ((a, b),), "==", int(r["numerator"]), r["measure_id"]))
    for _, r in first.iterrows():
        if r["unit"] != "week":
            raise ValueError(f"first-response-time row {r['measure_id']} is not in weeks")
        w = int(r["value"])
        for earlier in weeks[: weeks.index(w)]:
            counts.append(CountFact(earlier, states(r["category"]), "==", 0, r["measure_id"]))
        counts.append(CountFact(w, states(r["category"]), ">=", 1, r["measure_id"]))
    surv = m[m["measure"] == "survival"]
    death = DeathFact()
    if not surv.empty:
        r = surv.iloc[0]
        death = DeathFact(int(r["denominator"]) - int(r["numerator"]), dying_never_responded, r["measure_id"])
    counts.sort(key=lambda c: (c.week, c.source))
    transitions.sort(key=lambda c: (c.week, c.source))
    return Facts(n=n, weeks=weeks, counts=tuple(counts), transitions=tuple(transitions), death=death)


# --- the per-source file (trajectories.yaml) and the generated observations.csv -----------------------

SPEC_FILE = "trajectories.yaml"
GENERATED_HEADER = ("# Generated by `python -m masreview.trajectories data/sources/{id}` from trajectories.yaml "
                    "and measures.csv: do not edit by hand.")


@dataclass(frozen=True)
class SourceSpec:
    """What ``data/sources/<id>/trajectories.yaml`` declares."""

    group: str
    dying_never_responded: bool
    assumptions: str
    rule: Rule


def load_spec(folder) -> SourceSpec:
    import yaml
    from pathlib import Path

    raw = yaml.safe_load((Path(folder) / SPEC_FILE).read_text(encoding="utf-8"))
    unknown = set(raw) - {"group", "dying_never_responded", "assumptions", "rule"}
    if unknown:
        raise ValueError(f"{SPEC_FILE}: unknown field(s) {sorted(unknown)}")
    if raw["assumptions"] not in ASSUMPTIONS:
        raise ValueError(f"{SPEC_FILE}: assumptions must be one of {list(ASSUMPTIONS)}")
    if raw["group"] not in vocab.GROUPS:
        raise ValueError(f"{SPEC_FILE}: unknown group '{raw['group']}'")
    rule = raw.get("rule") or {}
    return SourceSpec(group=raw["group"], dying_never_responded=bool(raw.get("dying_never_responded", False)),
                      assumptions=raw["assumptions"], rule=Rule(death_week=rule.get("death_week")))


def source_facts(measures: pd.DataFrame, spec: SourceSpec) -> Facts:
    return facts_from_measures(measures, spec.group, spec.dying_never_responded)


def build_observations(measures: pd.DataFrame, patients: pd.DataFrame, events: pd.DataFrame,
                       spec: SourceSpec) -> pd.DataFrame:
    """observations.csv rows of the reconstruction declared by ``spec``."""
    facts = source_facts(measures, spec)
    result = reconstruct(facts, ASSUMPTIONS[spec.assumptions], spec.rule)
    paths = decompose(result)
    ids = list(patients.loc[patients["group"] == spec.group, "patient_id"])
    dying = [p for p in ids if p in set(events.loc[events["event"] == "death", "patient_id"])]
    n_dying_paths = sum(1 for p in paths if p[-1] == "dead")
    assigned = assign_paths(paths, ids, dying, n_dying_paths)
    used = sorted({f.source for f in (*facts.counts, *facts.transitions, facts.death) if f.source})
    locs = list(dict.fromkeys(measures.set_index("measure_id").loc[used, "locator"]))
    locator = f"reconstructed from measures {', '.join(used)} ({'; '.join(locs)})"
    note = (f"one trajectory consistent with the weekly facts ({spec.assumptions}): {spec.rule.describe()}; "
            "weeks and states not stated by the source are not findings")
    return observation_rows(assigned, facts.weeks, locator, note)


def render_source(folder) -> dict[str, str]:
    """``{"observations.csv": text}`` for a source folder with a trajectories.yaml."""
    from pathlib import Path

    from .reconstruct import read_measures, to_csv_text
    from .loading import Issue, DataValidationError, read_table
    from .schema import EVENTS_TABLE, PATIENTS_TABLE

    folder = Path(folder)
    spec = load_spec(folder)
    issues: list = []
    patients = read_table(folder / PATIENTS_TABLE.file, PATIENTS_TABLE, folder, issues)
    events = read_table(folder / EVENTS_TABLE.file, EVENTS_TABLE, folder, issues) \
        if (folder / EVENTS_TABLE.file).exists() else pd.DataFrame(columns=["patient_id", "event"])
    if issues:
        raise DataValidationError(issues)
    obs = build_observations(read_measures(folder), patients, events, spec)
    body = to_csv_text(obs, folder.name).split("\n", 1)[1]  # the shared CSV writer, minus its header
    return {"observations.csv": GENERATED_HEADER.format(id=folder.name) + "\n" + body}


def main(argv: list[str] | None = None) -> int:
    from .reconstruct import write_generated

    return write_generated(render_source, argv, "masreview.trajectories")


if __name__ == "__main__":
    raise SystemExit(main())


# --- charts (Altair; interactivity through Vega-Lite params, no kernel) ---------------------------------

STATE_COLORS = {"CR": "#1b7837", "PR": "#7fbf7b", "NR": "#b2abd2", "dead": "#40004b"}
STATE_LABELS = {s: vocab.RESPONSE_STATES[s] for s in STATES}
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


def _ranges_long(ranges: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    for name, r in ranges.items():
        r = r.copy()
        r.insert(0, "assumptions", name)
        frames.append(r)
    return pd.concat(frames, ignore_index=True)


def weekly_chart(counts: pd.DataFrame, ranges: dict[str, pd.DataFrame], status: dict[int, str], n: int):
    """Stacked weekly bars of the reconstruction, with how far each boundary can move.

    Bars: the reconstructed count in each state (CR at the bottom, then PR, NR, dead); fully opaque
    in weeks whose counts the abstract states, faded elsewhere. Whiskers: the range of the boundary
    above CR, above PR and above NR (the cumulative counts) over every trajectory the facts allow,
    under the assumption set picked in the dropdown.
    """
    import altair as alt

    long = counts.melt(id_vars="week", value_vars=list(STATES), var_name="state", value_name="patients")
    long["order"] = long["state"].map({s: i for i, s in enumerate(STATES)})
    long["status"] = long["week"].map(status)
    long["label"] = long["state"].map(STATE_LABELS)
    rows = []
    for name, r in ranges.items():
        idx = r.set_index(["week", "quantity"])
        for w in sorted(r["week"].unique()):
            for boundary, q, flip in (("top of CR", "CR", False), ("top of PR", "CR or PR", False),
                                      ("top of NR", "dead", True)):
                lo, hi = int(idx.at[(w, q), "min"]), int(idx.at[(w, q), "max"])
                if flip:
                    lo, hi = n - hi, n - lo
                rows.append({"assumptions": name, "week": int(w), "boundary": boundary, "low": lo, "high": hi,
                             "range": f"{lo}" if lo == hi else f"{lo} to {hi}"})
    whiskers = pd.DataFrame(rows)
    choice = alt.param(name="assumptions", value=list(ranges)[0],
                       bind=alt.binding_select(options=list(ranges), name="Ranges under assumption: "))
    x = alt.X("week:O", title="Week of ruxolitinib (weekly assessment)", axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(long).mark_bar(size=34).encode(
        x=x,
        y=alt.Y("patients:Q", title="Patients", stack="zero", scale=alt.Scale(domain=[0, n])),
        color=alt.Color("state:N", scale=alt.Scale(domain=list(STATES), range=[STATE_COLORS[s] for s in STATES]),
                        title="State", sort=list(STATES)),
        order=alt.Order("order:Q"),
        opacity=alt.Opacity("status:N", scale=alt.Scale(domain=list(WEEK_STATUS), range=[1.0, 0.6, 0.3]),
                            title="Week"),
        tooltip=[alt.Tooltip("week:O", title="Week"), alt.Tooltip("label:N", title="State"),
                 alt.Tooltip("patients:Q", title="Patients (reconstruction)"), alt.Tooltip("status:N", title="Week")],
    )
    wf = alt.Chart(whiskers).transform_filter(alt.datum.assumptions == choice)
    tips = [alt.Tooltip("week:O", title="Week"), alt.Tooltip("boundary:N", title="Boundary"),
            alt.Tooltip("range:N", title="Possible patients below it"), alt.Tooltip("assumptions:N")]
    rule = wf.mark_rule(strokeWidth=2, color="black", xOffset=24).encode(x=x, y="low:Q", y2="high:Q", tooltip=tips)
    lo_tick = wf.mark_tick(color="black", width=8, thickness=2, xOffset=24).encode(x=x, y="low:Q", tooltip=tips)
    hi_tick = wf.mark_tick(color="black", width=8, thickness=2, xOffset=24).encode(x=x, y="high:Q", tooltip=tips)
    labels = alt.Chart(pd.DataFrame([{"week": w, "text": "reported"} for w, s in status.items() if s == "reported"])
                       ).mark_text(dy=-8, fontSize=11).encode(x=x, y=alt.value(0), text="text:N")
    return alt.layer(bars, rule, lo_tick, hi_tick, labels).add_params(choice).properties(
        width=460, height=320,
        title=alt.Title("Response at each weekly assessment",
                        subtitle=["Bars: one reconstruction (fewest changes, each as late as possible); "
                                  "faded weeks are not stated",
                                  "Whiskers: where the top of CR, of PR and of NR can lie given the stated facts"]),
        description="Stacked bars of complete remission, partial remission, no response and death at weeks 1 to 8 "
                    "for the 20 treated patients, from one reconstruction. Weeks 1 and 8 are stated in the abstract. "
                    "Black whiskers show the range of each cumulative boundary consistent with the stated facts, "
                    "under the assumption set chosen in the dropdown.").configure_legend(
        orient="bottom", direction="horizontal")


def _sigmoid_band(x0: float, x1: float, a0: float, a1: float, b0: float, b1: float, k: int = 16) -> list[tuple]:
    out = []
    for i in range(k + 1):
        s = i / k
        f = s * s * (3 - 2 * s)  # smoothstep
        out.append((x0 + (x1 - x0) * s, a0 + (a1 - a0) * f, b0 + (b1 - b0) * f))
    return out


def flow_chart(moves: pd.DataFrame, counts: pd.DataFrame, n: int, gap: float = 0.6):
    """Alluvial chart of the reconstruction: a column of states per week, bands for patients moving
    between assessments (width = patients). Click a state in the legend to follow its patients."""
    import altair as alt

    node_w = 0.12
    weeks = list(counts["week"])
    order = list(STATES)  # top to bottom

    def node_spans(row) -> dict[str, tuple[float, float]]:
        spans, top = {}, n + gap * (len(order) - 1)
        for s in order:
            k = int(row[s])
            spans[s] = (top - k, top)
            top -= k + (gap if k else 0)
        return spans

    spans = {int(r["week"]): node_spans(r) for _, r in counts.iterrows()}
    nodes = [{"week": w, "x0": w - node_w, "x1": w + node_w, "y0": spans[w][s][0], "y1": spans[w][s][1],
              "state": s, "label": STATE_LABELS[s], "patients": int(counts.set_index("week").at[w, s])}
             for w in weeks for s in order if spans[w][s][1] > spans[w][s][0]]
    bands = []
    out_used = {(w, s): 0.0 for w in weeks for s in order}
    in_used = {(w, s): 0.0 for w in weeks for s in order}
    mv = moves[moves["patients"] > 0].copy()
    mv["fo"] = mv["from"].map(order.index)
    mv["to_o"] = mv["to"].map(order.index)
    for lid, r in enumerate(mv.sort_values(["week", "fo", "to_o"]).itertuples()):
        w1 = int(r.week)
        w0 = weeks[weeks.index(w1) - 1]
        k = int(r.patients)
        s_top = spans[w0][r._2][1] - out_used[(w0, r._2)]
        out_used[(w0, r._2)] += k
        t_top = spans[w1][r.to][1] - in_used[(w1, r.to)]
        in_used[(w1, r.to)] += k
        for x, top, bot in _sigmoid_band(w0 + node_w, w1 - node_w, s_top, t_top, s_top - k, t_top - k):
            bands.append({"link": lid, "x": x, "top": top, "bottom": bot, "from": r._2, "to": r.to,
                          "move": f"{r._2} -> {r.to}", "into week": w1, "patients": k})
    bands_df, nodes_df = pd.DataFrame(bands), pd.DataFrame(nodes)
    pick = alt.selection_point(fields=["state"], bind="legend", name="follow")
    color = alt.Color("state:N", scale=alt.Scale(domain=list(STATES), range=[STATE_COLORS[s] for s in STATES]),
                      title="State (click to follow)", sort=list(STATES))
    xs = alt.Scale(domain=[weeks[0] - 0.3, weeks[-1] + 0.3])
    ys = alt.Scale(domain=[0, n + gap * (len(order) - 1)])
    link = alt.Chart(bands_df).transform_calculate(state="datum.from").mark_area(interpolate="linear").encode(
        x=alt.X("x:Q", scale=xs, title="Week of ruxolitinib", axis=alt.Axis(values=weeks, format="d")),
        y=alt.Y("top:Q", scale=ys, axis=None), y2="bottom:Q", detail="link:N", color=color,
        opacity=alt.condition(pick, alt.value(0.55), alt.value(0.08)),
        tooltip=[alt.Tooltip("into week:O"), alt.Tooltip("move:N"), alt.Tooltip("patients:Q")])
    node = alt.Chart(nodes_df).mark_rect(stroke="white").encode(
        x=alt.X("x0:Q", scale=xs), x2="x1:Q", y=alt.Y("y0:Q", scale=ys), y2="y1:Q", color=color,
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
        tooltip=[alt.Tooltip("week:O"), alt.Tooltip("label:N", title="State"), alt.Tooltip("patients:Q")])
    return alt.layer(link, node).add_params(pick).properties(
        width=500, height=320,
        title=alt.Title("Moves between weekly assessments (one reconstruction)",
                        subtitle=["Band width = patients. Stated: the week-1 and week-8 counts and some moves into",
                                  "weeks 2 and 3; every other move is the reconstruction rule's choice"]),
        description="Alluvial chart of the reconstructed weekly response states: columns of complete remission, "
                    "partial remission, no response and death at each week, with bands for the patients moving "
                    "between consecutive assessments.").configure_legend(orient="bottom", direction="horizontal")


def week_slider_chart(ranges: dict[str, pd.DataFrame], counts: pd.DataFrame, facts: Facts):
    """Pick a week with the slider: the possible count in each state under each assumption set
    (bars from min to max), the reconstruction (dot) and, where the abstract states it, the value."""
    import altair as alt

    long = _ranges_long(ranges)
    long = long[long["quantity"].isin(list(STATES) + ["NR or dead"])].copy()
    rec = counts.set_index("week")
    rec_v = []
    for _, r in long.iterrows():
        q = r["quantity"]
        rec_v.append(int(rec.at[r["week"], "NR"] + rec.at[r["week"], "dead"]) if q == "NR or dead"
                     else int(rec.at[r["week"], q]))
    long["reconstruction"] = rec_v
    long["range"] = [f"{a}" if a == b else f"{a} to {b}" for a, b in zip(long["min"], long["max"])]
    long["fixed"] = long["determined"].map({True: "fixed by the facts", False: "a range"})
    week = alt.param(name="week", value=int(facts.weeks[0]),
                     bind=alt.binding_range(min=int(facts.weeks[0]), max=int(facts.weeks[-1]), step=1,
                                            name="Week "))
    base = alt.Chart(long).transform_filter(alt.datum.week == week)
    y = alt.Y("quantity:N", sort=list(STATES) + ["NR or dead"], title=None)
    yo = alt.YOffset("assumptions:N", sort=list(ranges))
    color = alt.Color("assumptions:N", title="Assumptions", sort=list(ranges),
                      scale=alt.Scale(range=["#2166ac", "#f4a582"]))
    tips = [alt.Tooltip("week:O"), alt.Tooltip("quantity:N", title="State"), alt.Tooltip("assumptions:N"),
            alt.Tooltip("range:N", title="Possible patients"), alt.Tooltip("reconstruction:Q"),
            alt.Tooltip("fixed:N", title="")]
    bar = base.mark_bar(height=12, cornerRadius=2).encode(
        x=alt.X("min:Q", title="Patients", scale=alt.Scale(domain=[0, facts.n])), x2="max:Q", y=y, yOffset=yo,
        color=color, tooltip=tips)
    point_lo = base.mark_tick(thickness=3, size=14).encode(x="min:Q", y=y, yOffset=yo, color=color, tooltip=tips)
    dot = base.mark_point(shape="diamond", filled=True, size=60, color="black").encode(
        x="reconstruction:Q", y=y, tooltip=tips)
    text = base.mark_text(align="left", dx=6, fontSize=11).encode(x="max:Q", y=y, yOffset=yo, text="range:N")
    return alt.layer(bar, point_lo, dot, text).add_params(week).properties(
        width=440, height=260,
        title=alt.Title("What the abstract allows at one week (move the slider)",
                        subtitle="Bars: fewest to most patients possible in each state; diamond: the reconstruction"),
        description="For the week chosen with the slider, horizontal bars give the smallest and largest number of "
                    "patients possible in each response state under the two assumption sets; a diamond marks the "
                    "reconstruction.").configure_legend(orient="bottom", direction="horizontal")


def cumulative_chart(ranges: dict[str, pd.DataFrame], n: int):
    """Time to first response and to CR: bands of the cumulative number of patients who had reached it."""
    import altair as alt

    long = _ranges_long(ranges)
    long = long[long["quantity"].isin(["responded by then", "CR by then"])].copy()
    long["what"] = long["quantity"].map({"responded by then": "first response (PR or CR)", "CR by then": "first CR"})
    long["range"] = [f"{a}" if a == b else f"{a} to {b}" for a, b in zip(long["min"], long["max"])]
    color = alt.Color("assumptions:N", title="Assumptions", sort=list(ranges),
                      scale=alt.Scale(range=["#2166ac", "#f4a582"]))
    x = alt.X("week:Q", title="Week of ruxolitinib", axis=alt.Axis(format="d", tickMinStep=1))
    panels = []
    for what in ("first response (PR or CR)", "first CR"):
        base = alt.Chart(long[long["what"] == what])
        band = base.mark_area(opacity=0.3, interpolate="step-after").encode(
            x=x, y=alt.Y("min:Q", title="Patients reached by then", scale=alt.Scale(domain=[0, n])), y2="max:Q",
            color=color)
        edge = base.mark_point(filled=True, size=30).encode(
            x=x, y="max:Q", color=color,
            tooltip=[alt.Tooltip("week:Q"), alt.Tooltip("assumptions:N"), alt.Tooltip("range:N", title="Patients")])
        half = alt.Chart(pd.DataFrame({"y": [n / 2]})).mark_rule(strokeDash=[4, 3], color="grey").encode(y="y:Q")
        panels.append(alt.layer(band, edge, half).properties(width=220, height=220, title=what))
    return alt.hconcat(*panels).properties(
        title=alt.Title("Time to first response and to CR, as far as the facts allow",
                        subtitle="Bands: fewest to most patients who had reached it by each week; dashed: half the "
                                 "cohort (the median)"),
        description="Cumulative number of patients who had a first response (left) or a first complete remission "
                    "(right) by each week, as ranges consistent with the stated facts under two assumption sets."
    ).configure_legend(orient="bottom", direction="horizontal")


# --- JupyterLab explorer ----------------------------------------------------------------------------------


def explore_text(facts: Facts, assumptions: Assumptions, dying_never_responded: bool = True) -> str:
    """The range table for one choice of assumptions, as text (what the explorer shows)."""
    if facts.death.deaths:
        facts = replace(facts, death=replace(facts.death, never_responded=dying_never_responded))
    try:
        r = feasible_ranges(facts, assumptions)
    except InfeasibleFacts as e:
        return f"Infeasible: {e}"
    t = range_table(r, list(STATES) + ["responded by then", "CR by then"])
    return f"Assumptions: {assumptions.describe()}\n" + t.to_string(index=False)


def explorer(facts: Facts):
    """ipywidgets explorer (JupyterLab only): a checkbox per assumption, the ranges they give.

    Returns the VBox; ``box.checks`` (dict of Checkbox) and ``box.table`` (Textarea-like HTML) are
    exposed for tests.
    """
    import html as _html

    import ipywidgets as w

    checks = {
        "no_relapse": w.Checkbox(value=True, description="no relapse"),
        "stated_changes_complete": w.Checkbox(value=False, description="week-3 changes are the only ones"),
        "death_in_window": w.Checkbox(value=False, description="death before week 8"),
        "dying_never_responded": w.Checkbox(value=True, description="the patient who died never responded"),
    }
    table = w.HTML()

    def update(*_):
        a = Assumptions(**{k: c.value for k, c in checks.items() if k != "dying_never_responded"})
        table.value = "<pre>" + _html.escape(explore_text(facts, a, checks["dying_never_responded"].value)) + "</pre>"

    for c in checks.values():
        c.observe(update, names="value")
    update()
    box = w.VBox([w.HBox(list(checks.values())[:2]), w.HBox(list(checks.values())[2:]), table])
    box.checks, box.table = checks, table
    return box


def range_phrase(ranges: pd.DataFrame, week: int, quantity: str) -> str:
    """'6' when the facts fix it, '1 to 4' otherwise (for glue in prose)."""
    r = ranges[(ranges["week"] == week) & (ranges["quantity"] == quantity)].iloc[0]
    lo, hi = int(r["min"]), int(r["max"])
    return f"{lo}" if lo == hi else f"{lo} to {hi}"


def median_phrase(early: int | None, late: int | None, last_week: int) -> str:
    """'week 2 or 3', 'week 2', 'week 2 at the earliest (possibly not within 8 weeks)', 'not within 8 weeks'."""
    if early is None:
        return f"not reached within {last_week} weeks"
    if late is None:
        return f"week {early} at the earliest, possibly not within {last_week} weeks"
    return f"week {early}" if early == late else f"between week {early} and week {late}"
