"""The TV study's rate claim (theory/tv_rate.md), declared once and judged by the engine.

The minimax exponent β/(2β + d) is the worst case of a Hölder class; the study's targets are single
members of it (the 1-D holder target is β-Hölder at one point only), so it is not the rate these
instances allow and is shown as a reference line, never judged. What the study can judge is FM
against the KDE on the same instance and the same samples: per repetition (an independent sweep of
training sets over n), the exponent r of TV ∝ n^−r for each estimator, fitted over the study's
n ≥ n_min; the paired difference r_FM − r_KDE over repetitions is the comparison. The claim is an
equivalence: FM's rate equals the KDE's within a stated margin.
"""
from . import stats
from .engine import Claim, Comparison, combine, judge

MARGIN = 0.1  # in the exponent: the rate to one decimal

RATE_VS_KDE = Claim("T1", "FM's TV falls with n at the KDE's rate on the same samples", "r_FM − r_KDE (TV ∝ n^−r)",
                    "equivalence", margin_text="0.1 in the exponent", unit="repetition")


def per_rep_rates(s, target, column, n_min):
    """{rep: r} with r the exponent of `column` ∝ n^−r over n ≥ n_min for one repetition (NaN when
    fewer than 2 usable n)."""
    out = {}
    rows = [i for i in range(len(s["target"])) if s["target"][i] == target and s["n"][i] >= n_min and s["n"][i] > 0]
    for rep in sorted({s["rep"][i] for i in rows}):
        mine = sorted((i for i in rows if s["rep"][i] == rep), key=lambda i: s["n"][i])
        p, _, _, _ = stats.loglog_slope([s["n"][i] for i in mine], [s[column][i] for i in mine], 0.90)
        out[rep] = -p
    return out


def judge_all(s, n_min):
    """[(claim, word, note, {target: Verdict})] and {target: (mean r_FM, mean r_KDE)} for the report."""
    verdicts, means = {}, {}
    for tg in dict.fromkeys(s["target"]):
        fm = per_rep_rates(s, tg, "tv", n_min)
        kde = per_rep_rates(s, tg, "kde_tv", n_min)
        reps = [r for r in fm if r in kde and fm[r] == fm[r] and kde[r] == kde[r]]
        if not reps:
            continue
        diffs = [fm[r] - kde[r] for r in reps]
        verdicts[tg] = judge(RATE_VS_KDE, [Comparison(f"{tg}: r_FM − r_KDE", diffs)], margin=MARGIN)
        means[tg] = (sum(fm[r] for r in reps) / len(reps), sum(kde[r] for r in reps) / len(reps))
    if not verdicts:
        return [(RATE_VS_KDE, "not tested", "no target has two sample sizes at or above n_min", {})], means
    word, note = combine(verdicts, "target")
    return [(RATE_VS_KDE, word, note, verdicts)], means
