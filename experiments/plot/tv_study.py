#!/usr/bin/env python3
"""Plots of the TV-rate study (theory/tv_rate.md): TV against n on log-log axes for FM and the two
KDE bandwidths with the fitted and the reference slopes and FM's floor (the same training rule on
fresh samples) as a horizontal line (a rule scaled with n: its floor runs, their mean per n and the
line claim T1 judges against), one panel per target (tv_rate.png); and
eps_n, KL and the bound chain against n (tv_eps_kl.png).
Usage: tv_study.py results/tv.h5 OUTDIR"""
import os
import sys

import h5py
import numpy as np

import style as plot_style

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from experiments.claims.tv_claims import FLOOR_RATIO  # noqa: E402

plot_style.apply()
import matplotlib.pyplot as plt  # noqa: E402


def load(f, group):
    g = f[group]
    return {k: (np.array([x.decode() for x in g[k][...]]) if g[k].dtype.kind in "OS" else g[k][...]) for k in g}


def per_n(s, m, col):
    """Sample sizes, means and standard errors over repetitions of one column (finite n only: n = 0
    is the floor run on fresh samples)."""
    ns = np.array(sorted(n for n in set(s["n"][m]) if n > 0))
    vals = [s[col][m & (s["n"] == n)] for n in ns]
    mean = np.array([v.mean() for v in vals])
    se = np.array([v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0 for v in vals])
    return ns, mean, se


def fit_row(fits, target, quantity):
    m = (fits["target"] == target) & (fits["quantity"] == quantity)
    return {k: fits[k][m][0] for k in fits} if m.any() else None


def main(path, outdir):
    with h5py.File(path, "r") as f:
        s, fits = load(f, "summary"), load(f, "fits")
    targets = list(dict.fromkeys(s["target"]))
    cols = min(3, len(targets))
    rows = (len(targets) + cols - 1) // cols
    fig, ax = plt.subplots(rows, cols, figsize=(5.2 * cols, 5.6 * rows), squeeze=False)
    for k, tg in enumerate(targets):
        a = ax[k // cols][k % cols]
        m = s["target"] == tg
        for col, label, style in (("tv", "FM", "o-"), ("kde_tv", "KDE (CV h)", "s-"),
                                  ("kde_oracle_tv", "KDE (oracle-rate h)", "^-")):
            ns, mean, se = per_n(s, m, col)
            line = a.errorbar(ns, mean, yerr=se, fmt=style, ms=4, capsize=2, label=label)[0]
            fr = fit_row(fits, tg, col)
            if fr is not None and np.isfinite(fr["slope"]):
                nf = ns[ns >= fr["n_min"]]
                a.plot(nf, np.exp(fr["intercept"]) * nf ** (-fr["slope"]), ":", color=line.get_color(),
                       label=f"{label} fit r = {fr['slope']:.2f} [{fr['lo']:.2f}, {fr['hi']:.2f}]")
        fl = m & (s["n"] == 0)
        if fl.any() and "rule_n" in s and (s["rule_n"][fl] > 0).any():
            # A rule scaled with n: each n has the floor of its own rule.
            ns, floor, _ = per_n(s, m, "floor_tv")
            a.plot(ns, floor, "-", color="C0", lw=1, alpha=0.5, label="FM floor of the rule at n (fresh samples)")
            # Each floor run too: with a few runs per n their spread is the floor's uncertainty.
            a.plot(s["rule_n"][fl], s["tv"][fl], "x", color="C0", ms=4, alpha=0.5)
            # Claim T1 judges a target only where FM's TV is above this line at every fitted n.
            a.plot(ns, FLOOR_RATIO * floor, "--", color="C0", lw=0.8, alpha=0.5,
                   label=f"{FLOOR_RATIO:g}× floor (T1 judges above it)")
        elif fl.any():
            a.axhline(s["tv"][fl].mean(), color="C0", lw=1, alpha=0.5,
                      label=f"FM floor (fresh samples): {s['tv'][fl].mean():.3f}")
        ns, mean, _ = per_n(s, m, "tv")
        ref = fit_row(fits, tg, "tv")["reference_slope"]
        a.plot(ns, mean[0] * (ns / ns[0]) ** (-ref), "k--", lw=1, label=f"reference r = {ref:.3f}")
        a.set(xscale="log", yscale="log", xlabel="n (training samples)", ylabel="TV(p, q)", title=tg)
        # Below the panel: the lines fill it, and the floor runs sit at its bottom.
        a.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    for k in range(len(targets), rows * cols):
        ax[k // cols][k % cols].axis("off")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "tv_rate.png"), dpi=110)

    fig, ax = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.3 * rows), squeeze=False)
    for k, tg in enumerate(targets):
        a = ax[k // cols][k % cols]
        m = s["target"] == tg
        for col, label, style in (("eps", "ε_n", "o-"), ("kl", "KL(p‖q)", "s-"), ("tv", "TV", "v-"),
                                  ("pinsker_tv", "√(KL/2)", "d-"), ("tv_bound", "√((A1ε+A2ε²)/2)", "x-")):
            ns, mean, se = per_n(s, m, col)
            ok = mean > 0  # a Monte-Carlo KL can be negative; log axes show the positive means
            a.errorbar(ns[ok], mean[ok], yerr=se[ok], fmt=style, ms=4, capsize=2, label=label)
        a.set(xscale="log", yscale="log", xlabel="n (training samples)", ylabel="ε_n, KL, TV and bounds (mean ± s.e.)",
              title=f"{tg}: ε_n, KL and the bound chain")
        a.legend(fontsize=8)
    for k in range(len(targets), rows * cols):
        ax[k // cols][k % cols].axis("off")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "tv_eps_kl.png"), dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
