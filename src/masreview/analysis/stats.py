"""Statistics on reported counts: exact intervals, 2x2 tests, risk differences (scipy/statsmodels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint


@dataclass(frozen=True)
class Proportion:
    """k of n with a 95% interval (plain floats, ready for glue)."""

    k: int
    n: int
    estimate: float
    low: float
    high: float
    method: str


def proportion_ci(k: int, n: int, method: str = "clopper-pearson", alpha: float = 0.05) -> Proportion:
    """k/n with a two-sided interval: ``clopper-pearson`` (exact) or ``wilson``."""
    if not (0 <= k <= n and n > 0):
        raise ValueError(f"need 0 <= k <= n and n > 0; got k={k}, n={n}")
    sm_method = {"clopper-pearson": "beta", "wilson": "wilson"}[method]
    low, high = proportion_confint(k, n, alpha=alpha, method=sm_method)
    return Proportion(int(k), int(n), float(k / n), float(low), float(high), method)


def proportions_table(counts: dict[str, tuple[int, int]], alpha: float = 0.05) -> pd.DataFrame:
    """One row per label: k, n, percent, Clopper-Pearson and Wilson 95% intervals (in percent)."""
    rows = []
    for label, (k, n) in counts.items():
        cp, wi = proportion_ci(k, n, "clopper-pearson", alpha), proportion_ci(k, n, "wilson", alpha)
        rows.append({"": label, "n/N": f"{k}/{n}", "%": 100 * cp.estimate,
                     "exact 95% CI": f"{100 * cp.low:.1f} to {100 * cp.high:.1f}",
                     "Wilson 95% CI": f"{100 * wi.low:.1f} to {100 * wi.high:.1f}"})
    return pd.DataFrame(rows).set_index("")


@dataclass(frozen=True)
class RiskDifference:
    difference: float
    low: float
    high: float
    method: str


def risk_difference(k1: int, n1: int, k2: int, n2: int, method: str = "newcomb") -> RiskDifference:
    """p1 - p2 with a 95% interval (Newcombe's hybrid score interval by default)."""
    low, high = confint_proportions_2indep(k1, n1, k2, n2, method=method, compare="diff")
    return RiskDifference(float(k1 / n1 - k2 / n2), float(low), float(high), method)


def two_by_two_tests(k1: int, n1: int, k2: int, n2: int) -> pd.DataFrame:
    """P values of the usual tests of two proportions on the 2x2 table [[k1, n1-k1], [k2, n2-k2]].

    Columns: test, P (float). One-sided Fisher is in the direction of the observed difference.
    """
    table = np.array([[k1, n1 - k1], [k2, n2 - k2]])
    greater = k1 / n1 >= k2 / n2
    side = "greater" if greater else "less"
    rows = [
        ("Pearson chi-square, no continuity correction", sps.chi2_contingency(table, correction=False)[1]),
        ("Pearson chi-square, Yates continuity correction", sps.chi2_contingency(table, correction=True)[1]),
        ("Fisher's exact, two-sided", sps.fisher_exact(table, alternative="two-sided")[1]),
        ("Fisher's exact, one-sided", sps.fisher_exact(table, alternative=side)[1]),
        ("Boschloo's exact, two-sided", sps.boschloo_exact(table, alternative="two-sided").pvalue),
        ("Barnard's exact, two-sided", sps.barnard_exact(table, alternative="two-sided").pvalue),
    ]
    return pd.DataFrame([{"test": t, "P": float(p)} for t, p in rows])


def rounds_to(value: float, printed: float, decimals: int) -> bool:
    """Whether ``value`` printed at ``decimals`` decimals reads as ``printed``."""
    return round(float(value) + 0.0, decimals) == round(float(printed), decimals)
