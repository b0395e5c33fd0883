"""Pooling single proportions (meta-analysis of proportions), metafor-compatible.

glmm_pool : binomial-normal random-intercept GLMM by ML, like
            metafor::rma.glmm(measure="PLO", method="ML")  (lme4::glmer, nAGQ=7).
dl_pool   : inverse-variance random effects on the logit scale with
            DerSimonian-Laird tau2, like metafor::rma(escalc("PLO"), method="DL"),
            optionally with the Hartung-Knapp(-Sidik-Jonkman) t-based CI (test="knha").

Only numpy and scipy are used. The conventions matched (and the cases where the global ML
optimum differs from the local one glmer reports) are checked against R in
tests/unit/test_pooling_oracle.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict

import numpy as np
from scipy import optimize, stats
from scipy.special import expit, logit

__all__ = ["PoolResult", "glmm_pool", "dl_pool", "escalc_plo"]


@dataclass
class PoolResult:
    method: str            # "GLMM-ML", "DL" or "DL-KNHA"
    k: int                 # number of studies
    est: float             # pooled logit
    se: float              # its standard error
    ci_lb: float           # CI of the pooled logit
    ci_ub: float
    pi_lb: float           # prediction interval, logit scale (nan if undefined)
    pi_ub: float
    tau2: float            # between-study variance (logit scale)
    prop: float            # back-transformed (inverse logit) estimate and bounds
    prop_lb: float
    prop_ub: float
    prop_pi_lb: float
    prop_pi_ub: float
    crit: float            # critical value used for CI and PI (z or t)
    df: float              # t degrees of freedom (nan for z)
    I2: float = float("nan")       # DL only (percent)
    H2: float = float("nan")       # DL only
    Q: float = float("nan")        # DL only: Cochran's Q (fixed-effect weights)
    weights: np.ndarray = field(default_factory=lambda: np.array([]))  # DL only, percent
    pooled: bool = True    # False when k == 1 (the single study is returned)
    estimable: bool = True  # False e.g. GLMM with all studies 0 events or all n events
    note: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["weights"] = list(np.asarray(self.weights, float))
        return d


def _check(events, totals):
    x = np.asarray(events, dtype=float).ravel()
    n = np.asarray(totals, dtype=float).ravel()
    if x.size == 0 or x.shape != n.shape:
        raise ValueError("events and totals must be non-empty and of equal length")
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n) or np.any(x != np.round(x)):
        raise ValueError("need integer 0 <= events <= totals, totals > 0")
    return x, n


def _finish(method, k, est, se, crit, df, tau2, alpha, pi=True, **kw) -> PoolResult:
    """CI = est +- crit*se; PI = est +- crit*sqrt(se^2 + tau2) (metafor predict.rma)."""
    lb, ub = est - crit * se, est + crit * se
    if pi and np.isfinite(tau2):
        h = crit * np.sqrt(se**2 + tau2)
        plb, pub = est - h, est + h
    else:
        plb = pub = float("nan")
    return PoolResult(method, k, float(est), float(se), float(lb), float(ub), float(plb),
                      float(pub), float(tau2), float(expit(est)), float(expit(lb)),
                      float(expit(ub)), float(expit(plb)), float(expit(pub)), float(crit),
                      float(df), **kw)


# ---------------------------------------------------------------- GLMM (ML) --

def _gh_rule(nagq):
    """Gauss-Hermite rule for the standard normal density (as lme4::GHrule)."""
    z, w = np.polynomial.hermite_e.hermegauss(nagq)
    return z, w / np.sqrt(2.0 * np.pi)


def _h(u, beta, tau, x, n):
    """-2 * binomial log-lik (kernel) + u^2, per study; u = spherical random effect."""
    eta = beta + tau * u
    return 2.0 * (x * np.logaddexp(0.0, -eta) + (n - x) * np.logaddexp(0.0, eta)) + u * u


def _mode(beta, tau, x, n):
    """Conditional mode of each u_i: root of g(u) = u - tau*(x - n*mu(u)), increasing in
    u and bracketed by tau*(x - n) .. tau*x; Newton safeguarded by bisection.
    Returns the mode and the binomial IRLS weight n*mu*(1-mu) there."""
    lo, hi = np.minimum(tau * (x - n), tau * x), np.maximum(tau * (x - n), tau * x)
    u = np.clip(0.0, lo, hi)
    for _ in range(200):
        mu = expit(beta + tau * u)
        g = u - tau * (x - n * mu)
        hi, lo = np.where(g > 0, u, hi), np.where(g < 0, u, lo)
        new = u - g / (1.0 + tau * tau * n * mu * (1.0 - mu))
        out = (new < lo) | (new > hi)
        new = np.where(out, 0.5 * (lo + hi), new)
        done = np.max(np.abs(new - u)) < 1e-12 * (1.0 + np.max(np.abs(u)))
        u = new
        if done:
            break
    mu = expit(beta + tau * u)
    return u, n * mu * (1.0 - mu)


def _agq_deviance(params, x, n, z, w):
    """Adaptive GHQ approximation of -2 log marginal likelihood (lme4 glmerAGQ form):
    sum_i h_i(u^_i) - 2 log(sd_i sum_k w_k exp(z_k^2/2 - (h_i(u^_i + sd_i z_k) - h_i(u^_i))/2))
    with sd_i = (1 + tau^2 W_i)^(-1/2) from the curvature at the mode."""
    beta, tau = params
    u, wt = _mode(beta, tau, x, n)
    sd = 1.0 / np.sqrt(1.0 + tau * tau * wt)
    h0 = _h(u, beta, tau, x, n)
    hk = _h(u[:, None] + z[None, :] * sd[:, None], beta, tau, x[:, None], n[:, None])
    s = np.sum(w * np.exp(0.5 * z * z - 0.5 * (hk - h0[:, None])), axis=1)
    return float(np.sum(h0 - 2.0 * np.log(sd * s)))


def _hessian(f, p, delta=1e-4):
    """Central-difference Hessian (same scheme and step as lme4's deriv12)."""
    p = np.asarray(p, float)
    m, f0 = p.size, f(p)
    H, E = np.empty((m, m)), np.eye(m) * delta
    for j in range(m):
        H[j, j] = (f(p + E[j]) - 2.0 * f0 + f(p - E[j])) / delta**2
        for i in range(j):
            H[i, j] = H[j, i] = (f(p + E[i] + E[j]) - f(p + E[i] - E[j])
                                 - f(p - E[i] + E[j]) + f(p - E[i] - E[j])) / (4 * delta**2)
    return H


def glmm_pool(events, totals, alpha=0.05, nagq=7) -> PoolResult:
    """Binomial-normal random-intercept model, ML via adaptive Gauss-Hermite quadrature.

    logit(p_i) = beta + b_i, b_i ~ N(0, tau2); no continuity correction.  The default
    nagq=7 is metafor's (and the glmer call's) default.  SE of beta is from the
    inverse of the numerical Hessian of the deviance in (beta, tau), as lme4's vcov();
    CI and PI are z-based as in metafor (test="z").
    """
    x, n = _check(events, totals)
    k = x.size
    zc = stats.norm.ppf(1 - alpha / 2)
    if np.all((x == 0) | (x == n)):  # no study strictly between 0 and n events
        side = "0" if np.all(x == 0) else "n" if np.all(x == n) else None
        why = (f"all studies have {side} events: ML logit is {'-' if side == '0' else '+'}inf"
               if side else "every study has 0 or n events: ML tau2 is +inf (likelihood "
               "increases without bound in tau)")
        return PoolResult("GLMM-ML", k, *([float("nan")] * 6),
                          tau2=float("nan") if side else float("inf"),
                          prop={"0": 0.0, "n": 1.0, None: float("nan")}[side],
                          prop_lb=float("nan"), prop_ub=float("nan"),
                          prop_pi_lb=float("nan"), prop_pi_ub=float("nan"), crit=zc,
                          df=float("nan"), pooled=k > 1, estimable=False,
                          note=why + "; not estimable (metafor errors or returns an "
                                     "unconverged fit)")
    if k == 1:  # single study: binomial Wald interval on the logit scale, no pooling
        p = x[0] / n[0]
        return _finish("GLMM-ML", 1, logit(p), 1 / np.sqrt(n[0] * p * (1 - p)), zc,
                       float("nan"), float("nan"), alpha, pi=False, pooled=False,
                       note="k=1: single study returned, no pooling "
                            "(metafor rma.glmm refuses k=1)")
    z, w = _gh_rule(nagq)
    dev = lambda p: _agq_deviance(p, x, n, z, w)
    # tau enters only as tau^2 (the deviance is even in tau), so (beta, tau) is optimised
    # unconstrained.  The tau2 profile can be bimodal (interior local optimum next to a
    # global one at tau2 = 0), so start from the best point of a coarse profile grid.
    b0 = logit(np.clip(x.sum() / n.sum(), 1e-6, 1 - 1e-6))
    prof = lambda t: optimize.minimize_scalar(lambda b: dev([b, t]), bracket=(b0 - 1, b0 + 1))
    grid = [(r.fun, r.x, t) for t in (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
            for r in [prof(t)]]
    _, b_start, t_start = min(grid, key=lambda g: g[0])
    best = optimize.minimize(dev, [b_start, max(t_start, 0.05)], method="Nelder-Mead",
                             options=dict(xatol=1e-10, fatol=1e-13, maxiter=20000))
    beta, tau = best.x[0], abs(best.x[1])
    b_fe = grid[0][1]
    if grid[0][0] <= best.fun + 1e-10:  # boundary solution tau2 = 0 (pooled binomial)
        beta, tau = b_fe, 0.0
    H = _hessian(lambda p: dev([p[1], p[0]]), [tau, beta])  # order (theta, beta) as lme4
    try:
        var = 2.0 * np.linalg.inv(H)[1, 1]
    except np.linalg.LinAlgError:
        var = -1.0
    if not var > 0:  # lme4 falls back to the conditional (RX) variance given tau
        wt = _mode(beta, tau, x, n)[1]
        var = 1.0 / np.sum(wt / (1 + tau**2 * wt))
    return _finish("GLMM-ML", k, beta, np.sqrt(var), zc, float("nan"), tau**2, alpha,
                   note="k=2: tau2 and PI are poorly determined" if k == 2 else "")


# ---------------------------------------------------------- DerSimonian-Laird --

def escalc_plo(events, totals, add=0.5):
    """Logit proportions and sampling variances, adding `add` to both cells only for
    studies with 0 or n events (metafor escalc: measure="PLO", to="only0")."""
    x, n = _check(events, totals)
    c = np.where((x == 0) | (x == n), add, 0.0)
    a, b = x + c, n - x + c
    return np.log(a / b), 1.0 / a + 1.0 / b


def dl_pool(events, totals, alpha=0.05, knha=False) -> PoolResult:
    """Random-effects inverse-variance pooling of logits with DL tau2 (metafor rma.uni)."""
    y, v = escalc_plo(events, totals)
    k = y.size
    w = 1.0 / v
    mu_fe = np.sum(w * y) / np.sum(w)
    Q = float(np.sum(w * (y - mu_fe) ** 2))
    if k > 1:
        trP = np.sum(w) - np.sum(w**2) / np.sum(w)
        tau2 = max(0.0, (Q - (k - 1)) / trP)
        vt = (k - 1) / trP                         # "typical" sampling variance
        I2, H2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
    else:
        tau2, I2, H2 = 0.0, 0.0, 1.0
    wr = 1.0 / (v + tau2)
    est = np.sum(wr * y) / np.sum(wr)
    var = 1.0 / np.sum(wr)
    note = ""
    if knha and k == 1:
        knha, note = False, "k=1: test='z' used (as metafor)"
    if knha:
        rss = np.sum(wr * (y - est) ** 2)
        s2w = rss / (k - 1) if rss > np.finfo(float).eps else 0.0  # no truncation at 1
        var, df = var * s2w, k - 1
        crit = stats.t.ppf(1 - alpha / 2, df)
    else:
        df, crit = float("nan"), stats.norm.ppf(1 - alpha / 2)
    if k <= 2:
        extra = ("k=1: single study returned, no pooling" if k == 1
                 else "k=2: tau2, I2 and PI are poorly determined")
        note = "; ".join(filter(None, [note, extra]))
    return _finish("DL-KNHA" if knha else "DL", k, est, np.sqrt(var), crit, df, tau2,
                   alpha, I2=float(I2), H2=float(H2), Q=Q, weights=100 * wr / wr.sum(),
                   pooled=k > 1, note=note)
