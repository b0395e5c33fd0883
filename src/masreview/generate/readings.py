"""How a narrative of weekly counts is read into facts, and the readings a reader can switch.

A sentence such as "Two additional patients progressed from PR to CR during the third week" or
"By week 8, 50% (10/20) ... had achieved partial ... responses" can be read in more than one way.
Each way that changes what the facts allow is a named switch of :class:`Reading`; the default
(every switch at its default) is the reading the reconstruction uses, and a chapter shows the
ranges under every combination (:func:`all_readings`). A reading is not an assumption about what
patients did (those are :class:`masreview.generate.weekly.Assumptions`); it is a choice of what the
source says.

Switches
--------
* ``weekly_assessment`` (default on): patients were assessed every week from the first to the last
  week the source names. Off: only at the weeks the source describes (the weeks of its counts and
  moves, and the assessment before each move).
* ``all_nr_never_responded`` (default off): each NR count is also a count of patients who had never
  responded (PR or CR) by then ("Four patients exhibited no response to treatment"). Off, the count
  is of patients in NR (or dead) at that week, who may have responded before and fallen back.
* ``moves_at_least`` (default off): a stated number of patients moving between two states ("two
  PR-to-CR") is a lower bound, not the exact number.
* ``best_response`` (default off): a response count at a week ("by week 8 ... had achieved") is the
  number whose best response by that week is that state, not the number in that state at it.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, fields

import pandas as pd

from masreview.data import vocab
from masreview.generate.weekly import CountFact, DeathFact, Facts, TransitionFact


@dataclass(frozen=True)
class Switch:
    """What a switch of :class:`Reading` means, on and off (for tables, charts and explorers)."""

    label: str
    on: str
    off: str


#: The switches of :class:`Reading`, in order, with their meaning on and off.
SWITCHES: dict[str, Switch] = {
    "weekly_assessment": Switch(
        "weekly assessment",
        "assessed every week from the first to the last week named (weeks not described are assumed)",
        "assessed only at the weeks the source describes"),
    "all_nr_never_responded": Switch(
        "the non-responders never responded",
        "every patient counted as NR had never responded (PR or CR) by then",
        "a patient counted as NR is NR (or dead) at that week and may have responded before"),
    "moves_at_least": Switch(
        "moves as lower bounds",
        "the stated numbers of patients moving between states are lower bounds",
        "the stated numbers of patients moving between states are exact"),
    "best_response": Switch(
        "counts as best response",
        "a response count at a week is of patients whose best response by then is that state",
        "a response count at a week is of patients in that state at that week"),
}


@dataclass(frozen=True)
class Reading:
    """One reading of a weekly narrative: a value for each switch of :data:`SWITCHES`."""

    weekly_assessment: bool = True
    all_nr_never_responded: bool = False
    moves_at_least: bool = False
    best_response: bool = False

    def switches(self) -> dict[str, bool]:
        return asdict(self)

    def departures(self) -> list[str]:
        """Labels of the switches set away from the default reading."""
        default = Reading()
        return [SWITCHES[k].label + (" (on)" if v else " (off)") for k, v in self.switches().items()
                if v != getattr(default, k)]

    def describe(self) -> str:
        """'default reading' or the switches it changes, e.g. 'moves as lower bounds (on)'."""
        return "; ".join(self.departures()) or "default reading"

    def explain(self) -> str:
        """Every switch in words."""
        return "; ".join(SWITCHES[k].on if v else SWITCHES[k].off for k, v in self.switches().items())


def all_readings() -> list[Reading]:
    """Every combination of the switches, the default reading first."""
    names = [f.name for f in fields(Reading)]
    default = Reading()
    combos = [Reading(**dict(zip(names, vals))) for vals in itertools.product((True, False), repeat=len(names))]

    def key(r: Reading) -> tuple:
        departed = [v != getattr(default, k) for k, v in r.switches().items()]
        return (sum(departed), [not d for d in departed])

    return sorted(combos, key=key)


def reading_table() -> pd.DataFrame:
    """The switches as a table: switch, default reading, the alternative."""
    default = Reading()
    return pd.DataFrame([{"switch": s.label,
                          "default reading": s.on if getattr(default, k) else s.off,
                          "alternative reading": s.off if getattr(default, k) else s.on}
                         for k, s in SWITCHES.items()])


def facts_from_measures(measures: pd.DataFrame, group: str = "ruxolitinib",
                        dying_never_responded: bool = False, reading: Reading = Reading()) -> Facts:
    """The weekly facts a source's ``measures.csv`` states for ``group``, under ``reading``.

    * ``patients`` -> n; assessments at every week from 1 to the last week any response row names
      (``reading.weekly_assessment``), or only at the described weeks;
    * ``response`` at week-N -> a count fact (category NR counts NR or dead, as the sources do;
      CR+PR counts both); with ``reading.best_response`` a count of best responses (NR: never
      responded, dead or alive); with ``reading.all_nr_never_responded`` an NR count is also a count
      of patients who never responded;
    * ``response-transition`` 'A->B' at week-N -> a transition fact into week N (read: in A at the
      previous assessment, in B at week N), ``==`` or, with ``reading.moves_at_least``, ``>=``;
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
    for _, r in first.iterrows():
        if r["unit"] != "week":
            raise ValueError(f"first-response-time row {r['measure_id']} is not in weeks")
    week_of = {i: int(vocab.timepoint_weeks(tp)) for i, tp in zip(weekly["measure_id"], weekly["timepoint"])}
    described = set(week_of.values()) | {int(v) for v in first["value"].dropna()} | {
        week_of[i] - 1 for i in weekly.loc[weekly["measure"] == "response-transition", "measure_id"]}
    described = {w for w in described if w >= 1} or {1}
    last = max(described)
    all_weeks = tuple(range(1, last + 1))
    weeks = all_weeks if reading.weekly_assessment else tuple(sorted(described))
    assumed = tuple(w for w in all_weeks if w not in described) if reading.weekly_assessment else ()

    def states(cat: str, basis: str) -> tuple[str, ...]:
        nr = ("NR",) if basis == "best" else ("NR", "dead")
        return {"NR": nr, "CR+PR": ("CR", "PR"), "any": ("CR", "PR")}.get(cat, (cat,))

    counts, transitions = [], []
    for _, r in weekly.iterrows():
        w, i, k = week_of[r["measure_id"]], r["measure_id"], int(r["numerator"])
        if r["measure"] == "response":
            basis = "best" if reading.best_response else "state"
            counts.append(CountFact(w, states(r["category"], basis), "==", k, i, basis))
            if r["category"] == "NR" and reading.all_nr_never_responded and basis == "state":
                counts.append(CountFact(w, ("NR",), "==", k, i, "best"))
        else:
            a, b = r["category"].split("->")
            transitions.append(TransitionFact(w, ((a, b),), ">=" if reading.moves_at_least else "==", k, i))
    for _, r in first.iterrows():
        w = int(r["value"])
        for earlier in weeks[: weeks.index(w)]:
            counts.append(CountFact(earlier, states(r["category"], "state"), "==", 0, r["measure_id"]))
        counts.append(CountFact(w, states(r["category"], "state"), ">=", 1, r["measure_id"]))
    surv = m[m["measure"] == "survival"]
    death = DeathFact()
    if not surv.empty:
        r = surv.iloc[0]
        death = DeathFact(int(r["denominator"]) - int(r["numerator"]), dying_never_responded, r["measure_id"])
    counts.sort(key=lambda c: (c.week, c.source, c.basis))
    transitions.sort(key=lambda c: (c.week, c.source))
    return Facts(n=n, weeks=weeks, counts=tuple(counts), transitions=tuple(transitions), death=death,
                 assumed_weeks=assumed)
