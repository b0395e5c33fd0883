"""Pooling proportions across cohorts (no charts, no HTML)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from masreview.analysis.synthesis import OUTCOMES

CONTINUITY = 0.5  # added to events and non-events of a cohort with 0 or n events (logit needs both)


ALPHA = 0.05


POOLING_METHOD = (
    "Random-effects meta-analysis of proportions on the logit scale, DerSimonian-Laird estimate of the "
    "between-cohort variance (tau\u00b2, truncated at zero), inverse-variance weights, normal 95% interval "
    "back-transformed to a proportion; computed with statsmodels.stats.meta_analysis.combine_effects "
    "(method_re='dl'). A cohort with 0 or all events gets 0.5 added to events and non-events. "
    "Per-cohort intervals are exact (Clopper-Pearson). A generalised linear mixed model is not used."
)


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
