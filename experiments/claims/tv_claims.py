"""The TV study's rate claim (theory/tv_rate.md), declared once and judged by the engine.

The minimax exponent β/(2β + d) is the worst case of a Hölder class; the study's targets are single
members of it (the 1-D holder target is β-Hölder at one point only), so it is not the rate these
instances allow and is shown as a reference line, never judged. What the study can judge is FM
against the KDE on the same instance and the same samples: per repetition (an independent sweep of
training sets over n), the exponent r of TV ∝ n^−r for each estimator, fitted over the study's
n ≥ n_min; the paired difference r_FM − r_KDE over repetitions is the comparison. The claim is an
equivalence: FM's rate equals the KDE's within a stated margin.

An exponent fitted where FM's TV sits at its training rule's floor (the same rule on fresh samples)
measures the rule, not n. So a target is judged only where FM's mean TV is at least FLOOR_RATIO
times its rule's floor at every fitted n; elsewhere its verdict is inconclusive and says so.
"""
from . import stats
from .engine import Claim, Comparison, combine, judge

MARGIN = 0.1  # in the exponent: the rate to one decimal
FLOOR_RATIO = 1.5  # "clearly above the floor": the finite-n TV at least 1.5× the rule's floor

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


def floor_tv(s, target, n):
    """The floor FM's TV at n is read against: the mean of the rows' floor_tv (the floor runs of the
    rule at n), or, in files from before the rule could scale, the mean TV of the target's floor runs
    (n = 0). NaN without floor runs."""
    rows = range(len(s["target"]))
    if "floor_tv" in s:
        v = [s["floor_tv"][i] for i in rows if s["target"][i] == target and s["n"][i] == n]
    else:
        v = [s["tv"][i] for i in rows if s["target"][i] == target and s["n"][i] == 0]
    return sum(v) / len(v) if v else float("nan")


def mean_tv(s, target, n):
    v = [s["tv"][i] for i in range(len(s["target"])) if s["target"][i] == target and s["n"][i] == n]
    return sum(v) / len(v) if v else float("nan")


def at_floor(s, target, n_min):
    """[(n, TV/floor)] at the fitted n where FM's mean TV is below FLOOR_RATIO × its rule's floor
    (an n without a floor run counts as not cleared: nothing shows it is above the floor)."""
    ns = sorted({s["n"][i] for i in range(len(s["target"])) if s["target"][i] == target and s["n"][i] >= n_min
                 and s["n"][i] > 0})
    out = []
    for n in ns:
        ratio = mean_tv(s, target, n) / floor_tv(s, target, n)
        if not ratio >= FLOOR_RATIO:
            out.append((n, ratio))
    return out


def judge_all(s, n_min):
    """[(claim, word, note, {target: Verdict})] and {target: (mean r_FM, mean r_KDE)} for the report."""
    verdicts, means, not_judged = {}, {}, []
    for tg in dict.fromkeys(s["target"]):
        fm = per_rep_rates(s, tg, "tv", n_min)
        kde = per_rep_rates(s, tg, "kde_tv", n_min)
        reps = [r for r in fm if r in kde and fm[r] == fm[r] and kde[r] == kde[r]]
        if not reps:
            continue
        diffs = [fm[r] - kde[r] for r in reps]
        v = judge(RATE_VS_KDE, [Comparison(f"{tg}: r_FM − r_KDE", diffs)], margin=MARGIN)
        floor = at_floor(s, tg, n_min)
        if floor and v.word != "too few seeds":
            where = ", ".join(f"n = {int(n)} ({'no floor run' if r != r else f'{r:.2f}×'})" for n, r in floor)
            v.word = "inconclusive"
            v.decided = (f"not judged: FM's TV is not {FLOOR_RATIO}× above its training rule's floor at {where}, so its "
                         "exponent measures the rule, not n")
            not_judged.append(tg)
        verdicts[tg] = v
        means[tg] = (sum(fm[r] for r in reps) / len(reps), sum(kde[r] for r in reps) / len(reps))
    if not verdicts:
        return [(RATE_VS_KDE, "not tested", "no target has two sample sizes at or above n_min", {})], means
    word, note = combine(verdicts, "target")
    if not_judged:  # else "supported on 0 of m" with "no target contradicts it" hides why
        note += f"; not judged on {', '.join(not_judged)}: at the training rule's floor"
    return [(RATE_VS_KDE, word, note, verdicts)], means
