"""Weekly response trajectories: what a narrative of weekly counts allows, and one reconstruction.

A source that reports response week by week only in words ("9 PR at week 1, the first CR at week 2,
two PR->CR and one NR->PR during week 3, 10 PR / 6 CR / 4 NR at week 8") fixes some weekly counts
and leaves others open. This module answers, for every assessment week and response state, *the
smallest and the largest number of patients consistent with every stated fact*, under assumptions
that are declared and named, never implied.

Model
-----
``n`` patients are assessed at consecutive weeks ``w_1 < ... < w_T`` (weekly assessments). At each
assessment a patient is in one state of :data:`masreview.data.vocab.RESPONSE_ORDER` (CR, PR, NR, dead);
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
  With ``basis="best"`` the count is of patients whose *best response* by that week (CR if ever in
  CR, PR if ever in PR, NR if neither, dead or alive) is one of the states.
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

How a source's sentences become facts, and the readings among which a reader may choose, are in
:mod:`masreview.generate.readings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from masreview.data import vocab

STATES: tuple[str, ...] = tuple(vocab.RESPONSE_ORDER)  # CR, PR, NR, dead


ALIVE: tuple[str, ...] = ("CR", "PR", "NR")


RANK = {"NR": 0, "PR": 1, "CR": 2}


OPS = ("==", ">=", "<=")
#: How a fact's operator reads in a table: 'week 2: at least 1 in CR'.
OP_WORDS = {"==": "", ">=": "at least ", "<=": "at most "}


BASES = ("state", "best")


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


def best_of(s: Ext) -> str:
    """Best response so far of a patient in extended state ``s``: CR, PR or NR (never responded)."""
    return "CR" if s[2] else "PR" if s[1] else "NR"


def _move(a: Ext, to: str) -> Ext:
    """The extended state after a patient in ``a`` is next seen in ``to`` (flags only ever switch on)."""
    if to == "dead":
        return ("dead", a[1], a[2])
    return (to, a[1] or to in ("PR", "CR"), a[2] or to == "CR")


@dataclass(frozen=True)
class CountFact:
    """``count(states at week) op value``; ``basis="best"``: best response by that week in ``states``."""

    week: int
    states: tuple[str, ...]
    op: str
    value: int
    source: str = ""
    basis: str = "state"

    def __post_init__(self):
        _check_states(self.states)
        _check_op(self.op)
        if self.basis not in BASES:
            raise ValueError(f"unknown basis '{self.basis}'; expected one of {BASES}")
        if self.basis == "best" and "dead" in self.states:
            raise ValueError("a best response is CR, PR or NR, never 'dead'")

    def describe(self) -> str:
        """In words: 'week 1: 9 in PR', 'week 2: at least 1 in CR', 'week 8: best response 6 in CR'."""
        what = "best response " if self.basis == "best" else ""
        return f"week {self.week}: {what}{OP_WORDS[self.op]}{self.value} in {' or '.join(self.states)}"


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
        """In words: 'into week 3: 1 from NR to PR'."""
        moves = " or ".join(f"from {a} to {b}" for a, b in self.moves)
        return f"into week {self.week}: {OP_WORDS[self.op]}{self.value} {moves}"


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
    assumed_weeks: tuple[int, ...] = ()  # assessment weeks the source does not describe (an assumption)

    def __post_init__(self):
        if not set(self.assumed_weeks) <= set(self.weeks):
            raise ValueError(f"assumed weeks {self.assumed_weeks} must be among the weeks {self.weeks}")
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
        stated = [w for w in self.weeks if w not in self.assumed_weeks]
        text = f"{self.n} patients assessed at weeks {', '.join(map(str, stated))}"
        if self.assumed_weeks:
            text += f" and (assumed) {', '.join(map(str, self.assumed_weeks))}"
        rows.insert(0, {"fact": text, "from": ""})
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


class Programme:
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

    def best_expr(self, t: int, states: Sequence[str]) -> dict[int, float]:
        """Patients at week index ``t`` whose best response so far is in ``states``."""
        return {self.y[(t, s)]: 1.0 for s in EXT_STATES if best_of(s) in states}

    def fact_expr(self, c: CountFact) -> dict[int, float]:
        t = self.facts.weeks.index(c.week)
        return self.best_expr(t, c.states) if c.basis == "best" else self.count_expr(t, c.states)

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
            self._add_op(self.fact_expr(c), c.op, c.value)
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
              extra: list[tuple[dict[int, float], float, float]] = (), relax_first: bool = False) -> np.ndarray:
        """An optimal integer solution. ``relax_first``: solve the linear relaxation first and keep its
        solution when it is integral (then it is optimal for the integer programme too, though it may
        be a different optimum: only for callers that use the objective value)."""
        c = np.zeros(self.nvar)
        for j, v in objective.items():
            c[j] = v if sense == "min" else -v
        if not hasattr(self, "_base"):
            self._base = self._matrix(self.rows)  # built once, shared by every solve
        constraints = [self._base] + ([self._matrix(list(extra))] if extra else [])
        bounds = Bounds(0, self.facts.n)
        if relax_first:
            lp = milp(c, constraints=constraints, bounds=bounds)
            if lp.status == 2:
                raise InfeasibleFacts(f"no trajectory satisfies the facts with assumptions: "
                                      f"{self.assumptions.describe()}")
            if lp.status == 0 and np.allclose(lp.x, np.rint(lp.x), atol=1e-7):
                return np.rint(lp.x).astype(int)
        res = milp(c, constraints=constraints, integrality=np.ones(self.nvar), bounds=bounds,
                   options={"presolve": True})
        if res.status == 2 or res.x is None:
            raise InfeasibleFacts(f"no trajectory satisfies the facts with assumptions: {self.assumptions.describe()}")
        if res.status != 0:
            raise RuntimeError(f"solver stopped: {res.message}")
        return np.rint(res.x).astype(int)

    def value(self, x: np.ndarray, expr: dict[int, float]) -> int:
        return int(round(sum(x[j] * v for j, v in expr.items())))


def holds(v: int, op: str, value: int) -> bool:
    return v == value if op == "==" else v >= value if op == ">=" else v <= value
