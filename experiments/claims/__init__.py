"""fmkit's claims engine (theory/claims.md): claims declared as data, judged by paired t tests with
Holm's correction, TOST against a stated margin, and seed-bootstrap trends."""
from .engine import ALPHA, MIN_SEEDS, Claim, Comparison, Verdict, combine, judge, judge_trend

__all__ = ["ALPHA", "MIN_SEEDS", "Claim", "Comparison", "Verdict", "combine", "judge", "judge_trend"]
