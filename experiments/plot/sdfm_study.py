#!/usr/bin/env python3
"""Plots of the SD-FM study (theory/sdfm.md §8): held-out W2 and energy distance against NFE per
dataset (Euler, with Heun and Dopri5 marked), straightness per coupling, and pairing cost per pair;
with an /oracle table (§7), the on-atom fraction and W2 of the exact oracle flows against NFE.
Usage: sdfm_study.py results/sdfm.h5 OUTDIR"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def load(path, group="summary"):
    with h5py.File(path, "r") as f:
        if group not in f:
            return None
        s = f[group]
        return {k: (np.array([x.decode() for x in s[k][...]]) if s[k].dtype.kind in "OS" else s[k][...]) for k in s}


def panels(t, height):
    """Datasets and couplings of a table in first-seen order, and a 2-row figure with a column per dataset."""
    datasets = list(dict.fromkeys(t["dataset"]))
    couplings = list(dict.fromkeys(t["coupling"]))
    fig, ax = plt.subplots(2, len(datasets), figsize=(5.5 * len(datasets), height), squeeze=False)
    return datasets, couplings, fig, ax


def plot_oracle(o, outdir):
    datasets, couplings, fig, ax = panels(o, 8)
    for k, ds in enumerate(datasets):
        for cp in couplings:
            m = (o["dataset"] == ds) & (o["coupling"] == cp)
            order = np.argsort(o["nfe"][m])
            for r, metric in enumerate(("frac_on_atom", "w2")):
                ax[r][k].semilogx(o["nfe"][m][order], o[metric][m][order], "o-", ms=3, label=cp)
        ax[0][k].set(title=f"{ds}: samples landing on an atom", xlabel="Euler NFE", ylabel="fraction", ylim=(-0.03, 1.03))
        ax[1][k].set(title=f"{ds}: exact W2 to the atoms", xlabel="Euler NFE", ylabel="W2")
        ax[0][k].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_oracle.png"), dpi=110)


def main(path, outdir):
    o = load(path, "oracle")
    if o is not None:
        plot_oracle(o, outdir)
    s = load(path)
    datasets, couplings, fig, ax = panels(s, 8.5)
    for k, ds in enumerate(datasets):
        for cp in couplings:
            m = (s["dataset"] == ds) & (s["coupling"] == cp)
            e = m & (s["solver"] == "euler")
            nfes = sorted(set(s["nfe"][e]))
            for r, metric in enumerate(("w2", "energy")):
                mean = [s[metric][e & (s["nfe"] == n)].mean() for n in nfes]
                line, = ax[r][k].semilogx(nfes, mean, "o-", ms=3, label=cp)
                h = m & (s["solver"] == "heun")
                hn = sorted(set(s["nfe"][h]))
                ax[r][k].semilogx(hn, [s[metric][h & (s["nfe"] == n)].mean() for n in hn], "s:", ms=3,
                                  color=line.get_color())
                d = m & (s["solver"] == "dopri5")
                if d.any():
                    ax[r][k].semilogx([s["nfe"][d].mean()], [s[metric][d].mean()], "*", ms=9, color=line.get_color())
        ax[0][k].set(title=f"{ds}: held-out W2 (Euler o, Heun s, Dopri5 *)", xlabel="NFE", ylabel="W2")
        ax[1][k].set(title=f"{ds}: energy distance", xlabel="NFE", ylabel="energy distance")
        ax[0][k].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_nfe.png"), dpi=110)

    if not (s["solver"] == "dopri5").any():
        return  # straightness and pairing cost are read from the Dopri5 rows
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.5))
    x = np.arange(len(couplings))
    for k, ds in enumerate(datasets):
        d = (s["dataset"] == ds) & (s["solver"] == "dopri5")
        ax[0].bar(x + 0.8 * k / len(datasets), [s["curv_ott"][d & (s["coupling"] == c)].mean() for c in couplings],
                  0.8 / len(datasets), label=ds)
        ax[1].bar(x + 0.8 * k / len(datasets),
                  [1e6 * s["pairing_s_per_pair"][d & (s["coupling"] == c)].mean() for c in couplings],
                  0.8 / len(datasets), label=ds)
    for a, t in zip(ax, ("curvature (curv_ott, lower is straighter)", "pairing cost per pair (µs)")):
        a.set_xticks(x + 0.4 - 0.4 / len(datasets))
        a.set_xticklabels(couplings, rotation=20, fontsize=7)
        a.set_title(t)
        a.set_yscale("log")
        a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_straightness_cost.png"), dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ".")
