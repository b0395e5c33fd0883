"""2x2 tests of two proportions, each checked against an independent computation written here: the
hand formulas with scipy.stats.chi2 / hypergeom, and brute-force enumeration of the definitions of
Boschloo's and Barnard's exact tests over every table with the observed margins of the groups."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, chi2, hypergeom

from masreview.analysis import stats

PI = np.linspace(0.0, 1.0, 20001)  # nuisance parameter grid for the supremum


def _probs(n1, n2):
    """Binomial probabilities of every (x1, x2) under a common success probability, for every pi."""
    x1, x2 = np.arange(n1 + 1), np.arange(n2 + 1)
    p1 = binom.pmf(x1[None, :], n1, PI[:, None])  # (pi, x1)
    p2 = binom.pmf(x2[None, :], n2, PI[:, None])
    return x1, x2, p1[:, :, None] * p2[:, None, :]  # (pi, x1, x2)


def boschloo_brute(k1, n1, k2, n2):
    """Two-sided Boschloo: twice the smaller one-sided P; each one-sided P is the supremum over pi of the
    probability of the tables whose one-sided Fisher P is at most the observed one."""
    x1, x2, pr = _probs(n1, n2)
    m = x1[:, None] + x2[None, :]
    less = hypergeom.cdf(x1[:, None], n1 + n2, m, n1)            # P(X1 <= x1 | margins)
    greater = hypergeom.sf(x1[:, None] - 1, n1 + n2, m, n1)      # P(X1 >= x1 | margins)
    one = []
    for s in (less, greater):
        region = s <= s[k1, k2] * (1 + 1e-13)
        one.append((pr * region[None]).sum(axis=(1, 2)).max())
    return min(1.0, 2 * min(one))


def barnard_brute(k1, n1, k2, n2):
    """Two-sided Barnard (pooled Wald statistic): supremum over pi of the probability of |T| >= |T_obs|."""
    x1, x2, pr = _probs(n1, n2)
    p1, p2 = x1[:, None] / n1, x2[None, :] / n2
    p = (x1[:, None] + x2[None, :]) / (n1 + n2)
    var = p * (1 - p) * (1 / n1 + 1 / n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(var > 0, (p1 - p2) / np.sqrt(var), 0.0)
    region = np.abs(t) >= abs(t[k1, k2]) * (1 - 1e-13)
    return float((pr * region[None]).sum(axis=(1, 2)).max())


def pearson_hand(k1, n1, k2, n2, n_minus_1=False):
    a, b, c, d = k1, n1 - k1, k2, n2 - k2
    n = n1 + n2
    x2 = (a * d - b * c) ** 2 * (n - 1 if n_minus_1 else n) / ((a + b) * (c + d) * (a + c) * (b + d))
    return chi2.sf(x2, 1)


def fisher_hand(k1, n1, k2, n2):
    """Two-sided (sum of tables no more probable than the observed) and one-sided in the observed direction."""
    m, n = k1 + k2, n1 + n2
    support = np.arange(max(0, m - n2), min(n1, m) + 1)
    pmf = hypergeom.pmf(support, n, m, n1)
    obs = hypergeom.pmf(k1, n, m, n1)
    two = pmf[pmf <= obs * (1 + 1e-7)].sum()
    one = hypergeom.sf(k1 - 1, n, m, n1) if k1 / n1 >= k2 / n2 else hypergeom.cdf(k1, n, m, n1)
    return min(1.0, two), one


def _p(k1, n1, k2, n2):
    return stats.two_by_two_tests(k1, n1, k2, n2).set_index("test")["P"]


def test_groups_are_the_columns():
    assert stats.two_by_two_table(19, 20, 13, 21).tolist() == [[19, 13], [1, 8]]


def test_li_survival_published_values():
    """19/20 vs 13/21 survivors: Boschloo 0.0118, Barnard 0.0116, N-1 chi-square 0.0115 (all as in the audit)."""
    p = _p(19, 20, 13, 21)
    assert p[stats.BOSCHLOO] == pytest.approx(0.0118, abs=5e-5)
    assert p[stats.BARNARD] == pytest.approx(0.0116, abs=5e-5)
    assert p[stats.N_MINUS_1] == pytest.approx(0.0115, abs=5e-5)
    assert f"{p[stats.BOSCHLOO]:.3f}" == f"{p[stats.BARNARD]:.3f}" == "0.012"
    assert f"{p[stats.N_MINUS_1]:.3f}" == "0.011"
    assert p[stats.PEARSON] == pytest.approx(0.0105, abs=5e-5)
    assert p[stats.YATES] == pytest.approx(0.0291, abs=5e-5)
    assert p[stats.FISHER_2] == pytest.approx(0.0205, abs=5e-5)
    assert p[stats.FISHER_1] == pytest.approx(0.0125, abs=5e-5)


def test_li_survival_against_brute_force():
    p = _p(19, 20, 13, 21)
    assert p[stats.BOSCHLOO] == pytest.approx(boschloo_brute(19, 20, 13, 21), abs=2e-5)
    assert p[stats.BARNARD] == pytest.approx(barnard_brute(19, 20, 13, 21), abs=2e-5)


# tables without exactly tied Wald statistics (scipy compares floats strictly, so a mirror table with a
# mathematically equal statistic can fall either side; the definition counts ties)
SMALL = [(3, 5, 0, 4), (4, 6, 1, 5), (2, 4, 5, 7), (5, 6, 1, 7), (1, 7, 4, 6), (6, 8, 3, 8), (0, 3, 3, 3)]


@pytest.mark.parametrize("k1, n1, k2, n2", SMALL)
def test_exact_tests_match_their_definitions_on_small_tables(k1, n1, k2, n2):
    p = _p(k1, n1, k2, n2)
    assert p[stats.BOSCHLOO] == pytest.approx(boschloo_brute(k1, n1, k2, n2), abs=1e-4)
    assert p[stats.BARNARD] == pytest.approx(barnard_brute(k1, n1, k2, n2), abs=1e-4)


@pytest.mark.parametrize("k1, n1, k2, n2", SMALL + [(19, 20, 13, 21), (10, 20, 4, 21)])
def test_chi_square_and_fisher_by_hand(k1, n1, k2, n2):
    p = _p(k1, n1, k2, n2)
    if 0 < k1 + k2 < n1 + n2:
        assert p[stats.PEARSON] == pytest.approx(pearson_hand(k1, n1, k2, n2), rel=1e-9)
        assert p[stats.N_MINUS_1] == pytest.approx(pearson_hand(k1, n1, k2, n2, n_minus_1=True), rel=1e-9)
    two, one = fisher_hand(k1, n1, k2, n2)
    assert p[stats.FISHER_2] == pytest.approx(two, rel=1e-7)
    assert p[stats.FISHER_1] == pytest.approx(one, rel=1e-7)


def test_swapping_the_groups_changes_nothing():
    a, b = _p(19, 20, 13, 21), _p(13, 21, 19, 20)
    assert np.allclose(a.to_numpy(), b.to_numpy(), atol=1e-6)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        stats.two_by_two_tests(5, 4, 1, 3)
