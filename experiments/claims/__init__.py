"""fmkit's claims engine (theory/claims.md): claims declared as data, judged by paired t tests with
Holm's correction, TOST against a stated margin, seed-bootstrap trends, and rates (log-log exponents) against a
stated exponent."""
from .engine import ALPHA, MIN_SEEDS, Claim, Comparison, Verdict, combine, judge, judge_rate, judge_trend

__all__ = ["ALPHA", "MIN_SEEDS", "Claim", "Comparison", "Verdict", "combine", "judge", "judge_rate", "judge_trend"]
