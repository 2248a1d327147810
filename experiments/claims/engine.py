"""The claims engine of theory/claims.md: a claim is data (metric, kind, direction, margin, primary
and descriptive comparisons), and its verdict, with the numbers that decided it, is computed here and
nowhere else.

Verdict words are only: supported, contradicted, inconclusive, "supported on k of m" (a claim stated
per dataset), and "too few seeds" (fewer than 3 paired seeds: no test is possible).
"""
from dataclasses import dataclass, field
import math

import numpy as np

from . import stats

ALPHA = 0.05
MIN_SEEDS = 3


@dataclass
class Comparison:
    """Paired per-seed differences A − B of one metric (same seeds, same noise)."""
    label: str
    diffs: list
    primary: bool = True


@dataclass
class Claim:
    """A pre-declared claim. kind: superiority (A − B on the `direction` side of 0), equivalence
    (|A − B| < margin, TOST), trend (the slope of the metric over a design has the `direction`
    sign) or rate (the exponent p of metric ∝ x^p equals `predicted` within a margin). `margin` is
    absolute in the metric's units; `margin_text` says how it was stated."""
    id: str
    text: str
    metric: str
    kind: str
    direction: str = "less"
    margin_text: str = ""
    per_dataset: bool = True
    unit: str = "training seed"
    predicted: float = float("nan")  # a rate claim's exponent

    def __post_init__(self):
        assert self.kind in ("superiority", "equivalence", "trend", "rate"), self.kind
        assert self.kind != "rate" or math.isfinite(self.predicted), "a rate claim states its exponent"
        assert self.direction in ("less", "greater"), self.direction


@dataclass
class Verdict:
    word: str
    decided: str  # what decided it, in one clause
    lines: list = field(default_factory=list)  # one per comparison: effect, interval, k, margin, p
    k: int = 0
    effect: float = float("nan")  # the primary comparison nearest to deciding (the weakest)
    interval: tuple = (float("nan"), float("nan"))
    effect_name: str = "d̄"  # "slope" for a trend

    def line(self):
        eff = "" if math.isnan(self.effect) else (
            f"{self.effect_name} = {self.effect:+.4g} [{self.interval[0]:+.4g}, {self.interval[1]:+.4g}], ")
        return f"**{self.word}** ({eff}k = {self.k}; {self.decided})"


def _fmt(x):
    return f"{x:+.4g}" if math.isfinite(x) else "n/a"


def _too_few(comparisons):
    k = min((len(c.diffs) for c in comparisons if c.primary), default=0)
    return k < MIN_SEEDS, k


# Superiority comparisons are one-sided tests at α = 0.05, whose matching two-sided interval is the
# 90 % one: a comparison significant before correction is one whose 90 % interval excludes 0.
LEVEL = 0.90


def _describe(c, extra=""):
    mean, se, k = stats.summary(c.diffs)
    lo, hi = stats.interval(c.diffs, LEVEL)
    return f"{c.label}: d̄ = {_fmt(mean)} [90 % CI {_fmt(lo)}, {_fmt(hi)}], k = {k}{extra}"


def judge(claim, comparisons, margin=None, alpha=ALPHA):
    """The verdict of one family of comparisons (one dataset's, for a per-dataset claim)."""
    primary = [c for c in comparisons if c.primary]
    if not primary:
        return Verdict("inconclusive", "no primary comparison ran")
    few, k = _too_few(comparisons)
    descriptive = [_describe(c) + " (descriptive)" for c in comparisons if not c.primary]
    if few:
        return Verdict("too few seeds", f"a verdict needs {MIN_SEEDS} paired seeds",
                       [_describe(c) for c in primary] + descriptive, k)
    if claim.kind == "superiority":
        return _superiority(claim, primary, descriptive, k, alpha)
    if claim.kind == "equivalence":
        if margin is None or not margin > 0:
            raise ValueError(f"claim {claim.id}: an equivalence claim needs a margin > 0")
        return _equivalence(claim, primary, descriptive, k, margin, alpha)
    raise ValueError("trend claims are judged by judge_trend")


def _superiority(claim, primary, descriptive, k, alpha):
    opposite = "greater" if claim.direction == "less" else "less"
    p = [stats.one_sided_p(c.diffs, claim.direction) for c in primary]
    q = [stats.one_sided_p(c.diffs, opposite) for c in primary]
    adj, rejected = stats.holm(p, alpha)
    adj_q, rejected_q = stats.holm(q, alpha)
    sign = "<" if claim.direction == "less" else ">"
    lines = [_describe(c, f", Holm p = {a:.3g} for d̄ {sign} 0") for c, a in zip(primary, adj)] + descriptive
    weakest = max(range(len(primary)), key=lambda i: adj[i])
    mean, _, _ = stats.summary(primary[weakest].diffs)
    ci = stats.interval(primary[weakest].diffs, LEVEL)
    m = len(primary)
    if any(rejected_q):
        bad = [primary[i].label for i in range(m) if rejected_q[i]]
        return Verdict("contradicted", f"{', '.join(bad)} significant the other way (Holm over {m})", lines, k,
                       *_effect(primary[rejected_q.index(True)]))
    if all(rejected):
        return Verdict("supported", f"all {m} primary comparison(s) significant, Holm-corrected at α = {alpha}",
                       lines, k, mean, ci)
    n = stats.seeds_needed(primary[weakest].diffs, alpha / m)
    need = (f"; {primary[weakest].label} needs ≈ {n} seeds at this effect size" if n and (mean < 0) == (
        claim.direction == "less") else f"; {primary[weakest].label} has its mean on the other side")
    return Verdict("inconclusive", f"{sum(rejected)} of {m} primary comparison(s) significant{need}", lines, k,
                   mean, ci)


def _effect(c):
    mean, _, _ = stats.summary(c.diffs)
    return mean, stats.interval(c.diffs, LEVEL)


def _equivalence(claim, primary, descriptive, k, margin, alpha):
    p = [stats.tost_p(c.diffs, margin) for c in primary]
    adj, rejected = stats.holm(p, alpha)
    ci90 = [stats.interval(c.diffs, 1 - 2 * alpha) for c in primary]
    lines = [f"{c.label}: d̄ = {_fmt(stats.summary(c.diffs)[0])} [90 % CI {_fmt(lo)}, {_fmt(hi)}], k = "
             f"{len(c.diffs)}, margin ±{margin:.4g}, TOST Holm p = {a:.3g}"
             for c, (lo, hi), a in zip(primary, ci90, adj)] + descriptive
    m = len(primary)
    outside = [i for i, (lo, hi) in enumerate(ci90) if lo > margin or hi < -margin]
    weakest = max(range(m), key=lambda i: adj[i])
    mean, _, _ = stats.summary(primary[weakest].diffs)
    if outside:
        i = outside[0]
        return Verdict("contradicted", f"{primary[i].label}: the whole 90 % interval lies beyond the margin "
                       f"±{margin:.4g} ({claim.margin_text})", lines, k, stats.summary(primary[i].diffs)[0], ci90[i])
    if all(rejected):
        return Verdict("supported", f"every 90 % interval inside ±{margin:.4g} ({claim.margin_text}), TOST Holm "
                       f"over {m}", lines, k, mean, ci90[weakest])
    # Holm decides, not the raw intervals: a 90 % interval can lie inside the margin while its
    # Holm-adjusted TOST p is above α (G d=8's claim 4 had 5 raw intervals inside, 3 equivalent).
    return Verdict("inconclusive", f"{sum(rejected)} of {m} comparison(s) equivalent within ±{margin:.4g} "
                   f"({claim.margin_text}) by TOST after Holm; a non-significant difference is not equivalence",
                   lines, k, mean, ci90[weakest])


def judge_trend(claim, x, y_by_seed, x_label, resamples=2000, seed=0):
    """A trend claim: the slope of the seed-mean metric over x, with a bootstrap interval over whole
    seeds; supported when the whole interval has the predicted sign, contradicted when it has the
    other."""
    y = np.asarray(y_by_seed, dtype=float)
    k = y.shape[0] if y.ndim == 2 else 0
    if k < MIN_SEEDS or len(x) < 2:
        return Verdict("too few seeds" if k < MIN_SEEDS else "inconclusive",
                       f"{len(x)} design point(s); a verdict needs {MIN_SEEDS} seeds and 2 points", [], k)
    est, lo, hi = stats.bootstrap_slope(x, y, resamples=resamples, seed=seed)
    sign = "negative" if claim.direction == "less" else "positive"
    line = f"slope of {claim.metric} against {x_label}: {est:+.4g} [95 % bootstrap over seeds {lo:+.4g}, {hi:+.4g}], k = {k}"
    predicted = hi < 0 if claim.direction == "less" else lo > 0
    against = lo > 0 if claim.direction == "less" else hi < 0
    if predicted:
        return Verdict("supported", f"the slope's whole interval is {sign}", [line], k, est, (lo, hi), "slope")
    if against:
        return Verdict("contradicted", f"the slope's whole interval has the other sign (predicted {sign})", [line], k,
                       est, (lo, hi), "slope")
    return Verdict("inconclusive", f"the slope's interval contains 0 (predicted {sign})", [line], k, est, (lo, hi),
                   "slope")


def judge_rate(claim, x, y, margin, x_label):
    """A rate claim on one sweep: the exponent p of y ∝ x^p by least squares on log-log axes, with
    its 90 % t interval on the fit's residuals (the design points are the unit: the values may be
    exact, and what is uncertain is how well one power law fits them). Supported when the interval
    lies inside predicted ± margin, contradicted when it lies wholly outside, else inconclusive."""
    if not margin > 0:
        raise ValueError(f"claim {claim.id}: a rate claim needs a margin > 0")
    p, lo, hi, n = stats.loglog_slope(x, y, LEVEL)
    lo_ok, hi_ok = claim.predicted - margin, claim.predicted + margin
    band = f"{claim.predicted:g} ± {margin:g} ({claim.margin_text})" if claim.margin_text else f"{claim.predicted:g} ± {margin:g}"
    if n < 3 or not math.isfinite(lo):
        return Verdict("inconclusive", f"{n} usable design point(s) over {x_label}: a rate needs 3 for an interval",
                       [f"exponent of {claim.metric} against {x_label}: {_fmt(p)} from {n} point(s), no interval"], n,
                       p, (lo, hi), "exponent")
    line = (f"exponent of {claim.metric} against {x_label}: {p:+.4g} [90 % t interval {lo:+.4g}, {hi:+.4g}] over "
            f"{n} points, predicted {band}")
    if lo_ok < lo and hi < hi_ok:
        return Verdict("supported", f"the whole interval lies inside {band}", [line], n, p, (lo, hi), "exponent")
    if hi < lo_ok or lo > hi_ok:
        return Verdict("contradicted", f"the whole interval lies outside {band}", [line], n, p, (lo, hi), "exponent")
    return Verdict("inconclusive", f"the interval reaches outside {band} but not wholly", [line], n, p, (lo, hi),
                   "exponent")


def combine(per_dataset, per="dataset"):
    """A per-dataset claim's overall word from its datasets' verdicts {dataset: Verdict}; `per`
    names what the claim is stated per (a dataset, a sweep, a target) in the note."""
    judged = {d: v for d, v in per_dataset.items() if v.word != "too few seeds"}
    if not judged:
        k = min((v.k for v in per_dataset.values()), default=0)
        return "too few seeds", f"k = {k} paired seeds on every {per}"
    n_sup = sum(v.word == "supported" for v in judged.values())
    contra = [d for d, v in judged.items() if v.word == "contradicted"]
    word = f"supported on {n_sup} of {len(judged)}"
    note = f"contradicted on {', '.join(contra)}" if contra else f"no {per} contradicts it"
    skipped = [d for d in per_dataset if d not in judged]
    if skipped:
        note += f"; too few seeds on {', '.join(skipped)}"
    return word, note
