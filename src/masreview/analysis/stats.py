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


PEARSON = "Pearson chi-square, no continuity correction"
YATES = "Pearson chi-square, Yates continuity correction"
N_MINUS_1 = "N-1 chi-square (Egon Pearson; linear-by-linear / Mantel-Haenszel)"
FISHER_2 = "Fisher's exact, two-sided"
FISHER_1 = "Fisher's exact, one-sided"
BOSCHLOO = "Boschloo's exact, two-sided"
BARNARD = "Barnard's exact, two-sided"
TWO_BY_TWO_TESTS = (PEARSON, YATES, N_MINUS_1, FISHER_2, FISHER_1, BOSCHLOO, BARNARD)
#: A short code of each test (glue keys, ids).
TEST_CODES = {PEARSON: "pearson", YATES: "yates", N_MINUS_1: "n1", FISHER_2: "fisher2", FISHER_1: "fisher1",
              BOSCHLOO: "boschloo", BARNARD: "barnard"}


def two_by_two_table(k1: int, n1: int, k2: int, n2: int) -> np.ndarray:
    """The 2x2 table with the two GROUPS as columns: [[k1, k2], [n1 - k1, n2 - k2]].

    scipy's ``boschloo_exact`` and ``barnard_exact`` take each column as one binomial sample, so the
    groups must be columns (the chi-square and Fisher tests are symmetric in the orientation).
    """
    if not (0 <= k1 <= n1 and 0 <= k2 <= n2 and n1 > 0 and n2 > 0):
        raise ValueError(f"need 0 <= k <= n and n > 0; got {k1}/{n1}, {k2}/{n2}")
    return np.array([[k1, k2], [n1 - k1, n2 - k2]])


def n_minus_1_chi2(table: np.ndarray) -> float:
    """Egon Pearson's N-1 chi-square: Pearson's statistic times (N-1)/N on 1 df (two-sided P).

    The same statistic as SPSS's linear-by-linear association and SAS's Mantel-Haenszel chi-square on a 2x2.
    """
    table = np.asarray(table, dtype=float)
    n = table.sum()
    stat = sps.chi2_contingency(table, correction=False)[0] * (n - 1) / n
    return float(sps.chi2.sf(stat, 1))


def two_by_two_tests(k1: int, n1: int, k2: int, n2: int) -> pd.DataFrame:
    """P values of the usual tests comparing k1/n1 with k2/n2 (groups as the columns of the 2x2 table).

    Columns: test, P (float). One-sided Fisher is in the direction of the observed difference.
    """
    table = two_by_two_table(k1, n1, k2, n2)
    # fisher_exact's one-sided alternative is about the odds ratio table[0,0]*table[1,1]/(table[0,1]*table[1,0]),
    # which is above 1 when the first group (first column) has the larger proportion.
    side = "greater" if k1 / n1 >= k2 / n2 else "less"
    rows = [
        (PEARSON, sps.chi2_contingency(table, correction=False)[1]),
        (YATES, sps.chi2_contingency(table, correction=True)[1]),
        (N_MINUS_1, n_minus_1_chi2(table)),
        (FISHER_2, sps.fisher_exact(table, alternative="two-sided")[1]),
        (FISHER_1, sps.fisher_exact(table, alternative=side)[1]),
        (BOSCHLOO, sps.boschloo_exact(table, alternative="two-sided").pvalue),
        (BARNARD, sps.barnard_exact(table, alternative="two-sided").pvalue),
    ]
    return pd.DataFrame([{"test": t, "P": float(p)} for t, p in rows])


def rounds_to(value: float, printed: float, decimals: int) -> bool:
    """Whether ``value`` printed at ``decimals`` decimals reads as ``printed``."""
    return round(float(value) + 0.0, decimals) == round(float(printed), decimals)
