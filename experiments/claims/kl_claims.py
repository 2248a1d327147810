"""The KL study's identity checks (theory/kl_bound.md §1, §5), declared once and judged by the engine.

The KL evolution identity KL(p_1‖q_1) = ∫₀¹ E[(u − v)·(s_p − s_q)] dt is exact; what a row checks is
the estimator pipeline (G0: closed-form mixtures, no ODE; E1/G1: learned velocities through the CNF).
The unit is a disjoint Monte-Carlo batch of the evaluation draws (fm-kl-study writes each batch's
error identity(1) − KL̂(1) to `<curve_group>/batch_error`), so the error that ∫ĝ accumulates is in
the interval. The claim is an equivalence: the error lies within a stated margin of 0.
"""
from .engine import Claim, Comparison, combine, judge

# 10 % of the row's KL̂(1): the identity to one significant figure, plus the CNF's numerical accuracy
# (log q at rtol 1e-6 is good to about 1e-6; bounds::kKlTolerance).
RELATIVE_MARGIN = 0.10
ABSOLUTE_MARGIN = 1e-5

IDENTITY = Claim("ID", "∫₀¹ĝ dt = KL̂(1): the KL evolution identity at t = 1", "identity(1) − KL̂(1)",
                 "equivalence", margin_text=f"{RELATIVE_MARGIN:.0%} of KL̂(1) + {ABSOLUTE_MARGIN:g}",
                 per_dataset=True, unit="Monte-Carlo batch")


def margin(kl):
    return RELATIVE_MARGIN * abs(kl) + ABSOLUTE_MARGIN


def judge_rows(f, s, rows):
    """{case: Verdict} for the given rows of a KL study file `f` (an open h5py.File) with summary `s`."""
    out = {}
    for i in rows:
        errors = [float(x) for x in f[s["curve_group"][i] + "/batch_error"][()]]
        out[s["case"][i]] = judge(IDENTITY, [Comparison(s["case"][i], errors)], margin=margin(s["kl"][i]))
    return out


def overall(verdicts):
    """The claim's word over the rows ("supported on k of m") and its note."""
    return combine(verdicts) if verdicts else ("not tested", "no identity row ran")
