"""What every section shares: reading study files, table cells, the verdict bookkeeping behind the
overview, and the claims engine's tables."""
import json
import math
import os

import h5py

from experiments.claims import stats
from experiments.claims.engine import LEVEL

NOT_RUN = "not run"


def mean_se_cell(v, digits):
    """'mean ± standard error' of a list of per-seed values; one seed has no standard error, and a
    combination with no values was not run."""
    if not v:
        return NOT_RUN
    m = sum(v) / len(v)
    if len(v) == 1:
        return f"{m:.{digits}f} (1 seed: no s.e.)"
    se = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1) / len(v))
    return f"{m:.{digits}f} ± {se:.{digits}f}"


def number_or(x, fmt, why):
    """A table cell: the number, or what it is instead and why (a report has no NaN cells)."""
    return format(x, fmt) if isinstance(x, (int, float)) and math.isfinite(x) else f"n/a ({why})"


EXACT_HEADING = "## Exact flow of a 2-D Gaussian mixture"


KL_HEADING = "## KL bound (theory/kl_bound.md; paper: Su et al., arXiv 2511.05480)"


DFM_HEADING = "## Diffusion flow matching with Euler–Maruyama (theory/dfm.md; papers: arXiv 2409.08311 and 2606.16610)"


SDFM_HEADING = "## SD-FM vs OT-FM vs FM (theory/sdfm.md; paper: arXiv 2509.25519)"


TV_HEADING = "## TV rate of flow matching (theory/tv_rate.md)"


OVERVIEW = []  # (study heading, claim, verdict, effect) rows for the report's opening table, in order


def note_verdict(study, claim, verdict, effect):
    OVERVIEW.append((study, claim, verdict, effect))


VERDICT_TERMS = (
    "Each claim is a test declared before the data (experiments/claims/, theory/claims.md): "
    "per seed s the paired difference d_s = metric(A, s) − metric(B, s) on the same noise; d̄ its mean "
    "over k seeds with a 90 % t interval on k − 1 degrees of freedom (the interval of a one-sided test at "
    "α = 0.05). *supported*: every primary comparison "
    "significant in the claimed direction after Holm's correction (α = 0.05), or, for an equivalence "
    "claim, every 90 % interval inside the stated margin (TOST); *contradicted*: a primary comparison "
    "significant the other way, or an interval wholly beyond the margin; *inconclusive*: anything else, "
    "with the seeds that would decide it; *supported on k of m*: a claim stated per dataset, supported "
    "on k of the m datasets that ran its couplings; *too few seeds*: fewer than 3 paired seeds, no test. "
    "A non-significant difference is never read as equivalence.")


def effect_summary(verdicts, per="dataset"):
    """A claim's effect across its datasets (or sweeps): the weakest primary comparison's d̄ per
    dataset, as a range; k counts seeds, or a rate's design points."""
    effs = [(v.effect, v.k, v.effect_name) for v in verdicts.values() if math.isfinite(v.effect)]
    if not effs:
        return "—"
    lo, hi = min(e for e, _, _ in effs), max(e for e, _, _ in effs)
    ks = sorted({k for _, k, _ in effs})
    name = effs[0][2]
    seeds = f"k = {ks[0]}" if len(ks) == 1 else f"k = {ks[0]}–{ks[-1]}"
    seeds += " points" if name == "exponent" else ""
    if len(effs) == 1:
        v = next(iter(verdicts.values()))
        return f"{name} = {v.effect:+.3g} [{v.interval[0]:+.3g}, {v.interval[1]:+.3g}], {seeds}"
    # The datasets' 90 % intervals, as the range they span together.
    ends = [x for v in verdicts.values() if math.isfinite(v.effect) for x in v.interval if math.isfinite(x)]
    span = f", 90 % intervals within [{min(ends):+.3g}, {max(ends):+.3g}]" if ends else ""
    return f"{name} from {lo:+.3g} to {hi:+.3g} over {len(effs)} {per}s{span}, {seeds}"


RATE_TERMS = (
    "Each rate claim is declared before the data (experiments/claims/, theory/claims.md): per sweep, the "
    "exponent p of the metric ∝ x^p by least squares on log-log axes over the sweep's smallest design points, "
    "with its 90 % t interval on the fit's residuals (n − 2 degrees of freedom; the values are exact or "
    "grid-accurate, so the uncertainty is how well one power law fits). *supported*: the whole interval inside "
    "the predicted exponent ± the stated margin; *contradicted*: the whole interval outside it; *inconclusive*: "
    "anything else; *supported on k of m*: supported on k of the m sweeps.")


def claims_section(results, n_seeds, study=None, terms=VERDICT_TERMS, per="dataset", units="seeds"):
    """The claims table and, per claim, each dataset's verdict line and comparisons (all from the
    claims engine's numbers); with `study` (its section heading) each claim joins the overview.
    `n_seeds` None: a study without seeds (no quick-run note); `per` names what a claim is stated per,
    `units` what its k counts (seeds; the TV study's repetitions)."""
    for claim, word, note, verdicts in results if study else []:
        note_verdict(study, f"{claim.id} {claim.text}", f"**{word}**", effect_summary(verdicts, per) if verdicts else note)
    out = ["### The claims", ""]
    if n_seeds is not None and n_seeds < 5:
        out += [f"**Quick run: low power ({n_seeds} {units}) — verdicts are indicative.**", ""]
    out += [terms, "", "| claim | metric | verdict | why |", "|---|---|---|---|"]
    for claim, word, note, verdicts in results:
        out.append(f"| {claim.id} {claim.text} | {claim.metric} | **{word}** | {note} |")
    out.append("")
    for claim, word, note, verdicts in results:
        if not verdicts:
            continue
        out.append(f"Claim {claim.id} ({claim.text})" + (f", per {per}:" if claim.per_dataset else ":"))
        out.append("")
        for ds, v in verdicts.items():
            out.append(f"- {ds}: {v.line()}")
            out += [f"  - {line}" for line in v.lines]
        out.append("")
    return out


def study_config(d, name):
    """The config stored in a study file (a gathered sweep stores the shared part of its run configs
    under "shared")."""
    with h5py.File(os.path.join(d, name), "r") as f:
        conf = json.loads(f["config"][()])
    return conf.get("shared", conf)


def study_table(d, name, group="summary"):
    """A study's table (/summary, or another group such as /fits) as {column: list} and the file's
    wall time, or None if the file or the group is absent."""
    path = os.path.join(d, name)
    if not os.path.exists(path):
        return None
    with h5py.File(path, "r") as f:
        if group not in f:
            return None
        return {k: col(f[group], k) for k in f[group]}, f.attrs.get("wall_time_s", float("nan"))


def col(s, k):
    v = s[k][...]
    return [x.decode() for x in v] if v.dtype.kind in "OS" else list(v)


def fit_slope(x, y):
    """Least-squares exponent of y ~ x^p on log-log axes (finite, positive points only; NaN with
    fewer than 2): the claims engine's fit, without its interval."""
    return stats.loglog_slope(x, y, LEVEL)[0]


def with_partial_note(d, name, section):
    """A study section, flagged under its heading when its file is a partial gather of a sweep
    (`fm-sweep gather --partial`: the root attribute runs_missing > 0)."""
    path = os.path.join(d, name)
    if not section or not os.path.exists(path):
        return section
    with h5py.File(path, "r") as f:
        missing = int(f.attrs.get("runs_missing", 0))
        runs = int(f.attrs.get("runs", 0))
    if missing == 0:
        return section
    note = (f"**Partial result:** {runs} of the sweep's {runs + missing} runs are complete and gathered here; the "
            "rest are not, so every number, plot and verdict below covers only what has run.")
    return section[:2] + [note, ""] + section[2:]
