"""The DFM study's rate claims (theory/dfm.md, E1 and E2), declared once and judged by the engine's
rate test.

The KL values are exact (Gaussian moment propagation) or grid-accurate, with Monte-Carlo KL_path
only where no closed form exists; the unit is the design point (a step size h, a drift error ε).
What is uncertain is how well one power law fits the sweep: the 90 % t interval of the log-log
exponent on the fit's residuals measures that, and the claim is that it lies within a stated
margin of the predicted exponent. The rates are asymptotic, so each sweep is fitted on its
FIT_POINTS smallest values.
"""
import math

from .engine import Claim, combine, judge_rate

MARGIN = 0.1  # in the exponent: the rate to one decimal
MARGIN_TEXT = "the rate to one decimal"
FIT_POINTS = 4

PATH_H = Claim("R1", "KL_path falls like h (the brackets' linear rate; E1)", "KL_path", "rate", predicted=1.0,
               margin_text=MARGIN_TEXT, unit="design point")
MARG_H = Claim("R2", "KL_marg falls like h², faster than the brackets (E1)", "KL_marg", "rate", predicted=2.0,
               margin_text=MARGIN_TEXT, unit="design point")
# Only the shifts with no cross term with the discretisation (theory/dfm.md E2: P3/P4 have them).
SHIFTS = ("constant", "time_local")
MARG_EPS = Claim("R3", "KL_marg(ε) − KL_marg(0) grows like ε² (constant and time-local shifts; E2)",
                 "KL_marg(ε) − KL_marg(0)", "rate", predicted=2.0, margin_text=MARGIN_TEXT, unit="design point")


def _rows(s, **eq):
    return [i for i in range(len(s["experiment"])) if all(s[k][i] == v for k, v in eq.items())]


def h_sweeps(s):
    """{"family, σ²": E1 rows with the FIT_POINTS smallest h}, in the study's order."""
    out = {}
    for i in _rows(s, experiment="E1"):
        key = f"{s['family'][i]}, σ²={s['sigma2'][i]:g}"
        if key not in out:
            rows = _rows(s, experiment="E1", family=s["family"][i], sigma2=s["sigma2"][i])
            out[key] = sorted(rows, key=lambda r: s["h"][r])[:FIT_POINTS]
    return out


def eps_sweeps(s):
    """{"family, shift, N": ([ε], [KL_marg(ε) − KL_marg(0)])} of the E2 shifts without cross terms,
    on the FIT_POINTS smallest ε > 0 (ε from the achieved ε²)."""
    out = {}
    for i in _rows(s, experiment="E2"):
        if s["perturbation"][i] not in SHIFTS:
            continue
        fam, pert, n = s["family"][i], s["perturbation"][i], s["steps"][i]
        key = f"{fam}, {pert}, N={n}"
        if key in out:
            continue
        base = _rows(s, experiment="E2", family=fam, steps=n, perturbation="none")
        if not base:
            continue
        rows = sorted((r for r in _rows(s, experiment="E2", family=fam, steps=n, perturbation=pert) if s["eps2"][r] > 0),
                      key=lambda r: s["eps2"][r])[:FIT_POINTS]
        out[key] = ([math.sqrt(s["eps2"][r]) for r in rows],
                    [s["kl_marg"][r] - s["kl_marg"][base[0]] for r in rows])
    return out


def judge_all(s):
    """[(claim, word, note, {sweep: Verdict})] for the report's claims table."""
    results = []
    hs = h_sweeps(s)
    for claim, metric in ((PATH_H, "kl_path"), (MARG_H, "kl_marg")):
        verdicts = {k: judge_rate(claim, [s["h"][r] for r in rows], [s[metric][r] for r in rows], MARGIN, "h")
                    for k, rows in hs.items()}
        results.append(_result(claim, verdicts, "no E1 sweep ran"))
    verdicts = {k: judge_rate(MARG_EPS, eps, delta, MARGIN, "ε") for k, (eps, delta) in eps_sweeps(s).items()}
    results.append(_result(MARG_EPS, verdicts, "no E2 shift without cross terms ran"))
    return results


def _result(claim, verdicts, missing):
    if not verdicts:
        return claim, "not tested", missing, {}
    word, note = combine(verdicts, "sweep")
    return claim, word, note, verdicts
