"""Survival of two groups when only counts are published: which test gives the printed P, and what
a log-rank test could give over declared scenarios for the unpublished death times.

* :func:`forensic_table` puts every usual test of two proportions (from :func:`masreview.analysis.stats.two_by_two_tests`)
  next to the range of log-rank P values over the scenario grid, with a verdict on whether each
  rounds to the printed P.
* :class:`ScenarioGrid` declares when the deaths may have happened and how long survivors were followed;
  :func:`run_grid` computes the log-rank P of every scenario with lifelines and, as an independent
  cross-check, with statsmodels.
* :func:`km_curves` / :func:`km_chart` draw Kaplan-Meier curves for every scenario, switched in the page by
  Vega-Lite dropdowns (no kernel); :func:`p_distribution_chart` shows the P values of all scenarios;
  :func:`explorer` is the same choice as an ipywidgets explorer for JupyterLab.

Nothing here invents a published number: scenarios are labelled as such and chapters show the range.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from masreview.analysis import stats

from masreview.data import vocab
from masreview.data.select import TREATED, events

CONTROL = "historical-control"


# --- counts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCounts:
    """Patients and deaths of one group."""

    n: int
    deaths: int

    @property
    def survivors(self) -> int:
        return self.n - self.deaths


def survival_counts(src) -> dict[str, GroupCounts]:
    """Patients and patients with a death event, per group, from a source's patient-level rows."""
    p, ev = src["patients"], src["events"]
    out = {}
    for g in vocab.GROUPS:
        ids = set(p.loc[p["group"] == g, "patient_id"])
        if ids:
            dead = ev.loc[(ev["event"] == "death") & ev["patient_id"].isin(ids), "patient_id"].nunique()
            out[g] = GroupCounts(len(ids), int(dead))
    return out


# --- which test gives the printed P --------------------------------------------------------------------


def rounding_verdict(p: float, printed: float, decimals: int) -> str:
    """Whether ``p`` prints as ``printed`` at ``decimals`` decimals; notes a match only by double rounding.

    Double rounding: rounding first to one more decimal, then again (0.010495 -> 0.0105 -> 0.011), a
    common slip that a correctly rounding program does not make.
    """
    if stats.rounds_to(p, printed, decimals):
        return "rounds to the printed value"
    once_more = round(float(p), decimals + 1)
    if stats.rounds_to(_round_half_up(once_more, decimals), printed, decimals):
        return (f"does not round to it ({p:.{decimals}f}); only by double rounding "
                f"({p:.{decimals + 3}f} -> {once_more:.{decimals + 1}f} -> {printed:.{decimals}f})")
    return f"does not round to it ({p:.{decimals}f})"


def _round_half_up(x: float, decimals: int) -> float:
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def forensic_table(treated: GroupCounts, control: GroupCounts, printed: float, decimals: int,
                   logrank: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per test: P, P at the printed precision, verdict. Survivors are compared (k of n alive).

    ``logrank``: :class:`masreview.analysis.logrank.LogrankBounds` (exact bounds over all death-time arrangements) or the output of
    :func:`run_grid`; adds one row with the range of log-rank P and how many arrangements round to the
    printed value.
    """
    t = stats.two_by_two_tests(treated.survivors, treated.n, control.survivors, control.n)
    rows = [{"test": r.test, "P": float(r.P), "printed as": f"{r.P:.{decimals}f}",
             "verdict": rounding_verdict(r.P, printed, decimals)} for r in t.itertuples()]
    if logrank is not None:
        if hasattr(logrank, "n_arrangements"):  # masreview.analysis.logrank.LogrankBounds
            lo, hi, k, total = logrank.min_p, logrank.max_p, logrank.n_printing, logrank.n_arrangements
            what, unit = "every death-time arrangement the declared windows allow", "arrangements"
        else:
            lo, hi = float(logrank["p_lifelines"].min()), float(logrank["p_lifelines"].max())
            k, total = int(consistent(logrank, printed, decimals).sum()), len(logrank)
            what, unit = "scenario grid", "scenarios"
        rows.append({"test": f"Log-rank (death times not published: {what})", "P": float("nan"),
                     "printed as": f"{lo:.{decimals}f} to {hi:.{decimals}f}",
                     "verdict": f"rounds to the printed value in {k} of {total} {unit}"})
    return pd.DataFrame(rows)


def reproducing_tests(table: pd.DataFrame) -> list[str]:
    """Tests of a :func:`forensic_table` whose P rounds to the printed value (log-rank: if any scenario does)."""
    out = []
    for r in table.itertuples():
        if r.verdict == "rounds to the printed value" or (r.test.startswith("Log-rank") and
                                                          not r.verdict.startswith("rounds to the printed value in 0 of")):
            out.append(r.test)
    return out


_SHORT = {stats.PEARSON: "Pearson chi-square", stats.YATES: "Yates-corrected chi-square",
          stats.N_MINUS_1: "N-1 chi-square", stats.FISHER_2: "Fisher's exact (two-sided)",
          stats.FISHER_1: "Fisher's exact (one-sided)", stats.BOSCHLOO: "Boschloo's exact",
          stats.BARNARD: "Barnard's exact"}


def short_test_name(test: str) -> str:
    """The short name of a test of :func:`masreview.analysis.stats.two_by_two_tests` for prose."""
    if test.startswith("Log-rank"):
        return "log-rank under some death times"
    return _SHORT.get(test, test)


# --- the scenario grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioGrid:
    """Declared assumptions about the unpublished times (weeks from the start of ruxolitinib).

    * the treated group's death(s) all at ``treated_death_week``;
    * the controls' deaths evenly spaced from ``control_first_death_week`` to ``control_last_death_week``;
    * survivors followed up to ``follow_up_weeks``: all of them to the end (``end``), or with follow-up
      times evenly spread from ``min_follow_up_weeks`` to the end (``staggered``).
    """

    treated_death_week: tuple[float, ...] = (1, 2, 3, 4, 6, 8, 12, 16)
    control_first_death_week: tuple[float, ...] = (1, 2, 4)
    control_last_death_week: tuple[float, ...] = (4, 8, 12, 24)
    follow_up_weeks: tuple[float, ...] = (26, 52)
    censoring: tuple[str, ...] = ("end", "staggered")
    min_follow_up_weeks: float = 8

    PARAMETERS = ("treated_death_week", "control_first_death_week", "control_last_death_week",
                  "follow_up_weeks", "censoring")

    def scenarios(self) -> pd.DataFrame:
        """Every valid combination (first death week not after the last; deaths before the end of follow-up)."""
        rows = []
        for combo in itertools.product(*(getattr(self, p) for p in self.PARAMETERS)):
            s = dict(zip(self.PARAMETERS, combo))
            if s["control_first_death_week"] > s["control_last_death_week"]:
                continue
            if max(s["treated_death_week"], s["control_last_death_week"]) >= s["follow_up_weeks"]:
                continue
            rows.append(s)
        df = pd.DataFrame(rows)
        df.insert(0, "scenario", range(1, len(df) + 1))
        return df

    def describe(self) -> pd.DataFrame:
        """The grid as a table a reader can check: parameter, values, meaning."""
        meaning = {
            "treated_death_week": "week of the death(s) in the ruxolitinib group",
            "control_first_death_week": "week of the first control death",
            "control_last_death_week": "week of the last control death (deaths evenly spaced in between)",
            "follow_up_weeks": "end of follow-up",
            "censoring": "end: every survivor followed to the end; staggered: survivors' follow-up evenly "
                         f"spread from week {self.min_follow_up_weeks:g} to the end",
        }
        return pd.DataFrame([{"parameter": p, "values": ", ".join(_fmt(v) for v in getattr(self, p)),
                              "meaning": meaning[p]} for p in self.PARAMETERS])


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def list_words(values, last: str = "or") -> str:
    """'1, 2 or 3' (numbers without trailing zeros); 'none' for an empty list."""
    items = [_fmt(v) for v in values]
    if not items:
        return "none"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def death_times(k: int, first: float, last: float) -> np.ndarray:
    """``k`` death times evenly spaced from ``first`` to ``last`` (all at ``first`` when k = 1)."""
    return np.linspace(first, last, k) if k > 1 else np.full(k, float(first))


def censor_times(k: int, follow_up: float, censoring: str, min_follow_up: float) -> np.ndarray:
    """Follow-up times of ``k`` survivors."""
    if censoring == "end":
        return np.full(k, float(follow_up))
    if censoring == "staggered":
        return np.linspace(min_follow_up, follow_up, k) if k > 1 else np.full(k, float(follow_up))
    raise ValueError(f"censoring must be 'end' or 'staggered'; got '{censoring}'")


def scenario_data(counts: dict[str, GroupCounts], scenario: dict, min_follow_up: float = 8) -> pd.DataFrame:
    """Patient-level (group, time in weeks, event 1 = death / 0 = censored) rows of one scenario."""
    s = scenario
    frames = []
    for g, (first, last) in ((TREATED, (s["treated_death_week"], s["treated_death_week"])),
                             (CONTROL, (s["control_first_death_week"], s["control_last_death_week"]))):
        c = counts[g]
        t = np.concatenate([death_times(c.deaths, first, last),
                            censor_times(c.survivors, s["follow_up_weeks"], s["censoring"], min_follow_up)])
        e = np.r_[np.ones(c.deaths, int), np.zeros(c.survivors, int)]
        frames.append(pd.DataFrame({"group": g, "time": t, "event": e}))
    return pd.concat(frames, ignore_index=True)


def logrank_p(df: pd.DataFrame) -> float:
    """Two-sided log-rank P (lifelines) of treated versus control."""
    from lifelines.statistics import logrank_test

    a, b = df[df["group"] == TREATED], df[df["group"] == CONTROL]
    return float(logrank_test(a["time"], b["time"], a["event"], b["event"]).p_value)


def logrank_p_statsmodels(df: pd.DataFrame) -> float:
    """The same log-rank P from statsmodels' survdiff (independent implementation)."""
    from statsmodels.duration.survfunc import survdiff

    return float(survdiff(df["time"].to_numpy(), df["event"].to_numpy(), df["group"].to_numpy())[1])


def run_grid(counts: dict[str, GroupCounts], grid: ScenarioGrid | None = None) -> pd.DataFrame:
    """Every scenario of the grid with its log-rank P (lifelines and statsmodels)."""
    grid = grid or ScenarioGrid()
    sc = grid.scenarios()
    p_ll, p_sm = [], []
    for s in sc.to_dict("records"):
        d = scenario_data(counts, s, grid.min_follow_up_weeks)
        p_ll.append(logrank_p(d))
        p_sm.append(logrank_p_statsmodels(d))
    sc["p_lifelines"] = p_ll
    sc["p_statsmodels"] = p_sm
    return sc


def consistent(table: pd.DataFrame, printed: float, decimals: int) -> pd.Series:
    """Scenarios whose log-rank P rounds to the printed value."""
    return table["p_lifelines"].map(lambda p: stats.rounds_to(p, printed, decimals))


def consistent_summary(table: pd.DataFrame, printed: float, decimals: int) -> pd.DataFrame:
    """For each parameter value: scenarios, how many are consistent with the printed P, P range."""
    ok = consistent(table, printed, decimals)
    rows = []
    for p in ScenarioGrid.PARAMETERS:
        for v, sub in table.groupby(p, sort=True):
            k = int(ok[sub.index].sum())
            rows.append({"parameter": p, "value": _fmt(v), "scenarios": len(sub), "consistent": k,
                         "log-rank P from": float(sub["p_lifelines"].min()),
                         "to": float(sub["p_lifelines"].max())})
    return pd.DataFrame(rows)


def consistent_values(table: pd.DataFrame, printed: float, decimals: int) -> dict[str, list]:
    """Parameter values that occur among the consistent scenarios (empty lists when none is)."""
    sub = table[consistent(table, printed, decimals)]
    return {p: sorted(sub[p].unique().tolist()) for p in ScenarioGrid.PARAMETERS}


def consistency_sentence(table: pd.DataFrame, printed: float, decimals: int, grid: ScenarioGrid) -> str:
    """Where the consistent scenarios put the treated death, in one sentence for the prose."""
    weeks = consistent_values(table, printed, decimals)["treated_death_week"]
    if not weeks:
        return "No scenario of the grid gives it."
    never = [w for w in grid.treated_death_week if w not in weeks]
    tail = (f"; none with the death at week {list_words(never)} does." if never
            else "; every week of the grid appears among them.")
    return f"Those scenarios put the ruxolitinib death at week {list_words(weeks)}{tail}"


# --- Kaplan-Meier ----------------------------------------------------------------------------------------


def km_steps(df: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier estimate per group (lifelines) at 0 and every observed time, with the statsmodels value.

    Columns: group, time, survival, survival_statsmodels, at_risk, deaths, censored.
    """
    from lifelines import KaplanMeierFitter
    from statsmodels.duration.survfunc import SurvfuncRight

    out = []
    for g, sub in df.groupby("group", sort=False):
        kmf = KaplanMeierFitter().fit(sub["time"], sub["event"])
        sm = SurvfuncRight(sub["time"].to_numpy(), sub["event"].to_numpy())
        times = np.r_[0.0, np.unique(sub["time"])]
        s_ll = kmf.survival_function_at_times(times).to_numpy()
        # statsmodels gives S at its event times; carry it forward to every time
        idx = np.searchsorted(sm.surv_times, times, side="right") - 1
        s_sm = np.where(idx >= 0, sm.surv_prob[np.clip(idx, 0, None)], 1.0)
        for t, a, b in zip(times, s_ll, s_sm):
            out.append({"group": g, "time": float(t), "survival": float(a), "survival_statsmodels": float(b),
                        "at_risk": int((sub["time"] >= t).sum()),
                        "deaths": int(((sub["time"] == t) & (sub["event"] == 1)).sum()),
                        "censored": int(((sub["time"] == t) & (sub["event"] == 0)).sum())})
    return pd.DataFrame(out)


_CURVE_KEYS = {TREATED: ("treated_death_week", "follow_up_weeks", "censoring"),
               CONTROL: ("control_first_death_week", "control_last_death_week", "follow_up_weeks", "censoring")}


def km_curves(counts: dict[str, GroupCounts], grid: ScenarioGrid | None = None) -> pd.DataFrame:
    """KM steps of every distinct curve of the grid (a treated curve depends only on its own parameters).

    Columns not relevant to a group are empty, so that a chart can pick both curves of a scenario by
    filtering each on its own parameters.
    """
    grid = grid or ScenarioGrid()
    sc = grid.scenarios()
    frames = []
    for g, keys in _CURVE_KEYS.items():
        for combo in sc[list(keys)].drop_duplicates().itertuples(index=False):
            s = dict(zip(keys, combo))
            full = {**sc.iloc[0][list(ScenarioGrid.PARAMETERS)].to_dict(), **s}
            steps = km_steps(scenario_data(counts, full, grid.min_follow_up_weeks))
            steps = steps[steps["group"] == g].copy()
            for p in ScenarioGrid.PARAMETERS:
                steps[p] = s.get(p, None)
            frames.append(steps)
    out = pd.concat(frames, ignore_index=True)
    out["group_label"] = out["group"].map(vocab.GROUPS)
    return out


def km_max_difference(curves: pd.DataFrame) -> float:
    """Largest |lifelines - statsmodels| over all KM steps (the cross-check)."""
    return float((curves["survival"] - curves["survival_statsmodels"]).abs().max())


# --- JupyterLab explorer -------------------------------------------------------------------------------




def event_patients(src, event: str, group: str = TREATED) -> int:
    """Patients of ``group`` with at least one ``event`` row (e.g. cmv-infection)."""
    return int(events(src, group, event)["patient_id"].nunique())
