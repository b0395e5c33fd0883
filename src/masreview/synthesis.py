"""Synthesis across sources: cohorts counted once, per-cohort outcomes, pooling, subgroups, the flow.

Everything here is computed from the loaded :class:`~masreview.loading.Dataset` alone, so a source
added under ``data/sources/`` appears in every table and number without code changes.

Rules (stated again in the synthesis and methods chapters, from :data:`RULES`):

* **Cohorts once.** Reports sharing a ``cohort_id`` describe the same patients. A cohort's numbers
  come from its ``primary_source`` (``data/cohorts.yaml``); other reports of it appear in the evidence
  table but add no patients.
* **Patient rows first.** When the primary source has patient rows (``patients.csv``), outcomes are
  counted from them (reported or reconstructed, and the basis says which); otherwise from its
  reported measures.
* **Response** is read at the primary source's main assessment: the latest time at which it records a
  response state for its treated patients (``observations.csv``), or, without such rows, the latest
  timepoint of its ``response`` measures. Overall response is CR or PR; a patient who died before the
  assessment counts as not responding. A treated patient without a recorded response state at that
  time is *not assessable* and leaves the denominator; a cohort with no assessable patient does not
  contribute to response. A response is never inferred from free text.
* **Survival** is alive at the last follow-up the source reports: treated patients without a death
  event (patient rows), or the source's ``survival`` measure for the treated group.
* **Pooling**: random effects (DerSimonian-Laird) on the logit of the proportions, through
  ``statsmodels.stats.meta_analysis.combine_effects``, with 0.5 added to events and non-events of a
  cohort with 0 or n events only. Pooling needs at least two cohorts.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import vocab
from .loading import Dataset, SourceData
from .sources import short_citation, source_url, treated_n
from .stats import proportion_ci

CONTINUITY = 0.5  # added to events and non-events of a cohort with 0 or n events (logit needs both)
ALPHA = 0.05
TREATED = "ruxolitinib"

OUTCOMES: dict[str, str] = {
    "overall-response": "Overall response (CR or PR)",
    "complete-response": "Complete response (CR)",
    "survival": "Survival to last follow-up",
}

POOLING_METHOD = (
    "Random-effects meta-analysis of proportions on the logit scale, DerSimonian-Laird estimate of the "
    "between-cohort variance (tau\u00b2, truncated at zero), inverse-variance weights, normal 95% interval "
    "back-transformed to a proportion; computed with statsmodels.stats.meta_analysis.combine_effects "
    "(method_re='dl'). A cohort with 0 or all events gets 0.5 added to events and non-events. "
    "Per-cohort intervals are exact (Clopper-Pearson). A generalised linear mixed model is not used."
)


# ---------------------------------------------------------------------------------------------------
# Cohorts and their patients
# ---------------------------------------------------------------------------------------------------


def cohort_reports(ds: Dataset) -> dict[str, list[SourceData]]:
    """cohort_id -> included reports of it, primary source first, then by source id."""
    out: dict[str, list[SourceData]] = {}
    for s in sorted(ds.included(), key=lambda s: s.id):
        out.setdefault(s.record.cohort_id, []).append(s)
    for cid, members in out.items():
        primary = ds.cohorts[cid].primary_source
        members.sort(key=lambda s: (s.id != primary, s.id))
    return dict(sorted(out.items(), key=lambda kv: kv[1][0].id))


def primary_source(ds: Dataset, cohort_id: str) -> SourceData | None:
    """The report whose rows represent the cohort (None when it is not an included source)."""
    pid = ds.cohorts[cohort_id].primary_source
    s = ds.sources.get(pid)
    return s if s is not None and s.record.status == "included" else None


def _days(time, unit) -> float:
    return float(time) * vocab.TIME_UNITS[unit]


def _timepoint_label(days: float) -> str:
    """'week 8' / 'day 3' / 'month 3' for a time in days (the largest whole unit)."""
    for unit in ("month", "week", "day"):
        n = days / vocab.TIME_UNITS[unit]
        if abs(n - round(n)) < 1e-9 and n >= 1:
            return f"{unit} {int(round(n))}"
    return f"day {days:g}"


def patient_outcomes(src: SourceData) -> pd.DataFrame:
    """One row per treated patient of a source with patient rows: disease, survival, main response.

    Columns: patient_id, disease, disease_origin, alive, survival_origin, response_state,
    response_origin, response_time (label of the main assessment, '' when none).
    """
    # Plain Python over the columns (the synthesis calls this once per cohort, several times per page).
    p = src["patients"]
    treated = [(pid, disease, origin) for pid, group, disease, origin in
               zip(*(p[c].tolist() for c in ("patient_id", "group", "disease", "origin"))) if group == TREATED]
    ev = src["events"]
    deaths: dict = {}  # patient -> origin of their first death row
    for pid, event, origin in zip(*(ev[c].tolist() for c in ("patient_id", "event", "origin"))):
        if event == "death":
            deaths.setdefault(pid, origin)
    obs = src["observations"]
    ids = {pid for pid, _, _ in treated}
    states = [(pid, _days(t, u), state, origin) for pid, t, u, measure, state, origin in
              zip(*(obs[c].tolist() for c in ("patient_id", "time", "time_unit", "measure", "state", "origin")))
              if measure == "response-state" and pid in ids]
    label, at = "", {}  # at: patient -> (state, origin) of their first row at the main assessment
    if states:
        latest = max(days for _, days, _, _ in states)
        for pid, days, state, origin in states:
            if abs(days - latest) < 1e-9:
                at.setdefault(pid, (state, origin))
        label = _timepoint_label(latest)
    rows = []
    for pid, disease, origin in treated:
        dead = pid in deaths
        state = at[pid][0] if pid in at else None
        rows.append({
            "patient_id": pid,
            "disease": disease if pd.notna(disease) else None,
            "disease_origin": origin,
            "alive": not dead,
            "survival_origin": deaths[pid] if dead else origin,
            "response_state": state,
            "response_origin": at[pid][1] if state is not None else None,
            "response_time": label if state is not None else "",
        })
    return pd.DataFrame(rows, columns=["patient_id", "disease", "disease_origin", "alive", "survival_origin",
                                       "response_state", "response_origin", "response_time"])


def _basis(origins) -> str:
    origins = set(o for o in origins if o)
    if not origins:
        return ""
    return "patient rows (reconstructed)" if "reconstructed" in origins else "patient rows (reported)"


def _from_patients(po: pd.DataFrame) -> dict[str, dict]:
    """Outcome counts from :func:`patient_outcomes` rows."""
    out = {}
    n = len(po)
    out["survival"] = dict(events=int(po["alive"].sum()), total=n, basis=_basis(po["survival_origin"]),
                           timepoint="last follow-up", reason="")
    assessed = po[po["response_state"].notna()]
    tp = assessed["response_time"].iloc[0] if len(assessed) else ""
    missing = n - len(assessed)
    reason = "" if len(assessed) else "no response state recorded for a treated patient"
    if len(assessed) and missing:
        reason = f"{missing} treated patient(s) without a response state at {tp}: not assessable"
    states = assessed["response_state"]
    for outcome, hit in (("overall-response", states.isin(["CR", "PR"])), ("complete-response", states == "CR")):
        out[outcome] = dict(events=int(hit.sum()) if len(assessed) else None,
                            total=len(assessed) if len(assessed) else None,
                            basis=_basis(assessed["response_origin"]), timepoint=tp, reason=reason)
    return out


def _from_measures(src: SourceData, n: int | None) -> dict[str, dict]:
    """Outcome counts from a source's reported measures (no patient rows)."""
    m = src["measures"]
    m = m[m["group"] == TREATED]
    out = {}
    surv = m[m["measure"] == "survival"]
    if len(surv) and pd.notna(surv["numerator"].iloc[-1]) and pd.notna(surv["denominator"].iloc[-1]):
        out["survival"] = dict(events=int(surv["numerator"].iloc[-1]), total=int(surv["denominator"].iloc[-1]),
                               basis="reported measures", timepoint="last follow-up", reason="")
    else:
        out["survival"] = dict(events=None, total=None, basis="", timepoint="", reason="survival not reported")
    resp = m[m["measure"] == "response"].copy()
    resp["weeks"] = resp["timepoint"].map(vocab.timepoint_weeks)
    resp = resp[resp["weeks"].notna()]
    empty = dict(events=None, total=None, basis="", timepoint="", reason="no response state reported")
    out["overall-response"] = dict(empty)
    out["complete-response"] = dict(empty)
    if len(resp):
        latest = resp[resp["weeks"] == resp["weeks"].max()]
        tp = latest["timepoint"].iloc[0].replace("-", " ")
        dens = latest["denominator"].dropna()
        total = int(dens.iloc[0]) if len(dens) else n
        counts = {c: int(k) for c, k in zip(latest["category"], latest["numerator"]) if pd.notna(k)}
        if total:
            if "CR" in counts:
                out["complete-response"] = dict(events=counts["CR"], total=total, basis="reported measures",
                                                timepoint=tp, reason="")
            if "CR" in counts and "PR" in counts:
                out["overall-response"] = dict(events=counts["CR"] + counts["PR"], total=total,
                                               basis="reported measures", timepoint=tp, reason="")
    return out


def cohorts_table(ds: Dataset) -> pd.DataFrame:
    """One row per independent cohort: label, primary source, reports, population, diseases, treated n."""
    rows = []
    for cid, members in cohort_reports(ds).items():
        prim = primary_source(ds, cid) or members[0]
        rows.append({
            "cohort_id": cid,
            "cohort": ds.cohorts[cid].label,
            "primary_source": prim.id,
            "reports": [s.id for s in members],
            "population": prim.record.population,
            "diseases": list(prim.record.underlying_diseases),
            "treated": treated_n(prim),
        })
    return pd.DataFrame(rows, columns=["cohort_id", "cohort", "primary_source", "reports", "population",
                                       "diseases", "treated"])


def cohort_outcomes(ds: Dataset) -> pd.DataFrame:
    """One row per cohort and outcome, counted from the cohort's primary source (see the module rules).

    Columns: cohort_id, cohort, primary_source, population, diseases, outcome, events, total,
    assessable, percent, ci_low, ci_high (exact, in percent), timepoint, basis, reason.
    """
    rows = []
    for c in cohorts_table(ds).itertuples():
        src = ds.source(c.primary_source)
        counts = _from_patients(patient_outcomes(src)) if len(src["patients"]) else _from_measures(src, c.treated)
        for outcome in OUTCOMES:
            d = counts[outcome]
            ok = d["events"] is not None and d["total"]
            ci = proportion_ci(d["events"], d["total"]) if ok else None
            rows.append({
                "cohort_id": c.cohort_id, "cohort": c.cohort, "primary_source": c.primary_source,
                "population": c.population, "diseases": c.diseases, "outcome": outcome,
                "events": d["events"] if ok else None, "total": d["total"] if ok else None, "assessable": bool(ok),
                "percent": 100 * ci.estimate if ok else None, "ci_low": 100 * ci.low if ok else None,
                "ci_high": 100 * ci.high if ok else None, "timepoint": d["timepoint"], "basis": d["basis"],
                "reason": d["reason"] if not ok else d["reason"],
            })
    df = pd.DataFrame(rows, columns=["cohort_id", "cohort", "primary_source", "population", "diseases", "outcome",
                                     "events", "total", "assessable", "percent", "ci_low", "ci_high", "timepoint",
                                     "basis", "reason"])
    for col in ("events", "total"):
        df[col] = df[col].astype("Int64")
    return df


# ---------------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled proportion (plain floats, percent where named so)."""

    outcome: str
    k: int  # cohorts pooled
    events: int  # sum of events (for information; the estimate is not events/patients)
    total: int
    percent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    tau2: float | None = None
    i2: float | None = None  # percent
    q: float | None = None
    q_df: int | None = None
    p_heterogeneity: float | None = None
    weights: dict = field(default_factory=dict)  # cohort_id -> relative random-effects weight
    corrected: tuple = ()  # cohort ids that got the continuity correction
    note: str = ""

    @property
    def pooled(self) -> bool:
        return self.percent is not None


def logit_effects(events, totals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logit proportions, their variances 1/x + 1/(n - x), and which rows were corrected."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    corrected = (x == 0) | (x == n)
    x = np.where(corrected, x + CONTINUITY, x)
    n = np.where(corrected, n + 2 * CONTINUITY, n)
    return np.log(x / (n - x)), 1 / x + 1 / (n - x), corrected


def _expit(v: float) -> float:
    return float(1 / (1 + math.exp(-v)))


def pool_proportions(events, totals, ids=None, outcome: str = "") -> Pooled:
    """Random-effects (DerSimonian-Laird) pooled proportion on the logit scale; k >= 2 to pool.

    statsmodels' ``combine_effects(method_re='dl')`` computes Q, the fixed-effect and the random-effects
    estimates; it does not truncate a negative DL tau\u00b2 at zero (statsmodels 0.15), so here tau\u00b2 is
    max(0, (Q - df) / C) as DerSimonian and Laird define it: with tau\u00b2 = 0 the random-effects estimate
    is the fixed-effect (inverse-variance) one. I\u00b2 = max(0, (Q - df) / Q).
    """
    from scipy import stats as sps
    from statsmodels.stats.meta_analysis import combine_effects

    events = [int(e) for e in events]
    totals = [int(n) for n in totals]
    ids = list(ids) if ids is not None else list(range(len(events)))
    k = len(events)
    base = dict(outcome=outcome, k=k, events=sum(events), total=sum(totals))
    if k < 2:
        return Pooled(**base, note="fewer than two cohorts: nothing to pool")
    y, v, corrected = logit_effects(events, totals)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = combine_effects(y, v, method_re="dl", row_names=ids)
    q = float(res.q)
    df = k - 1
    w_fe = 1 / v
    c = w_fe.sum() - (w_fe ** 2).sum() / w_fe.sum()
    tau2 = max(0.0, (q - df) / c)
    if float(res.tau2) > 0:
        mu, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
        w = np.asarray(res.weights_rel_re, dtype=float)
    else:  # tau2 truncated at zero: random effects = fixed effect
        mu, se = float(res.mean_effect_fe), float(res.sd_eff_w_fe)
        w = np.asarray(res.weights_rel_fe, dtype=float)
    z = float(sps.norm.isf(ALPHA / 2))
    return Pooled(
        **base,
        percent=100 * _expit(mu), ci_low=100 * _expit(mu - z * se), ci_high=100 * _expit(mu + z * se),
        tau2=float(tau2), i2=float(100 * max(0.0, (q - df) / q)) if q > 0 else 0.0, q=q, q_df=df,
        p_heterogeneity=float(sps.chi2.sf(q, df)),
        weights={i: float(wi) for i, wi in zip(ids, w)},
        corrected=tuple(i for i, cflag in zip(ids, corrected) if cflag),
    )


def pooled_results(outcomes: pd.DataFrame) -> dict[str, Pooled]:
    """outcome -> :class:`Pooled` over the assessable cohorts in ``outcomes`` (from :func:`cohort_outcomes`)."""
    out = {}
    for outcome in OUTCOMES:
        rows = outcomes[(outcomes["outcome"] == outcome) & outcomes["assessable"]]
        out[outcome] = pool_proportions(rows["events"].astype(int), rows["total"].astype(int),
                                        rows["cohort_id"], outcome)
    return out


def pooling_caveat(k: int, smallest_n: int | None = None) -> str:
    """What a pooled number can and cannot mean with ``k`` cohorts (a sentence for the chapter)."""
    if k < 2:
        return ("Fewer than two independent cohorts report this outcome, so nothing is pooled: the number "
                "shown is that cohort's own proportion.")
    small = (f" One of them has {smallest_n} patient{'s' if smallest_n != 1 else ''}." if smallest_n is not None
             and smallest_n < 5 else "")
    if k <= 3:
        return (f"With only {k} independent cohorts the pooled number is arithmetic: a weighted average of "
                f"{k} proportions, not evidence of a common effect.{small} Between-cohort variance (tau\u00b2) "
                "and I\u00b2 cannot be estimated usefully from so few cohorts; they are shown as computed, and "
                "a value of zero means 'not detectable here', not 'absent'. The cohorts also differ in "
                "population, underlying disease, response criteria and follow-up.")
    return (f"{k} independent cohorts are pooled. The estimate assumes their true proportions vary around a "
            "common mean; read it with the heterogeneity statistics and the differences in population, "
            "underlying disease, response criteria and follow-up between cohorts.")


def pooled_table(outcomes: pd.DataFrame, pooled: dict[str, Pooled]) -> pd.DataFrame:
    """Reader-facing table: one row per outcome with cohorts, patients, pooled estimate and heterogeneity."""
    rows = []
    for outcome, label in OUTCOMES.items():
        p = pooled[outcome]
        sel = outcomes[outcomes["outcome"] == outcome]
        rows.append({
            "Outcome": label,
            "Cohorts with data": f"{p.k} of {len(sel)}",
            "Patients assessable": p.total,
            "Pooled % (95% CI)": f"{p.percent:.1f} ({p.ci_low:.1f} to {p.ci_high:.1f})" if p.pooled else
            ("not pooled: " + (f"one cohort, {_cohort_cell(sel[sel['assessable']].iloc[0])}" if p.k == 1
                                else "no cohort")),
            "tau\u00b2": f"{p.tau2:.3f}" if p.pooled else "",
            "I\u00b2 (%)": f"{p.i2:.0f}" if p.pooled else "",
            "Q (df), P": f"{p.q:.2f} ({p.q_df}), P = {p.p_heterogeneity:.2f}" if p.pooled else "",
        })
    return pd.DataFrame(rows)


def _cohort_cell(r) -> str:
    return f"{int(r['events'])}/{int(r['total'])} = {r['percent']:.1f}%"


PER_COHORT_CELL = ("events/assessable patients = percent (exact 95% interval), when assessed; weight in the "
                   "pooled estimate")


def _outcome_cell(r, p: Pooled) -> str:
    """One cohort's result for one outcome, in one cell (see :data:`PER_COHORT_CELL`)."""
    if not r.assessable:
        return f"not assessable: {r.reason}" if r.reason else "not assessable"
    text = f"{r.events}/{r.total} = {r.percent:.1f}% ({r.ci_low:.1f} to {r.ci_high:.1f})"
    if r.timepoint:
        text += f", {r.timepoint}"
    if p.pooled and r.cohort_id in p.weights:
        text += f"; weight {100 * p.weights[r.cohort_id]:.1f}%"
        if r.cohort_id in p.corrected:
            text += " [0.5 added: 0 or all events]"
    return text


def per_cohort_table(outcomes: pd.DataFrame, pooled: dict[str, Pooled]) -> pd.DataFrame:
    """Reader-facing table, one row per cohort and one column per outcome.

    Each outcome cell holds events/assessable, percent with its exact 95% interval, the assessment and the
    cohort's weight in the pooled estimate (:data:`PER_COHORT_CELL`), or "not assessable" with the reason.
    "Counted from" names the basis of the assessable outcomes (per outcome where they differ); "Note" holds
    the remarks on assessable outcomes (such as treated patients without a response state).
    """
    rows = []
    for cohort_id, o in outcomes.groupby("cohort_id", sort=False):
        first = o.iloc[0]
        row = {"Cohort": cohort_id, "Population": vocab.POPULATIONS[first["population"]]}
        bases: dict[str, list[str]] = {}
        notes: list[str] = []
        for r in o.itertuples():
            row[OUTCOMES[r.outcome]] = _outcome_cell(r, pooled[r.outcome])
            if r.assessable:
                bases.setdefault(r.basis, []).append(OUTCOMES[r.outcome].split(" (")[0].lower())
                if r.reason and r.reason not in notes:
                    notes.append(r.reason)
        row["Counted from"] = (next(iter(bases)) if len(bases) == 1
                               else "; ".join(f"{', '.join(names)}: {basis}" for basis, names in bases.items()))
        row["Note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows, columns=["Cohort", "Population", *OUTCOMES.values(), "Counted from", "Note"])


# ---------------------------------------------------------------------------------------------------
# Forest plot
# ---------------------------------------------------------------------------------------------------


#: Above this many assessable cohorts for one outcome, the forest plot shows their spread in one row
#: (median, interquartile range and range of the cohorts' proportions) instead of one row per cohort: the
#: chart stays readable and the page light. Every cohort's own number stays in the per-cohort table and
#: the downloads.
FOREST_MAX_COHORTS = 40
SPREAD_KIND = "cohorts: median, interquartile range, range"


def forest_data(outcomes: pd.DataFrame, pooled: dict[str, Pooled],
                max_cohorts: int = FOREST_MAX_COHORTS) -> pd.DataFrame:
    """Rows for the forest plot: each assessable cohort (exact CI) and each pooled estimate; for an
    outcome with more than ``max_cohorts`` assessable cohorts, one row of their spread instead (with
    ``q1``/``q3`` columns, present only then)."""
    rows = []
    assessable = outcomes[outcomes["assessable"]]
    counts = assessable["outcome"].value_counts()
    many = {o for o, k in counts.items() if k > max_cohorts}
    for r in assessable.itertuples():
        if r.outcome in many:
            continue
        rows.append({"outcome": OUTCOMES[r.outcome], "row": f"{r.cohort_id} ({r.events}/{r.total})",
                     "kind": "cohort (exact 95% CI)", "percent": r.percent, "low": r.ci_low, "high": r.ci_high,
                     "label": r.cohort, "order": 0})
    for outcome in OUTCOMES:
        if outcome in many:
            pct = assessable.loc[assessable["outcome"] == outcome, "percent"].astype(float)
            q1, median, q3 = (float(v) for v in pct.quantile([0.25, 0.5, 0.75]))
            rows.append({"outcome": OUTCOMES[outcome], "row": f"{len(pct)} cohorts (each in the table)",
                         "kind": SPREAD_KIND, "percent": median, "low": float(pct.min()), "high": float(pct.max()),
                         "label": f"{len(pct)} cohorts: median {median:.1f}%, interquartile range {q1:.1f} to "
                                  f"{q3:.1f}%, range {pct.min():.1f} to {pct.max():.1f}%",
                         "order": 0, "q1": q1, "q3": q3})
    for outcome, p in pooled.items():
        if p.pooled:
            rows.append({"outcome": OUTCOMES[outcome], "row": f"pooled, random effects (k = {p.k})",
                         "kind": "pooled (random effects, 95% CI)", "percent": p.percent, "low": p.ci_low,
                         "high": p.ci_high, "label": f"I\u00b2 {p.i2:.0f}%, tau\u00b2 {p.tau2:.3f}", "order": 1})
    columns = ["outcome", "row", "kind", "percent", "low", "high", "label", "order"]
    return pd.DataFrame(rows, columns=columns + (["q1", "q3"] if many else []))


def forest_chart(outcomes: pd.DataFrame, pooled: dict[str, Pooled]):
    """Altair forest plot: one panel per outcome, cohorts with exact CIs, pooled rows as diamonds.

    Panels are concatenated (not faceted) so that each has only its own rows; tooltips give the numbers.
    """
    import altair as alt

    data = forest_data(outcomes, pooled)
    spread = "q1" in data.columns
    kinds = ["cohort (exact 95% CI)", "pooled (random effects, 95% CI)"] + ([SPREAD_KIND] if spread else [])
    colour = alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=["#1f4e79", "#b35806", "#555555"][:len(kinds)]),
                       title=None)
    scale = alt.Scale(domain=[0, 100])
    panels = []
    labels = list(OUTCOMES.values())
    for n, label in enumerate(labels):
        rows = data[data["outcome"] == label]
        if not len(rows):
            continue
        base = alt.Chart(rows).encode(
            y=alt.Y("row:N", title=None, sort=alt.EncodingSortField("order", order="ascending"),
                    axis=alt.Axis(labelLimit=320)),
            tooltip=[alt.Tooltip("label:N", title="cohort"), alt.Tooltip("percent:Q", format=".1f", title="%"),
                     alt.Tooltip("low:Q", format=".1f", title="95% CI low"),
                     alt.Tooltip("high:Q", format=".1f", title="95% CI high"), alt.Tooltip("kind:N", title="row")],
        )
        last = n == len(labels) - 1 or not any(len(data[data["outcome"] == later]) for later in labels[n + 1:])
        x_axis = alt.Axis(title="Percent of patients" if last else None, labels=last)
        rule = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", scale=scale, axis=x_axis), x2="high:Q",
                                                    color=colour)
        point = base.mark_point(filled=True, size=90, opacity=1).encode(
            x=alt.X("percent:Q", scale=scale, axis=x_axis),
            shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=["square", "diamond", "circle"][:len(kinds)]),
                            title=None),
            color=colour,
        )
        layers = [rule, point]
        if spread and (rows["kind"] == SPREAD_KIND).any():
            layers.insert(1, base.transform_filter(alt.datum.kind == SPREAD_KIND).mark_rule(
                strokeWidth=9, opacity=0.45).encode(x=alt.X("q1:Q", scale=scale, axis=x_axis), x2="q3:Q",
                                                   color=colour))
        panels.append(alt.layer(*layers).properties(width=420, title=alt.Title(label, anchor="start",
                                                                                fontSize=12)))
    return alt.vconcat(
        *panels,
        title=alt.Title("Proportions per independent cohort and pooled",
                        subtitle="Squares: cohorts with exact 95% intervals; diamonds: random-effects pooled "
                                 "estimate (only with two or more cohorts)." + (
                                     f" With more than {FOREST_MAX_COHORTS} cohorts, one grey row shows their "
                                     "median (circle), interquartile range (thick) and range (thin)."
                                     if spread else "")),
        description=("Forest plot of overall response, complete response and survival: for each independent "
                     "cohort its proportion with an exact 95% confidence interval, and where two or more cohorts "
                     "report the outcome a DerSimonian-Laird random-effects pooled proportion."),
    ).resolve_scale(color="shared", shape="shared")


# ---------------------------------------------------------------------------------------------------
# Subgroups
# ---------------------------------------------------------------------------------------------------


def subgroup_population(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per population (adult / paediatric / mixed) and outcome: cohorts, events/patients, pooled when k >= 2."""
    rows = []
    for pop in vocab.POPULATIONS:
        sel = outcomes[outcomes["population"] == pop]
        if not len(sel):
            continue
        for outcome, label in OUTCOMES.items():
            o = sel[(sel["outcome"] == outcome) & sel["assessable"]]
            p = pool_proportions(o["events"].astype(int), o["total"].astype(int), o["cohort_id"], outcome)
            rows.append(_subgroup_row(vocab.POPULATIONS[pop], label, sel[sel["outcome"] == outcome], o, p))
    return pd.DataFrame(rows)


def _subgroup_row(group: str, outcome_label: str, all_rows: pd.DataFrame, o: pd.DataFrame, p: Pooled) -> dict:
    if p.pooled:
        est = f"pooled {p.percent:.1f} ({p.ci_low:.1f} to {p.ci_high:.1f}); I\u00b2 {p.i2:.0f}%"
    elif p.k == 1:
        r = o.iloc[0]
        est = f"one cohort: {r['percent']:.1f} ({r['ci_low']:.1f} to {r['ci_high']:.1f}), not pooled"
    else:
        est = "no assessable cohort"
    return {"Subgroup": group, "Outcome": outcome_label, "Cohorts (assessable/all)": f"{p.k}/{all_rows['cohort_id'].nunique()}",
            "Events/patients": f"{p.events}/{p.total}" if p.k else "", "% (95% CI)": est}


def disease_level(ds: Dataset, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Outcome counts by underlying disease, only where the data give disease-level outcomes.

    A cohort contributes to a disease when its primary source lists that disease alone (all its
    patients have it), or, for a cohort of several diseases, through patients whose disease and outcome
    rows are all *reported* (never reconstructed: a reconstructed joint distribution is not a finding).
    Columns: cohort_id, disease, outcome, events, total, how. ``outcomes``: :func:`cohort_outcomes` of
    ``ds`` when already computed.
    """
    rows = []
    oc = cohort_outcomes(ds) if outcomes is None else outcomes
    for c in cohorts_table(ds).itertuples():
        src = ds.source(c.primary_source)
        if len(c.diseases) == 1:
            for r in oc[(oc["cohort_id"] == c.cohort_id) & oc["assessable"]].itertuples():
                rows.append({"cohort_id": c.cohort_id, "disease": c.diseases[0], "outcome": r.outcome,
                             "events": int(r.events), "total": int(r.total), "how": "single-disease cohort"})
            continue
        if not len(src["patients"]):
            continue
        po = patient_outcomes(src)
        po = po[(po["disease_origin"] == "reported") & po["disease"].notna()]
        for disease, g in po.groupby("disease"):
            surv = g[g["survival_origin"] == "reported"]
            if len(surv) == len(g):
                rows.append({"cohort_id": c.cohort_id, "disease": disease, "outcome": "survival",
                             "events": int(surv["alive"].sum()), "total": len(surv), "how": "reported patient rows"})
            resp = g[g["response_origin"] == "reported"]
            if len(resp):
                for outcome, hit in (("overall-response", resp["response_state"].isin(["CR", "PR"])),
                                     ("complete-response", resp["response_state"] == "CR")):
                    rows.append({"cohort_id": c.cohort_id, "disease": disease, "outcome": outcome,
                                 "events": int(hit.sum()), "total": len(resp), "how": "reported patient rows"})
    return pd.DataFrame(rows, columns=["cohort_id", "disease", "outcome", "events", "total", "how"])


def subgroup_disease(ds: Dataset, outcomes: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Per disease and outcome (only disease-level data, see :func:`disease_level`); and the cohorts left out.
    ``outcomes``: :func:`cohort_outcomes` of ``ds`` when already computed."""
    dl = disease_level(ds, outcomes)
    rows = []
    for disease in vocab.DISEASES:
        sel = dl[dl["disease"] == disease]
        if not len(sel):
            continue
        for outcome, label in OUTCOMES.items():
            o = sel[sel["outcome"] == outcome]
            p = pool_proportions(o["events"], o["total"], o["cohort_id"], outcome)
            o = o.assign(percent=[100 * e / t for e, t in zip(o["events"], o["total"])],
                         ci_low=[100 * proportion_ci(e, t).low for e, t in zip(o["events"], o["total"])],
                         ci_high=[100 * proportion_ci(e, t).high for e, t in zip(o["events"], o["total"])])
            rows.append(_subgroup_row(vocab.DISEASES[disease], label, sel, o, p))
    covered = set(dl["cohort_id"])
    left_out = [c for c in cohorts_table(ds)["cohort_id"] if c not in covered]
    return pd.DataFrame(rows), left_out


# ---------------------------------------------------------------------------------------------------
# Flow of sources (PRISMA-style)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    identified: int
    screened: int
    excluded: int
    exclusion_reasons: dict  # reason -> number of reports
    included_reports: int
    second_reports: int  # included reports of a cohort whose primary source is another report
    cohorts: int
    patients: int  # treated patients, each cohort counted once


def flow_counts(ds: Dataset) -> Flow:
    """Counts of the flow, from the sources' status fields and the cohort grouping."""
    all_sources = list(ds.sources.values())
    excluded = [s for s in all_sources if s.record.status == "excluded"]
    reasons: dict[str, int] = {}
    for s in excluded:
        reasons[s.record.exclusion_reason] = reasons.get(s.record.exclusion_reason, 0) + 1
    ct = cohorts_table(ds)
    included = ds.included()
    return Flow(
        identified=len(all_sources), screened=len(all_sources), excluded=len(excluded),
        exclusion_reasons=dict(sorted(reasons.items())), included_reports=len(included),
        second_reports=len(included) - len(ct), cohorts=len(ct),
        patients=int(sum(int(n) for n in ct["treated"] if n is not None and not pd.isna(n))),
    )


def flow_html(f: Flow) -> str:
    """The flow as an accessible HTML diagram (boxes and arrows; the text holds every count)."""
    box = ('<div style="border:1px solid #555;border-radius:4px;padding:0.5em 0.8em;max-width:24em;'
           'background:var(--pst-color-surface, #f7f7f7)">{}</div>')
    side = ('<div style="border:1px dashed #777;border-radius:4px;padding:0.5em 0.8em;max-width:22em;'
            'margin-left:1.5em">{}</div>')
    arrow = '<div aria-hidden="true" style="margin:0.2em 0 0.2em 2em;font-size:1.3em">&#8595;</div>'
    reasons = "".join(f"<li>{html.escape(r)}: {n}</li>" for r, n in f.exclusion_reasons.items())
    excl = (f"<strong>Reports excluded: {f.excluded}</strong>" +
            (f"<ul style='margin:0.3em 0 0 1em'>{reasons}</ul>" if reasons else ""))
    row = '<div style="display:flex;align-items:center;flex-wrap:wrap">{}{}</div>'
    parts = [
        box.format(f"<strong>Reports identified: {f.identified}</strong><br>folders under data/sources"),
        arrow,
        row.format(box.format(f"<strong>Reports screened: {f.screened}</strong>"), side.format(excl)),
        arrow,
        row.format(box.format(f"<strong>Reports included: {f.included_reports}</strong>"),
                   side.format(f"<strong>Further reports of a cohort already counted: {f.second_reports}</strong>"
                               "<br>kept in the evidence table; no patients added")),
        arrow,
        box.format(f"<strong>Independent cohorts in the synthesis: {f.cohorts}</strong><br>"
                   f"ruxolitinib-treated patients, each counted once: {f.patients}"),
    ]
    label = (f"Flow of reports: {f.identified} identified, {f.screened} screened, {f.excluded} excluded, "
             f"{f.included_reports} included, {f.second_reports} further reports of a cohort already counted, "
             f"{f.cohorts} independent cohorts with {f.patients} treated patients.")
    return (f'<figure class="masreview-flow" role="group" aria-label="{html.escape(label, quote=True)}">'
            + "".join(parts) + "</figure>")


# ---------------------------------------------------------------------------------------------------
# Evidence table
# ---------------------------------------------------------------------------------------------------


def _fmt_num(v: float, decimals) -> str:
    d = int(decimals) if pd.notna(decimals) else 0
    return f"{float(v):.{d}f}"


def format_measure(r: pd.Series) -> str:
    """A reported measure row as printed: '6/20 (30%)', '9', '10 mg', 'about 3 months', 'P = 0.011'."""
    num, den, val = r["numerator"], r["denominator"], r["value"]
    if r["unit"] == "p":
        text = f"P = {_fmt_num(val, r['decimals'])}"
    elif pd.notna(num) and pd.notna(den):
        text = f"{int(num)}/{int(den)}"
        if pd.notna(val) and r["unit"] == "percent":
            text += f" ({_fmt_num(val, r['decimals'])}%)"
    elif pd.notna(num):
        text = str(int(num))
    elif pd.notna(val):
        unit = r["unit"]
        unit = vocab.UNITS.get(unit, unit) if unit in ("year", "month", "week", "day") else unit
        text = f"{_fmt_num(val, r['decimals'])} {unit}" if unit not in ("patients", "count") else \
            _fmt_num(val, r["decimals"])
        if unit in ("years", "months", "weeks", "days") and float(val) == 1:
            text = text[:-1]
    else:
        text = ""
    qualifier = r["qualifier"] if pd.notna(r["qualifier"]) else ""
    if qualifier == "approximately":
        text = "about " + text
    elif qualifier == "at-least":
        text = "at least " + text
    return text


def _category_label(cat) -> str:
    if pd.isna(cat):
        return ""
    for vocabulary in (vocab.EVENTS, vocab.DISEASES, vocab.FREQUENCIES):
        if cat in vocabulary:
            return vocabulary[cat].lower() if vocabulary is not vocab.DISEASES else cat
    return str(cat)


def _records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as ``{column: cell}``: the cells ``iterrows()`` gives, without a Series per row
    (the evidence table calls these helpers for every report)."""
    if not len(df):
        return []
    columns = list(df.columns)
    return [dict(zip(columns, values)) for values in df.values]


_RANK = {s: i for i, s in enumerate(vocab.RESPONSE_ORDER)}


def _by_time_and_state(r: dict) -> tuple:
    """Sort key: weeks, then response order, missing ones last (as sort_values on both columns)."""
    weeks = vocab.timepoint_weeks(r["timepoint"])
    rank = _RANK.get(r["category"]) if pd.notna(r["category"]) else None
    return (weeks is None, weeks or 0.0, rank is None, rank or 0)


def _response_text(src: SourceData) -> str:
    rows = [r for r in _records(src["measures"]) if r["measure"] == "response" and r["group"] == TREATED]
    if rows:
        by_timepoint: dict[str, list[dict]] = {}  # in order of first appearance after sorting
        for r in sorted(rows, key=_by_time_and_state):
            by_timepoint.setdefault(r["timepoint"], []).append(r)
        return "; ".join(tp.replace("-", " ") + ": " + ", ".join(f"{r['category']} {format_measure(r)}" for r in g)
                         for tp, g in by_timepoint.items())
    po = patient_outcomes(src) if len(src["patients"]) else pd.DataFrame()
    if len(po) and po["response_state"].notna().any():
        a = po[po["response_state"].notna()]
        counts = a["response_state"].value_counts()
        return a["response_time"].iloc[0] + ": " + ", ".join(f"{s} {int(counts[s])}/{len(a)}" for s in
                                                            vocab.RESPONSE_ORDER if s in counts)
    return "not graded (no response state reported)"


def _survival_text(src: SourceData) -> str:
    m = _records(src["measures"])
    parts = []
    for group, prefix in ((TREATED, ""), ("historical-control", "historical controls ")):
        for r in m:
            if r["measure"] == "survival" and r["group"] == group:
                parts.append(prefix + format_measure(r))
    for r in m:
        if r["measure"] == "survival-comparison":
            parts.append(format_measure(r))
    if parts:
        return "; ".join(parts)
    if len(src["patients"]):
        p = src["patients"]
        treated = [pid for pid, group in zip(p["patient_id"].tolist(), p["group"].tolist()) if group == TREATED]
        ev = src["events"]
        ids = set(treated)
        deaths = {pid for pid, event in zip(ev["patient_id"].tolist(), ev["event"].tolist())
                  if event == "death" and pid in ids}
        return f"deaths recorded: {len(deaths)} of {len(treated)}" if deaths else \
            f"no death reported ({len(treated)} alive at last report)"
    return "not reported"


def _adverse_text(src: SourceData) -> str:
    m = src["measures"]
    m = m[(m["measure"] == "adverse-event") & (m["group"] == TREATED)]
    if not len(m):
        return "not reported"
    return "; ".join(f"{_category_label(r['category'])} {format_measure(r)}" for r in _records(m))


def _dose_text(src: SourceData) -> str:
    t = src["treatments"]
    t = t[(t["drug"] == "ruxolitinib") & t["dose"].notna()]
    parts = []
    for r in _records(t):
        freq = vocab.FREQUENCIES.get(r["frequency"], "").lower()
        route = r["route"] if pd.notna(r["route"]) and r["route"] != "unknown" else ""
        parts.append(", ".join(x for x in (f"{r['dose']:g} {r['dose_unit']} {freq}".strip(), route) if x))
    if not parts:
        m = src["measures"]
        for r in _records(m[m["measure"] == "ruxolitinib-dose"]):
            cat = vocab.FREQUENCIES.get(r["category"], "").lower() if pd.notna(r["category"]) else ""
            parts.append(" ".join(x for x in (format_measure(r), cat) if x))
    text = "; ".join(dict.fromkeys(parts)) if parts else "not reported"
    undosed = src["treatments"][(src["treatments"]["drug"] == "ruxolitinib") & src["treatments"]["dose"].isna()]
    if parts and len(undosed):
        text += "; other doses not stated"
    m = src["measures"]
    dur = m[m["measure"] == "ruxolitinib-duration"]
    if len(dur):
        text += "; given for " + format_measure(dur.iloc[0])
    return text


def _follow_up_text(src: SourceData) -> str:
    m = _records(src["measures"])
    parts = []
    weeks = [w for w in (vocab.timepoint_weeks(r["timepoint"]) for r in m if r["group"] == TREATED)
             if w is not None and w > 0]
    if weeks:
        parts.append("outcomes reported to " + _timepoint_label(7 * float(max(weeks))))
    for r in m:
        if r["measure"] != "recurrence":
            continue
        k = format_measure(r)
        parts.append(f"recurrence: {k} patient{'' if k == '1' else 's'}" if k.isdigit() else f"recurrence: {k}")
    ev = src["events"]
    fu = [(t, u) for e, t, u in zip(ev["event"].tolist(), ev["time"].tolist(), ev["time_unit"].tolist())
          if e == "last-follow-up" and pd.notna(t)]
    if fu:
        times = sorted(_days(t, u) for t, u in fu)
        parts.append("last follow-up " + (_timepoint_label(times[0]) if len(times) == 1 else
                                          f"{_timepoint_label(times[0])} to {_timepoint_label(times[-1])}"))
    else:
        parts.append("length of follow-up not stated")
    return "; ".join(parts)


def evidence_rows(ds: Dataset) -> list[dict]:
    """One dict per included report, grouped by cohort (primary report first)."""
    rows = []
    for cid, members in cohort_reports(ds).items():
        primary = ds.cohorts[cid].primary_source
        for s in members:
            r = s.record
            n = treated_n(s)
            rows.append({
                "cohort_id": cid, "cohort": ds.cohorts[cid].label, "source_id": s.id,
                "primary": s.id == primary, "citation": short_citation(s), "url": source_url(s),
                "bibtex_key": r.bibliography.bibtex_key,
                "design": vocab.DESIGNS[r.design], "population": vocab.POPULATIONS[r.population],
                "diseases": ", ".join(vocab.DISEASES[d] for d in r.underlying_diseases),
                "n": n, "dose": _dose_text(s), "response": _response_text(s), "survival": _survival_text(s),
                "adverse events": _adverse_text(s), "follow-up": _follow_up_text(s),
            })
    return rows


EVIDENCE_COLUMNS = ["Report: design, population, underlying diseases", "Treated (n)", "Ruxolitinib dose",
                    "Response", "Survival", "Adverse events", "Follow-up"]


def evidence_table_html(ds: Dataset, chapter_prefix: str = "") -> str:
    """The evidence table as accessible HTML: one row group per cohort, cohort counted once in the total.

    Every text cell is escaped; links point to the source's chapter (``<prefix><id>.html``) and its DOI.
    """
    e = html.escape
    rows = evidence_rows(ds)
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in EVIDENCE_COLUMNS)
    body = []
    for cid, group in pd.DataFrame(rows).groupby("cohort_id", sort=False):
        first = group.iloc[0]
        nrep = len(group)
        body.append(f'<tbody><tr><th scope="rowgroup" colspan="{len(EVIDENCE_COLUMNS)}" '
                    f'style="text-align:left">Cohort {e(cid)}: {e(first["cohort"])}'
                    f'{" (" + str(nrep) + " reports of the same patients, counted once)" if nrep > 1 else ""}'
                    "</th></tr>")
        for _, r in group.iterrows():
            report = (f'<a href="{e(chapter_prefix + r["source_id"] + ".html", quote=True)}">{e(r["citation"])}</a>'
                      f' (<a href="{e(r["url"], quote=True)}">publication</a>)<br>{e(r["design"])}; '
                      f'{e(r["population"]).lower()}; {e(r["diseases"])}')
            if not r["primary"]:
                report += "<br><em>further report of this cohort: its patients are not added again</em>"
            n = "" if r["n"] is None or pd.isna(r["n"]) else str(int(r["n"]))
            n_cell = n if r["primary"] else (f"({n}, same patients)" if n else "")
            cells = [report, n_cell] + \
                [e(str(r[k])) for k in ("dose", "response", "survival", "adverse events", "follow-up")]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        body.append("</tbody>")
    f = flow_counts(ds)
    foot = (f'<tfoot><tr><th scope="row" style="text-align:left">Patients counted once '
            f'({f.cohorts} cohort{"s" if f.cohorts != 1 else ""}, {f.included_reports} report'
            f'{"s" if f.included_reports != 1 else ""})</th><td>{f.patients}</td>'
            f'<td colspan="{len(EVIDENCE_COLUMNS) - 2}"></td></tr></tfoot>')
    caption = ("Evidence table of the included reports, generated from data/sources: numbers as the reports "
               "print them. Reports of the same cohort are grouped; the total counts each cohort once.")
    return (f'<div style="overflow-x:auto"><table class="dataframe masreview-table masreview-evidence" '
            f'style="font-size:0.85em">'
            f"<caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>{''.join(body)}{foot}</table></div>")


# ---------------------------------------------------------------------------------------------------
# Headline numbers and a dataset as of a changelog entry
# ---------------------------------------------------------------------------------------------------


def subset(ds: Dataset, source_ids) -> Dataset:
    """The dataset restricted to some sources (cohorts whose primary source is absent fall back to the
    earliest present report of them)."""
    from .schema import Cohort

    keep = {sid: s for sid, s in ds.sources.items() if sid in set(source_ids)}
    cohorts = {}
    for cid, c in ds.cohorts.items():
        members = sorted(s.id for s in keep.values() if s.record.cohort_id == cid)
        if not members:
            continue
        prim = c.primary_source if c.primary_source in keep else members[0]
        cohorts[cid] = Cohort(label=c.label, primary_source=prim, notes=c.notes)
    return Dataset(sources=keep, cohorts=cohorts, changelog=[])


def headline(ds: Dataset) -> dict:
    """The review's headline numbers: reports, cohorts, patients once, and per outcome the pooled or single
    estimate (plain floats/ints/strings, ready for glue)."""
    f = flow_counts(ds)
    out = {"reports": f.included_reports, "cohorts": f.cohorts, "patients": f.patients}
    if f.cohorts == 0:
        for outcome in OUTCOMES:
            out[outcome] = "no data"
        return out
    oc = cohort_outcomes(ds)
    pooled = pooled_results(oc)
    for outcome in OUTCOMES:
        p = pooled[outcome]
        if p.pooled:
            out[outcome] = f"{p.percent:.1f}% pooled (95% CI {p.ci_low:.1f} to {p.ci_high:.1f}; k = {p.k})"
        elif p.k == 1:
            r = oc[(oc["outcome"] == outcome) & oc["assessable"]].iloc[0]
            out[outcome] = f"{int(r['events'])}/{int(r['total'])} ({r['percent']:.1f}%; one cohort, not pooled)"
        else:
            out[outcome] = "no assessable cohort"
    return out


def last_update(ds: Dataset) -> str:
    """Date of the latest changelog entry (ISO), or 'not yet recorded'."""
    return max(e.date for e in ds.changelog).isoformat() if ds.changelog else "not yet recorded"
