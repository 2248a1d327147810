"""The tests of theory/claims.md §2, on paired per-seed differences.

Every function takes the differences d_s = metric(A, s) − metric(B, s), one per seed (or per
independent Monte-Carlo batch), and uses the t distribution with k − 1 degrees of freedom.
"""
import math

import numpy as np
from scipy import stats as st


def summary(diffs):
    """Mean, standard error and k of the paired differences."""
    d = np.asarray(diffs, dtype=float)
    k = len(d)
    mean = float(d.mean()) if k else float("nan")
    se = float(d.std(ddof=1) / math.sqrt(k)) if k > 1 else float("nan")
    return mean, se, k


def one_sided_p(diffs, direction):
    """p-value of the paired t test of H0: mean = 0 against mean < 0 (direction 'less') or > 0."""
    mean, se, k = summary(diffs)
    if k < 2:
        return float("nan")
    if se == 0:
        return 0.0 if (mean < 0) == (direction == "less") and mean != 0 else 1.0
    t = mean / se
    return float(st.t.cdf(t, k - 1) if direction == "less" else st.t.sf(t, k - 1))


def interval(diffs, level):
    """Two-sided t interval of the mean difference at `level` (0.95, or 0.90 for TOST)."""
    mean, se, k = summary(diffs)
    if k < 2:
        return float("nan"), float("nan")
    q = st.t.ppf(0.5 + level / 2, k - 1)
    return mean - q * se, mean + q * se


def holm(pvalues, alpha=0.05):
    """Holm's step-down correction: adjusted p-values (monotone, capped at 1) and which are rejected."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted, [a <= alpha for a in adjusted]


def tost_p(diffs, margin):
    """Two one-sided tests of |mean| < margin: the larger of the two p-values (equivalent at level α
    when it is ≤ α, i.e. when the (1 − 2α) interval lies inside (−margin, margin))."""
    mean, se, k = summary(diffs)
    if k < 2:
        return float("nan")
    if se == 0:
        return 0.0 if abs(mean) < margin else 1.0
    lower = st.t.sf((mean + margin) / se, k - 1)  # H0: mean ≤ −margin
    upper = st.t.cdf((mean - margin) / se, k - 1)  # H0: mean ≥ +margin
    return float(max(lower, upper))


def seeds_needed(diffs, alpha=0.05, power=0.8):
    """Seeds a one-sided paired t test would need to detect the observed mean at this spread (normal
    approximation, then one t correction): what would decide an inconclusive comparison."""
    mean, se, k = summary(diffs)
    if k < 2 or mean == 0 or not math.isfinite(se):
        return None
    sd = se * math.sqrt(k)
    n = ((st.norm.ppf(1 - alpha) + st.norm.ppf(power)) * sd / abs(mean)) ** 2
    n = ((st.t.ppf(1 - alpha, max(2, math.ceil(n)) - 1) + st.norm.ppf(power)) * sd / abs(mean)) ** 2
    return max(3, math.ceil(n))


def bootstrap_slope(x, y_by_seed, resamples=2000, level=0.95, seed=0):
    """Least-squares slope of the seed-mean of y against x, with a bootstrap interval that resamples
    whole seeds (rows of y_by_seed: one seed, one value per design point x)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y_by_seed, dtype=float)
    def slope(rows):
        m = rows.mean(axis=0)
        xc = x - x.mean()
        return float((xc * (m - m.mean())).sum() / (xc * xc).sum())
    est = slope(y)
    rng = np.random.default_rng(seed)
    k = y.shape[0]
    boot = np.array([slope(y[rng.integers(0, k, k)]) for _ in range(resamples)])
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return est, float(lo), float(hi)


def loglog_slope(x, y, level):
    """The exponent p of y ∝ x^p by least squares on log-log axes, with its t interval on the fit's
    residuals (n − 2 degrees of freedom): (p, lo, hi, n). Points with x or y ≤ 0 or not finite are
    left out; fewer than 3 points leave no residual degree of freedom, and the interval is NaN."""
    pts = [(math.log(a), math.log(b)) for a, b in zip(x, y)
           if math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0]
    n = len(pts)
    if n < 2:
        return float("nan"), float("nan"), float("nan"), n
    lx = np.array([p[0] for p in pts])
    ly = np.array([p[1] for p in pts])
    xc = lx - lx.mean()
    sxx = float((xc * xc).sum())
    if sxx == 0:
        return float("nan"), float("nan"), float("nan"), n
    p = float((xc * (ly - ly.mean())).sum() / sxx)
    if n < 3:
        return p, float("nan"), float("nan"), n
    resid = ly - ly.mean() - p * xc
    se = math.sqrt(float((resid * resid).sum()) / (n - 2) / sxx)
    half = float(st.t.ppf((1 + level) / 2, n - 2)) * se
    return p, p - half, p + half, n
