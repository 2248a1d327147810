"""The SD-FM paper's conditional claims (theory/sdfm_variants.md §1), declared once and judged on the
study's /conditional table. Couplings are found by the role the config's conditional block declares
(independent, ot_small_batch, sd), never by their labels.

C1  SD < OT < I on per-class W2 at low NFE: per dataset, at guidance 1 and Euler NFE 1, 2 and 4 (those
    that ran), the primary comparisons SD − OT and OT − I, Holm over all of them.
C2  the SD advantage holds at every guidance scale: per dataset, at Euler NFE 4 (else the largest
    Euler NFE ≤ 4 that ran), SD − OT and SD − I at every guidance scale γ > 0, Holm over all of them.
    γ = 0 is the unconditional model, whose per-class W2 mostly measures how it mixes the classes:
    its comparisons are printed as descriptive and do not decide.
C3  super-resolution PSNR ranks SD ≥ OT ≥ I at low NFE: on the /super_resolution table (the image's
    pooled, noisy copy as a continuous condition), per dataset, SD − OT > 0 and OT − I > 0 in PSNR at
    Euler NFE 1, 2 and 4 (those that ran), Holm over all of them. Its couplings are found by the roles
    the super_resolution block declares.
"""
import math

from .engine import Claim, Comparison, combine, judge
from .sdfm_claims import Table

LOW_NFE = (1, 2, 4)
C2_NFE = 4

CLAIMS = [
    Claim("C1", "SD < OT < I on per-class W2 at low NFE", "mean per-class W2 (guidance 1, Euler NFE 1, 2, 4)",
          "superiority"),
    Claim("C2", "the SD advantage holds at every guidance scale", "mean per-class W2 (Euler NFE 4, every guidance "
          "scale γ > 0; SD against OT and against I)", "superiority"),
    Claim("C3", "super-resolution PSNR ranks SD ≥ OT ≥ I at low NFE", "PSNR against the image whose pooled copy was "
          "the condition (Euler NFE 1, 2, 4)", "superiority", direction="greater"),
]
C3_NOT_TESTED = "the study config has no super_resolution block (continuous conditions)"


class CondTable:
    """The /conditional rows, addressed by (dataset, coupling, seed, guidance, solver, nfe)."""

    def __init__(self, t):
        self.t = t
        self.index = {}
        for i in range(len(t["dataset"])):
            nfe = int(t["nfe"][i]) if t["solver"][i] != "dopri5" else None
            key = (t["dataset"][i], t["coupling"][i], int(t["seed"][i]), float(t["guidance"][i]), t["solver"][i], nfe)
            self.index[key] = i
        self.datasets = list(dict.fromkeys(t["dataset"]))

    def ran(self, ds, label):
        return any(k[0] == ds and k[1] == label for k in self.index)

    def seeds(self, ds, label):
        return sorted({k[2] for k in self.index if k[0] == ds and k[1] == label})

    def nfes(self, ds, label):
        return sorted({k[5] for k in self.index if k[0] == ds and k[1] == label and k[4] == "euler"})

    def guidances(self, ds, label):
        return sorted({k[3] for k in self.index if k[0] == ds and k[1] == label})

    def value(self, metric, ds, label, seed, guidance, solver, nfe=None):
        i = self.index.get((ds, label, seed, float(guidance), solver, nfe))
        return None if i is None or metric not in self.t else float(self.t[metric][i])

    def diffs(self, metric, ds, a, b, guidance, solver, nfe=None):
        """Paired per-seed a − b over the seeds that ran both."""
        out = []
        for q in sorted(set(self.seeds(ds, a)) & set(self.seeds(ds, b))):
            x = self.value(metric, ds, a, q, guidance, solver, nfe)
            y = self.value(metric, ds, b, q, guidance, solver, nfe)
            if x is not None and y is not None and math.isfinite(x) and math.isfinite(y):
                out.append(x - y)
        return out


def conditional_roles(conf):
    """{label: role} of the config's conditional couplings ({} without a conditional block)."""
    block = conf.get("conditional") or {}
    return {c["label"]: c["role"] for c in block.get("couplings", [])}


def _one(roles, role):
    found = [label for label, r in roles.items() if r == role]
    return found[0] if len(found) == 1 else None


def super_resolution_roles(conf):
    """{label: role} of the config's super-resolution couplings ({} without the block)."""
    block = conf.get("super_resolution") or {}
    return {c["label"]: c["role"] for c in block.get("couplings", [])}


def judge_c3(sr, sr_roles):
    """C3 on the /super_resolution rows (a dict of columns, or None without the block)."""
    c3 = CLAIMS[2]
    if sr is None:
        return (c3, "not tested", C3_NOT_TESTED, {})
    sd, ot, ind = _one(sr_roles, "sd"), _one(sr_roles, "ot_small_batch"), _one(sr_roles, "independent")
    if not (sd and ot and ind):
        return (c3, "not tested", "the super_resolution block declares no single coupling with each role sd, "
                "ot_small_batch, independent", {})
    t = Table(sr)
    verdicts = {}
    for ds in t.datasets:
        if not all(t.ran(ds, lab) for lab in (sd, ot, ind)):
            continue
        nfes = sorted({k[4] for k in t.index if k[0] == ds and k[1] == sd and k[3] == "euler" and k[4] in LOW_NFE})
        comps = []
        for k in nfes:
            comps.append(Comparison(f"SD − OT, NFE {k}", t.diffs("psnr", ds, sd, ot, "euler", k)))
            comps.append(Comparison(f"OT − I, NFE {k}", t.diffs("psnr", ds, ot, ind, "euler", k)))
        if comps:
            verdicts[ds] = judge(c3, comps)
    word, note = combine(verdicts) if verdicts else ("not tested", "no dataset ran the three couplings at NFE 1, 2 or 4")
    return (c3, word, note, verdicts)


def judge_all(t, roles, sr=None, sr_roles=None):
    """[(claim, word, note, {dataset: Verdict})] for C1 and C2 on a CondTable, and C3 on the
    /super_resolution rows when given."""
    sd, ot, ind = _one(roles, "sd"), _one(roles, "ot_small_batch"), _one(roles, "independent")
    c1, c2, _ = CLAIMS
    untested = judge_c3(sr, sr_roles or {})
    if not (sd and ot and ind):
        missing = [r for r, lab in (("sd", sd), ("ot_small_batch", ot), ("independent", ind)) if lab is None]
        note = f"the conditional block declares no single coupling with role {', '.join(missing)}"
        return [(c1, "not tested", note, {}), (c2, "not tested", note, {}), untested]
    out = []
    v1, v2 = {}, {}
    for ds in t.datasets:
        if not all(t.ran(ds, lab) for lab in (sd, ot, ind)):
            continue
        nfes = [k for k in t.nfes(ds, sd) if k in LOW_NFE]
        if nfes and 1.0 in t.guidances(ds, sd):
            comps = []
            for k in nfes:
                comps.append(Comparison(f"SD − OT, NFE {k}", t.diffs("w2_class", ds, sd, ot, 1.0, "euler", k)))
                comps.append(Comparison(f"OT − I, NFE {k}", t.diffs("w2_class", ds, ot, ind, 1.0, "euler", k)))
            v1[ds] = judge(c1, comps)
        below = [k for k in t.nfes(ds, sd) if k <= C2_NFE]
        if below:
            k = max(below)
            comps = []
            for g in t.guidances(ds, sd):
                comps.append(Comparison(f"SD − OT, γ = {g:g}", t.diffs("w2_class", ds, sd, ot, g, "euler", k), g > 0))
                comps.append(Comparison(f"SD − I, γ = {g:g}", t.diffs("w2_class", ds, sd, ind, g, "euler", k), g > 0))
            v2[ds] = judge(c2, comps)
    for claim, v in ((c1, v1), (c2, v2)):
        word, note = combine(v) if v else ("not tested", "no dataset ran the sd, ot_small_batch and independent "
                                                          "couplings at the claim's NFE")
        out.append((claim, word, note, v))
    return out + [untested]
