#!/usr/bin/env python3
"""Assemble results/REPORT.md from the HDF5 results present in a results directory."""
import math
import os
import sys

import h5py


def exact_flow(d):
    path = os.path.join(d, "exact_flow.h5")
    if not os.path.exists(path):
        return []
    with h5py.File(path, "r") as f:
        s = {k: f["summary"][k][0] for k in f["summary"]}
    err = float(s["max_abs_log_q_minus_log_p"])
    verdict = "holds" if err < 1e-4 else "FAILS"
    return [
        "## Exact flow of a 2-D Gaussian mixture",
        "",
        "Claim (theory/kl_bound.md §3): the augmented backward CNF ODE reproduces the exact log-density "
        "of the pushed-forward source without autodiff.",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| samples | {int(s['n'])} |",
        f"| sampling NFE (Dopri5, rtol 1e-6) | {int(s['nfe'])} |",
        f"| mean CNF log q1 | {float(s['mean_log_q']):.6f} |",
        f"| mean exact log p1 | {float(s['mean_log_p_exact']):.6f} |",
        f"| max abs(log q1 − log p1) | {err:.2e} ({verdict} against 1e-4) |",
        f"| wall time | {float(s['wall_time_s']):.2f} s |",
        "",
        "![exact flow](exact_flow.png)",
        "",
    ]


def col(s, k):
    v = s[k][...]
    return [x.decode() for x in v] if v.dtype.kind in "OS" else list(v)


def kl_study(d):
    path = os.path.join(d, "kl.h5")
    if not os.path.exists(path):
        return []
    with h5py.File(path, "r") as f:
        s = {k: col(f["summary"], k) for k in f["summary"]}
        wall = f.attrs.get("wall_time_s", float("nan"))
    rows = range(len(s["experiment"]))
    out = ["## KL bound (theory/kl_bound.md; paper: Su et al., arXiv 2511.05480)", "",
           f"Quick config, {wall:.0f} s. A bound counts as violated only when KL exceeds it by more than "
           "3 Monte-Carlo standard errors plus the CNF's numerical accuracy (1e-5): Monte-Carlo noise is "
           "not a violation.", ""]
    e0 = [i for i in rows if s["experiment"][i] == "E0"]
    if e0:
        out += ["### E0: the KL evolution identity (Lemma 3.1), closed form", "",
                "| pair | KL(0.25) | KL(0.5) | KL(0.75) | KL(1) | max abs(∫g − KL) | d/dt check | CNF log q err | pass |",
                "|---|---|---|---|---|---|---|---|---|"]
        for i in e0:
            out.append(f"| {s['case'][i]} | {s['kl_t025'][i]:.4e} | {s['kl_t050'][i]:.6f} | {s['kl_t075'][i]:.6f} | "
                       f"{s['kl'][i]:.6f} | {s['identity_max_abs_err'][i]:.1e} | {s['derivative_max_err'][i]:.3f} | "
                       f"{s['ode_logq_max_err'][i]:.1e} | {'yes' if s['pass'][i] else 'NO'} |")
        out += ["", "Theory check values: (a1, a2) 4.0660e-5 / 0.032798 / 0.304994 / 0.521416, trapezoid error "
                "3.0e-5; (a2, a3) 0.083675 / 0.257366 / 0.208399 / 0.091825, error 1.5e-5. The derivative rule "
                "(< 1e-2 with step 0.05) applies to the study's pair a1 → 0.3 sin πt + 0.2; on steeper pairs its "
                "truncation error alone exceeds it, so there it is reported, not judged.", ""]
    for tag, title in (("E2A", "E2A: perturbed schedule velocities v = (a + δ)x"),
                       ("G2A", "G2A (fmkit extension): mixture targets, v = u + δ")):
        idx = [i for i in rows if s["experiment"][i] == tag]
        if not idx:
            continue
        viol = sum(s["violated"][i] for i in idx)
        noise = sum(1 for i in idx if s["cs_verdict"][i] == "within noise")
        resolved = [i for i in idx if s["kl"][i] > 3 * s["kl_se"][i] + 1e-5]  # beyond noise and CNF accuracy
        rc = [s["ratio_kl_cs"][i] for i in resolved if math.isfinite(s["ratio_kl_cs"][i])]
        rb = [s["ratio_kl_bound"][i] for i in resolved if math.isfinite(s["ratio_kl_bound"][i])]
        out += [f"### {title}", "",
                f"{len(idx)} cases; significant violations of either bound: **{viol}**; KL above ε√S but within "
                f"noise: {noise}. Where KL is resolved (> 3 s.e. + 1e-5), KL/(ε√S) ranges "
                f"{min(rc) if rc else float('nan'):.2f}–{max(rc) if rc else float('nan'):.2f} and KL/(A1ε + A2ε²) "
                f"{min(rb) if rb else float('nan'):.2e}–{max(rb) if rb else float('nan'):.2e}.", "",
                "| case | ε | S | KL ± s.e. | ε√S | A1ε + A2ε² | KL/ε√S | verdict (ε√S) |", "|---|---|---|---|---|---|---|---|"]
        for i in idx:
            out.append(f"| {s['case'][i]} | {s['eps'][i]:.4f} | {s['S'][i]:.3e} | {s['kl'][i]:.3e} ± {s['kl_se'][i]:.1e} | "
                       f"{s['cs_bound'][i]:.3e} | {s['kl_bound'][i]:.3g} | {s['ratio_kl_cs'][i]:.2f} | {s['cs_verdict'][i]} |")
        out.append("")
    g0 = [i for i in rows if s["experiment"][i] == "G0"]
    if g0:
        out += ["### G0 (fmkit extension): the identity for mixtures without an ODE", "",
                "| case | KL(1) ± s.e. | max abs(∫ĝ − KL̂) | tolerance 3 s.e. + 1e-3 | pass |", "|---|---|---|---|---|"]
        for i in g0:
            out.append(f"| {s['case'][i]} | {s['kl'][i]:.4f} ± {s['kl_se'][i]:.4f} | {s['identity_max_abs_err'][i]:.4f} | "
                       f"{s['tolerance'][i]:.4f} | {'yes' if s['pass'][i] else 'no'} |")
        out += ["", "The tolerance covers the noise of KL̂(1) but not the noise ∫ĝ accumulates; a miss by a few "
                "percent is Monte-Carlo noise (in d = 32 the paper config misses by 4 % at seed 12345 and passes "
                "at seed 7 with half the error; a finer t-grid does not change it).", ""]
    e1 = [i for i in rows if s["experiment"][i] in ("E1", "E1-cross", "G1")]
    if e1:
        out += ["### E1 / G1: the identity with learned velocities (CNF log q and score; G1 on mixtures)", "",
                "| case | steps | val MSE | ε | KL(1) | median / max / mean abs(∫ĝ − KL̂)/KL̂ (%) |", "|---|---|---|---|---|---|"]
        for i in e1:
            out.append(f"| {s['case'][i]} | {s['steps'][i] if s['experiment'][i] in ('E1', 'G1') else ''} | "
                       f"{s['val_mse'][i]:.3g} | {s['eps'][i]:.3g} | {s['kl'][i]:.4f} | "
                       f"{s['identity_median_rel_err_pct'][i]:.1f} / {s['identity_max_rel_err_pct'][i]:.0f} / "
                       f"{s['identity_mean_rel_err_pct'][i]:.1f} |")
        out += ["", "The relative error is Monte-Carlo noise over small KL̂ (the max sits near t = 0 where KL̂ → 0); "
                "the quick config evaluates 21 times × 400 samples × 2 seeds, the paper config 101 × 2000 × 5.", ""]
    e2b = [i for i in rows if s["experiment"][i] in ("E2B", "G2B")]
    if e2b:
        viol = sum(s["violated"][i] for i in e2b)
        out += ["### E2B / G2B: the bound across training checkpoints (ε the full-norm RMS; G2B on mixtures)", "",
                f"{len(e2b)} best-so-far checkpoints; significant violations: **{viol}**.", "",
                "| checkpoint | ε | KL ± s.e. | ε√S | A1ε + A2ε² | L_v sampled / rigorous |", "|---|---|---|---|---|---|"]
        for i in e2b:
            out.append(f"| {s['case'][i]} | {s['eps'][i]:.3f} | {s['kl'][i]:.3e} ± {s['kl_se'][i]:.1e} | "
                       f"{s['cs_bound'][i]:.3e} | {s['kl_bound'][i]:.3g} | {s['L_v'][i]:.2f} / {s['L_v_rigorous'][i]:.2f} |")
        out.append("")
    out += ["Findings: the identity holds to trapezoid accuracy in closed form and to Monte-Carlo accuracy "
            "for mixtures; ε√S is nearly tight for constant δ (KL/ε√S ≈ 1, where noise can put KL̂ above it) "
            "and loose for the sine family, whose KL(p₁‖q₁) is exactly 0 while ε√S > 0; A1ε + A2ε² is linear "
            "in ε while KL is O(ε²), so it is loose by one to two orders of magnitude for schedules and vacuous "
            "(10¹⁵ and beyond) for mixtures, where e^{L_v} explodes (L_v ~ 1/σ_k²).", "",
            "![identity](kl_identity.png)", "", "![bounds](kl_bounds.png)", ""]
    return out


def main(d):
    lines = ["# fmkit reproduction report", "", "Generated by `make reproduce` (quick configs).", ""]
    lines += exact_flow(d)
    lines += kl_study(d)
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
