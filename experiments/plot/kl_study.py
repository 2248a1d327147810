#!/usr/bin/env python3
"""Plots of the KL-bound study: identity curves (E0, G0), KL and bounds against eps (E2A, G2A),
and KL against eps*sqrt(S) with y = x. Usage: kl_study.py results/kl.h5 OUTDIR"""
import os
import sys

import h5py
import numpy as np

import style

style.apply()
import matplotlib.pyplot as plt  # noqa: E402


def column(s, k):
    v = s[k][...]
    return np.array([x.decode() for x in v]) if v.dtype.kind in "OS" else v


def main(path, outdir):
    f = h5py.File(path, "r")
    s = f["summary"]
    exp, case = column(s, "experiment"), column(s, "case")

    fig, ax = plt.subplots(1, 3, figsize=(21, 5))
    for g in sorted(f["e0"]) if "e0" in f else []:
        c = f["e0"][g]
        line, = ax[0].plot(c["t"][...], c["kl"][...], lw=1.5, marker="", label=g.replace("_", "→"))
        ax[0].plot(c["t"][...], c["identity"][...], color=line.get_color(), lw=1, ls="none", marker=line.get_marker(),
                   markevery=max(1, len(c["t"]) // 8))
    ax[0].set(xlabel="t", ylabel="KL(p_t‖q_t)", title="E0: KL and ∫g (Lemma 3.1)")
    identity_key = [("KL (line)", dict(ls="-", marker="")), ("∫g (markers)", dict(ls="none", marker="o"))]
    for g in sorted(f["g0"]) if "g0" in f else []:
        c = f["g0"][g]
        line, = ax[1].plot(c["t"][...], c["kl"][...], lw=1.5, marker="", label="mixture " + g)
        ax[1].plot(c["t"][...], c["identity"][...], color=line.get_color(), lw=1, ls="none", marker=line.get_marker(),
                   markevery=max(1, len(c["t"]) // 8))
    ax[1].set(xlabel="t", ylabel="KL(p_t‖q_t)", title="G0: mixtures, Monte-Carlo KL and ∫ĝ (ODE-free)")
    for tag in ("E1", "G1", "E1-cross"):
        for g in sorted(f[tag]) if tag in f else []:
            c = f[tag][g]
            line, = ax[2].plot(c["t"][...], c["kl"][...], lw=1.2, marker="", label=f"{tag} {g}")
            ax[2].plot(c["t"][...], c["identity"][...], color=line.get_color(), lw=0.8, ls="none",
                       marker=line.get_marker(), markevery=max(1, len(c["t"]) // 8))
    ax[2].set(xlabel="t", ylabel="KL(p_t‖q_t)", title="E1/G1: learned v, CNF KL̂ and ∫ĝ, first seed")
    for a, block in zip(ax, ("E0", "G0", "E1/G1")):
        if a.get_legend_handles_labels()[0]:
            style.legend_outside(a)
            style.style_key(a, identity_key)
        else:
            style.no_data(a, f"{block} did not run in this file")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "kl_identity.png"), dpi=110)

    fig, ax = plt.subplots(1, 3, figsize=(21, 5.2))
    floor = 1e-7  # KL below this is CNF/Monte-Carlo noise around an exact 0
    for i, (name, tag) in enumerate([("E2A schedules", "E2A"), ("G2A mixtures", "G2A")]):
        sel = exp == tag
        if not sel.any():
            style.no_data(ax[i], f"{tag} did not run in this file")
            continue
        eps, kl, cs, kb = (s[k][...][sel] for k in ("eps", "kl", "cs_bound", "kl_bound"))
        group = column(s, "schedule")[sel] if tag == "E2A" else np.array([f"d={int(x)}" for x in s["d"][...][sel]])
        fam = column(s, "delta_type")[sel]
        shown = []
        for key in sorted(set(zip(group, fam))):
            m = (group == key[0]) & (fam == key[1]) & (eps > 0)
            o = np.argsort(eps[m])
            line, = ax[i].loglog(eps[m][o], np.maximum(kl[m][o], floor), "o-", ms=3, label=f"{key[0]} {key[1]}")
            ax[i].loglog(eps[m][o], cs[m][o], "--", color=line.get_color(), lw=1, marker="")
            ax[i].loglog(eps[m][o], kb[m][o], ":", color=line.get_color(), lw=1, marker="")
            shown += [np.maximum(kl[m], floor), cs[m]]
        # The axis follows the KL and ε√S: A1ε + A2ε² can reach 1e19, which would flatten them.
        vals = np.concatenate(shown) if shown else np.array([])
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if len(vals):
            top = vals.max() * 30
            ax[i].set_ylim(vals.min() / 3, top)
            over = np.isfinite(kb) & (kb > top)
            if over.any():
                ax[i].text(0.02, 0.97, f"A1ε+A2ε² above the axis at {over.sum()} of {len(kb)} points "
                           f"(up to {kb[over].max():.0e})", transform=ax[i].transAxes, va="top", fontsize=8)
        ax[i].set(xlabel="ε", ylabel="KL and its bounds", title=name)
        style.legend_outside(ax[i], ncol=1 if len(set(zip(group, fam))) <= 12 else 2)
        style.style_key(ax[i], [("KL", dict(ls="-", marker="o")), ("ε√S", dict(ls="--")),
                                ("A1ε+A2ε²", dict(ls=":"))], loc="lower right")
    sel = (exp == "E2A") | (exp == "G2A") | (exp == "E2B") | (exp == "G2B")
    kl, cs, se = s["kl"][...][sel], s["cs_bound"][...][sel], s["kl_se"][...][sel]
    ok = cs > 0
    palette = {"E2A": "tab:blue", "G2A": "tab:orange", "E2B": "tab:green", "G2B": "tab:red"}
    colors = [palette[e] for e in exp[sel][ok]]
    ax[2].scatter(cs[ok], np.maximum(kl[ok], floor), s=10, c=colors, marker="o")
    ax[2].errorbar(cs[ok], np.maximum(kl[ok], floor), yerr=3 * se[ok], fmt="none", ecolor="gray", elinewidth=0.5)
    lim = [cs[ok].min() / 2, cs[ok].max() * 2]
    ax[2].plot(lim, lim, "k-", lw=0.8, label="y = x")
    ax[2].set(xscale="log", yscale="log", xlabel="ε√S", ylabel="KL (±3 s.e.; floored at 1e-7)",
              title="KL against ε√S")
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color="k", lw=0.8, marker="", label="y = x")] + [
        Line2D([], [], ls="none", marker="o", color=c, label=e) for e, c in palette.items() if (exp[sel][ok] == e).any()]
    ax[2].legend(handles=handles)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "kl_bounds.png"), dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
