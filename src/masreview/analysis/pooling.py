"""Pooling proportions across cohorts, by rules declared once (no charts, no HTML).

The rules (:data:`POOLING_RULES`, printed on the methods page) are applied here:

* A **single-patient case report** (a primary source whose design is ``case-report``, or a cohort with
  one treated patient) is never pooled with series or cohorts: it is listed with its outcomes as
  reported (:func:`case_report_rows`).
* **Series and cohorts** are pooled for an outcome only when at least :data:`MIN_POOLED` of them report
  it; otherwise the single one is shown with its own exact interval and "not pooled".
* **Primary model**: binomial-normal random-intercept GLMM by maximum likelihood, no continuity
  correction (:func:`masreview.analysis.glmm.glmm_pool`, checked against R's metafor ``rma.glmm``).
  From :data:`MIN_K_HETEROGENEITY` series a Hartung-Knapp interval and a prediction interval are shown;
  with fewer, tau\u00b2, I\u00b2 and the prediction interval are *not estimable* (never printed as 0).
* **Sensitivity**: DerSimonian-Laird on the logit scale (0.5 added only to a series with 0 or all events).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from masreview.analysis.glmm import PoolResult, dl_pool, glmm_pool
from masreview.analysis.synthesis import OUTCOMES

ALPHA = 0.05
CONTINUITY = 0.5  # DL sensitivity only: added to events and non-events of a series with 0 or n events
MIN_POOLED = 2  # series/cohorts needed to pool an outcome
MIN_K_HETEROGENEITY = 3  # series needed for tau2, I2, the Hartung-Knapp and the prediction interval
CASE_REPORT_DESIGN = "case-report"

POOLING_METHOD = (
    "Binomial-normal random-intercept generalised linear mixed model (GLMM) on the logit scale, fitted "
    "by maximum likelihood with adaptive Gauss-Hermite quadrature (7 nodes) and no continuity correction: "
    "the default of R's meta::metaprop, recommended over inverse-variance methods for proportions "
    "(Schwarzer et al. 2019; Lin and Chu 2020); Wald 95% interval back-transformed to a proportion. "
    "Sensitivity analysis: DerSimonian-Laird random effects on the logit scale (inverse-variance weights). "
    "Both are checked in the tests against R's metafor (rma.glmm and rma). Per-cohort intervals are exact "
    "(Clopper-Pearson)."
)

NOT_ESTIMABLE = "not estimable"

POOLING_RULES = (
    ("Case reports are never pooled",
     "A single-patient case report (design 'case report', or one treated patient) is listed with its "
     "outcomes as reported and never pooled with series or cohorts."),
    ("Series and cohorts",
     f"pooled for an outcome only when at least {MIN_POOLED} series or cohorts report it; otherwise the "
     "single series is shown with its own exact interval, marked 'not pooled'."),
    ("Primary model", "GLMM by maximum likelihood, without continuity correction."),
    ("Heterogeneity",
     f"from {MIN_K_HETEROGENEITY} series on, a Hartung-Knapp interval (DerSimonian-Laird, t with k - 1 "
     "degrees of freedom) and a prediction interval are shown; with fewer, tau\u00b2, I\u00b2 and the "
     f"prediction interval are reported as '{NOT_ESTIMABLE}', never as 0."),
    ("Sensitivity analysis",
     f"DerSimonian-Laird on the logit scale, {CONTINUITY} added to events and non-events only of a series "
     "with no or all events."),
    ("Survival",
     "is alive at the last report, whatever its length; each report's follow-up is shown beside it, and "
     "a pooled survival is read only with that caveat."),
    ("Implied outcomes",
     "an outcome a report implies rather than states (for example alive, read from the absence of a "
     "reported death up to the last follow-up, with no survival figure printed) is marked *implied*, "
     "with the locator of the sentence it rests on."),
)

SURVIVAL_CAVEAT = ("Survival is alive at the last report, and follow-up differs between reports (shown for "
                   "each); a pooled survival mixes different lengths of follow-up.")


@dataclass(frozen=True)
class Pooled:
    """An outcome across series/cohorts (plain floats, percent where named so).

    ``k``: series/cohorts pooled (or available, when fewer than :data:`MIN_POOLED`); ``case_reports``:
    the case reports reporting the outcome, listed, never pooled. Heterogeneity fields are None when not
    estimable (``heterogeneity_estimable`` False).
    """

    outcome: str
    k: int
    events: int
    total: int
    percent: float | None = None  # GLMM
    ci_low: float | None = None
    ci_high: float | None = None
    hk_low: float | None = None  # Hartung-Knapp (DL, logit), k >= MIN_K_HETEROGENEITY
    hk_high: float | None = None
    pi_low: float | None = None  # prediction interval (GLMM), k >= MIN_K_HETEROGENEITY
    pi_high: float | None = None
    tau2: float | None = None  # GLMM
    i2: float | None = None  # percent (DL)
    q: float | None = None
    q_df: int | None = None
    p_heterogeneity: float | None = None
    dl_percent: float | None = None  # sensitivity analysis
    dl_ci_low: float | None = None
    dl_ci_high: float | None = None
    weights: dict = field(default_factory=dict)  # cohort_id -> relative DL random-effects weight (0-1)
    corrected: tuple = ()  # cohorts that got the DL continuity correction
    series: tuple = ()  # cohort ids of the series/cohorts
    case_reports: tuple = ()  # cohort ids of case reports with this outcome (not pooled)
    method: str = ""
    note: str = ""

    @property
    def pooled(self) -> bool:
        return self.percent is not None

    @property
    def heterogeneity_estimable(self) -> bool:
        return self.pooled and self.k >= MIN_K_HETEROGENEITY


def _pct(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else 100 * float(v)


def pool_proportions(events, totals, ids=None, outcome: str = "", case_reports=()) -> Pooled:
    """Pool series/cohorts (never case reports: pass those as ``case_reports`` ids, they are only listed).

    GLMM (ML) when at least :data:`MIN_POOLED` series; DerSimonian-Laird (logit) as sensitivity; the
    Hartung-Knapp and prediction intervals and heterogeneity only from :data:`MIN_K_HETEROGENEITY`.
    """
    from scipy import stats as sps

    events = [int(e) for e in events]
    totals = [int(n) for n in totals]
    ids = list(ids) if ids is not None else list(range(len(events)))
    k = len(events)
    base = dict(outcome=outcome, k=k, events=sum(events), total=sum(totals), series=tuple(ids),
                case_reports=tuple(case_reports))
    if k < MIN_POOLED:
        return Pooled(**base, note="not pooled: only one cohort or series" if k == 1
                      else "not pooled: no cohort or series")
    g: PoolResult = glmm_pool(events, totals, alpha=ALPHA)
    dl = dl_pool(events, totals, alpha=ALPHA)
    many = k >= MIN_K_HETEROGENEITY
    hk = dl_pool(events, totals, alpha=ALPHA, knha=True) if many else None
    corrected = tuple(i for i, e, n in zip(ids, events, totals) if e in (0, n))
    note = "" if g.estimable else f"GLMM not estimable ({g.note}); DerSimonian-Laird shown"
    est = (g.prop, g.prop_lb, g.prop_ub) if g.estimable else (dl.prop, dl.prop_lb, dl.prop_ub)
    return Pooled(
        **base,
        percent=_pct(est[0]), ci_low=_pct(est[1]), ci_high=_pct(est[2]),
        hk_low=_pct(hk.prop_lb) if hk else None, hk_high=_pct(hk.prop_ub) if hk else None,
        pi_low=_pct(g.prop_pi_lb) if many and g.estimable else None,
        pi_high=_pct(g.prop_pi_ub) if many and g.estimable else None,
        tau2=float(g.tau2) if many and g.estimable else None,
        i2=float(dl.I2) if many else None, q=float(dl.Q) if many else None, q_df=k - 1 if many else None,
        p_heterogeneity=float(sps.chi2.sf(dl.Q, k - 1)) if many else None,
        dl_percent=_pct(dl.prop), dl_ci_low=_pct(dl.prop_lb), dl_ci_high=_pct(dl.prop_ub),
        weights={i: float(w) / 100 for i, w in zip(ids, dl.weights)}, corrected=corrected,
        method="GLMM (ML)" if g.estimable else "DerSimonian-Laird (GLMM not estimable)", note=note,
    )


def is_case_report(row) -> bool:
    """A single-patient case report: its primary source's design, or one treated patient."""
    get = row.get if hasattr(row, "get") else (lambda key, default=None: getattr(row, key, default))
    design, treated = get("design", None), get("treated", None)
    if design == CASE_REPORT_DESIGN:
        return True
    if treated is not None and not pd.isna(treated):
        return int(treated) == 1
    return False


def split_case_reports(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(series and cohorts, case reports) of :func:`cohort_outcomes` rows."""
    if not len(rows):
        return rows, rows
    mask = rows.apply(is_case_report, axis=1).astype(bool)
    return rows[~mask], rows[mask]


def pooled_results(outcomes: pd.DataFrame) -> dict[str, Pooled]:
    """outcome -> :class:`Pooled` over the assessable series/cohorts of ``outcomes`` (case reports apart)."""
    out = {}
    for outcome in OUTCOMES:
        rows = outcomes[(outcomes["outcome"] == outcome) & outcomes["assessable"]]
        series, cases = split_case_reports(rows)
        out[outcome] = pool_proportions(series["events"].astype(int), series["total"].astype(int),
                                        series["cohort_id"], outcome, tuple(cases["cohort_id"]))
    return out


def pooling_caveat(k: int, smallest_n: int | None = None, case_reports: int = 0) -> str:
    """What a pooled number can and cannot mean with ``k`` series/cohorts (a sentence for the chapter)."""
    cases = (f" {case_reports} single-patient case report{'s are' if case_reports != 1 else ' is'} listed "
             "apart with its outcome as reported, never pooled." if case_reports else "")
    if k < MIN_POOLED:
        return ("Not pooled: only one cohort or series reports this outcome, so the number shown is that "
                "cohort's own proportion with its exact interval." if k == 1 else
                "Not pooled: no cohort or series reports this outcome.") + cases
    small = (f" One of them has {smallest_n} patient{'s' if smallest_n != 1 else ''}." if smallest_n is not None
             and smallest_n < 5 else "")
    if k < MIN_K_HETEROGENEITY:
        return (f"With only {k} series the pooled number is a model-based average of {k} proportions, not "
                f"evidence of a common effect.{small} Between-series variance (tau\u00b2), I\u00b2 and a "
                f"prediction interval cannot be estimated from {k} series and are not shown. The series also "
                "differ in population, underlying disease, response criteria and follow-up." + cases)
    return (f"{k} series are pooled. The estimate assumes their true proportions vary around a common mean; "
            "read it with the prediction interval, the heterogeneity statistics and the differences in "
            "population, underlying disease, response criteria and follow-up." + cases)


def heterogeneity_text(p: Pooled) -> dict[str, str]:
    """Display strings for tau2, I2, Q and the intervals: "not estimable" below the threshold, never 0."""
    if not p.pooled:
        return {"tau2": "", "i2": "", "q": "", "hk": "", "pi": ""}
    if not p.heterogeneity_estimable:
        why = f"{NOT_ESTIMABLE} (k = {p.k})"
        return {"tau2": why, "i2": why, "q": why, "hk": why, "pi": why}
    return {"tau2": f"{p.tau2:.3f}" if p.tau2 is not None else NOT_ESTIMABLE,
            "i2": f"{p.i2:.0f}", "q": f"{p.q:.2f} ({p.q_df}), P = {p.p_heterogeneity:.2f}",
            "hk": f"{p.hk_low:.1f} to {p.hk_high:.1f}",
            "pi": f"{p.pi_low:.1f} to {p.pi_high:.1f}" if p.pi_low is not None else NOT_ESTIMABLE}
