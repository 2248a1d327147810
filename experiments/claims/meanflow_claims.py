"""The SD-FM paper's mean-flow claims (theory/sdfm_variants.md §2), declared once and judged on the
study's /mean_flow table beside its /summary (the FM models of the same size).

Mean-flow couplings are found by the role the config's mean_flow block declares (independent or
sd); the FM model MF2 compares with is the /summary coupling whose role is sd.
"""
from .engine import Claim, Comparison, combine, judge

CLAIMS = [
    Claim("MF1", "SD-MF beats I-MF at every NFE", "held-out W2 of the k-step mean-flow sampler, NFE 1, 2, 4, 8",
          "superiority"),
    Claim("MF2", "one step of SD-MF beats one Euler step of SD-FM", "held-out W2 at NFE 1", "superiority"),
]


def mean_flow_roles(conf):
    """{label: role} of the config's mean-flow couplings ({} without a mean_flow block)."""
    block = conf.get("mean_flow") or {}
    return {c["label"]: c["role"] for c in block.get("couplings", [])}


def _one(roles, role):
    found = [label for label, r in roles.items() if r == role]
    return found[0] if len(found) == 1 else None


def judge_all(mf, fm, mf_roles, fm_roles):
    """[(claim, word, note, {dataset: Verdict})] for MF1 and MF2. `mf` and `fm` are
    sdfm_claims.Table objects over /mean_flow and /summary."""
    sd_mf, i_mf = _one(mf_roles, "sd"), _one(mf_roles, "independent")
    sd_fm = _one(fm_roles, "sd")
    out = []
    mf1, mf2 = CLAIMS
    if sd_mf and i_mf:
        verdicts = {}
        for ds in mf.datasets:
            if mf.ran(ds, sd_mf) and mf.ran(ds, i_mf):
                nfes = sorted({k[4] for k in mf.index if k[0] == ds and k[1] == sd_mf})
                verdicts[ds] = judge(mf1, [Comparison(f"SD-MF − I-MF, {k} step{'s' if k > 1 else ''}",
                                                      mf.diffs("w2", ds, sd_mf, i_mf, "meanflow", k)) for k in nfes])
        word, note = combine(verdicts) if verdicts else ("not tested", "no dataset ran both mean-flow couplings")
        out.append((mf1, word, note, verdicts))
    else:
        out.append((mf1, "not tested", "the mean_flow block declares no coupling with role sd and independent", {}))
    if sd_mf and sd_fm:
        verdicts = {}
        for ds in mf.datasets:
            if not (mf.ran(ds, sd_mf) and fm.ran(ds, sd_fm)):
                continue
            diffs = []
            for q in sorted(set(mf.seeds(ds, sd_mf)) & set(fm.seeds(ds, sd_fm))):
                a, b = mf.value("w2", ds, sd_mf, q, "meanflow", 1), fm.value("w2", ds, sd_fm, q, "euler", 1)
                if a is not None and b is not None:
                    diffs.append(a - b)
            verdicts[ds] = judge(mf2, [Comparison("SD-MF 1 step − SD-FM Euler 1", diffs)])
        word, note = combine(verdicts) if verdicts else ("not tested", "no dataset ran SD-MF and SD-FM")
        out.append((mf2, word, note, verdicts))
    else:
        out.append((mf2, "not tested", "needs a mean-flow coupling and an FM coupling with role sd", {}))
    return out
