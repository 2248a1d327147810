#!/usr/bin/env python3
"""Plots of the DFM study (theory/dfm.md §7): KL_marg and KL_path against h with slopes 2 and 1
(E1), against eps^2 (E2), against d (E3), sharp targets and early stopping (E4), couplings (E5),
sigma (E6), and the implied constants KL/bracket along the sweeps.
Usage: dfm_study.py results/dfm.h5 OUTDIR"""
import os
import sys

import h5py
import numpy as np

import style

style.apply()
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    with h5py.File(path, "r") as f:
        s = f["summary"]
        out = {}
        for k in s:
            v = s[k][...]
            out[k] = np.array([x.decode() for x in v]) if v.dtype.kind in "OS" else v
    return out


def rows(s, **eq):
    m = np.ones(len(s["experiment"]), bool)
    for k, v in eq.items():
        m &= s[k] == v
    return np.where(m)[0]


def slope_guides(ax, h, y0, slopes=(2, 1)):
    """Reference lines of the given slopes through the first point of y0."""
    h = np.sort(h)
    for p, ls in zip(slopes, (":", "-.")):
        ax.plot(h, y0 * (h / h[-1]) ** p, ls, color="grey", lw=1, label=f"slope {p}")


def main(path, outdir):
    s = load(path)
    fams = lambda e: list(dict.fromkeys(s["family"][rows(s, experiment=e)]))

    # E1: KL_marg (solid) and KL_path (dashed) vs h, one colour per family and sigma^2.
    fig, ax = plt.subplots(1, 2, figsize=(17, 5))
    for fam in fams("E1"):
        for s2 in sorted(set(s["sigma2"][rows(s, experiment="E1", family=fam)])):
            i = rows(s, experiment="E1", family=fam, sigma2=s2)
            i = i[np.argsort(s["h"][i])]
            line, = ax[0].loglog(s["h"][i], s["kl_marg"][i], "o-", ms=3, label=f"{fam}, σ²={s2:g}")
            ax[0].loglog(s["h"][i], s["kl_path"][i], "--", color=line.get_color(), lw=1)
            ax[1].loglog(s["h"][i], s["C_fu"][i], "o-", ms=3, color=line.get_color())
            ax[1].loglog(s["h"][i], s["C_orig"][i], ":", color=line.get_color())
    i = rows(s, experiment="E1")
    if len(i):
        slope_guides(ax[0], s["h"][i], np.nanmax(s["kl_marg"][i]))
    ax[0].set(xlabel="h", ylabel="KL", title="E1: KL_marg (∝h²) and KL_path (∝h)")
    style.legend_outside(ax[0])
    style.style_key(ax[0], [("KL_marg", dict(ls="-", marker="o")), ("KL_path", dict(ls="--"))], loc="lower right")
    ax[1].set(xlabel="h", ylabel="KL_marg / bracket", title="E1: implied constants KL/B")
    style.style_key(ax[1], [("d³ follow-up", dict(ls="-", marker="o")), ("original bracket", dict(ls=":"))])
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "dfm_h.png"), dpi=120)

    # E2: KL vs eps^2 per perturbation, with the P1 ceiling eps^2/(2σ²) above KL_path(0).
    fam2 = fams("E2")
    if fam2:
        fig, ax = plt.subplots(1, len(fam2), figsize=(5.5 * len(fam2), 4.5), squeeze=False)
        for a, fam in zip(ax[0], fam2):
            base = rows(s, experiment="E2", family=fam, perturbation="none")
            for pt in [p for p in dict.fromkeys(s["perturbation"][rows(s, experiment="E2", family=fam)]) if p != "none"]:
                i = rows(s, experiment="E2", family=fam, perturbation=pt)
                i = i[np.argsort(s["eps2"][i])]
                e2 = np.concatenate([[0], s["eps2"][i]])
                km = np.concatenate([s["kl_marg"][base[:1]], s["kl_marg"][i]])
                kp = np.concatenate([s["kl_path"][base[:1]], s["kl_path"][i]])
                line, = a.plot(e2, km, "o-", ms=3, label=f"{pt}: KL_marg")
                a.plot(e2, kp, "--", color=line.get_color(), lw=1)
            if len(base):
                e2 = np.linspace(0, np.nanmax(s["eps2"][rows(s, experiment="E2", family=fam)]), 20)
                s2 = s["sigma2"][base[0]]
                a.plot(e2, s["kl_path"][base[0]] + e2 / (2 * s2), "k:", lw=1, label="KL_path(0) + ε²/(2σ²)")
            a.set(xlabel="ε² (grid sum)", ylabel="KL", title=f"E2: {fam}")
            a.legend()
            style.style_key(a, [("KL_marg", dict(ls="-", marker="o")), ("KL_path", dict(ls="--"))], loc="lower right")
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "dfm_eps.png"), dpi=120)

    # E3: KL vs d and implied constants vs d.
    if len(rows(s, experiment="E3")):
        fig, ax = plt.subplots(1, 2, figsize=(17, 5))
        for fam in fams("E3"):
            for n in sorted(set(s["steps"][rows(s, experiment="E3", family=fam)])):
                for pt in ("none", "constant"):
                    i = rows(s, experiment="E3", family=fam, steps=n, perturbation=pt)
                    if not len(i):
                        continue
                    i = i[np.argsort(s["dim"][i])]
                    line, = ax[0].loglog(s["dim"][i], s["kl_marg"][i], "o-" if pt == "none" else "s--", ms=3,
                                         label=f"{fam}, N={n}, {'ε=0' if pt == 'none' else 'shift'}")
                    if pt == "none":
                        ax[1].loglog(s["dim"][i], s["C_orig"][i], "o:", ms=3, color=line.get_color())
                        ax[1].loglog(s["dim"][i], s["C_fu"][i], "o-", ms=3, color=line.get_color(),
                                     label=f"{fam}, N={n}")
        d = np.array([1, 256.0])
        ax[1].loglog(d, 1e-3 * d ** -3.0, "k:", lw=1, label="∝ d⁻³")
        ax[1].loglog(d, 1e-3 * d ** -2.0, "k-.", lw=1, label="∝ d⁻²")
        ax[0].set(xlabel="d", ylabel="KL_marg", title="E3: KL_marg vs d (exact: d × KL_1 for products)")
        ax[1].set(xlabel="d", ylabel="KL_marg / bracket", title="E3: implied constants KL/B")
        style.legend_outside(ax[0])
        style.legend_outside(ax[1])
        style.style_key(ax[1], [("original bracket", dict(ls=":", marker="o")), ("d³ follow-up", dict(ls="-", marker="o"))])
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "dfm_d.png"), dpi=120)

    # E4: sharp targets on G1; early stopping on G2 vs G3 (KL to nu*_{1-delta} vs steps).
    if len(rows(s, experiment="E4")):
        fig, ax = plt.subplots(1, 2, figsize=(17, 5))
        for fam in [f for f in fams("E4") if f.startswith("sharp")]:
            i = rows(s, experiment="E4", family=fam)
            i = i[np.argsort(s["steps"][i])]
            ax[0].loglog(s["steps"][i], s["kl_marg"][i], "o-", ms=3, label=fam)
        ax[0].set(xlabel="N (G1)", ylabel="KL(ν*‖EM)", title="E4: sharp targets N(0, s1²), σ² = 1")
        style.legend_outside(ax[0])
        for fam in [f for f in fams("E4") if f.startswith("early")]:
            for g, ls in (("G2", "-"), ("G3", "--")):
                for dl in sorted(set(s["delta"][rows(s, experiment="E4", family=fam, grid=g)])):
                    i = rows(s, experiment="E4", family=fam, grid=g, delta=dl)
                    i = i[np.argsort(s["steps"][i])]
                    # Colour and marker from the style cycle (distinct past ten series); the grid by line style.
                    ax[1].loglog(s["steps"][i], s["kl_marg"][i], ls=ls, ms=3, label=f"{fam[11:]}, {g}, δ={dl:g}")
        ax[1].set(xlabel="steps", ylabel="KL(ν*_{1−δ}‖EM)", title="E4: early stopping, G2 against G3")
        style.legend_outside(ax[1])
        style.style_key(ax[1], [("G2", dict(ls="-")), ("G3", dict(ls="--"))])
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "dfm_sharp.png"), dpi=120)

    # E5 and E6: couplings and sigma.
    if len(rows(s, experiment="E5")) or len(rows(s, experiment="E6")):
        fig, ax = plt.subplots(1, 2, figsize=(13, 4.8))
        for d in sorted(set(s["dim"][rows(s, experiment="E5", family="rho-coupling")])):
            for s2 in sorted(set(s["sigma2"][rows(s, experiment="E5", family="rho-coupling")])):
                i = rows(s, experiment="E5", family="rho-coupling", dim=d, sigma2=s2, steps=64)
                i = i[np.argsort(s["rho"][i])]
                line, = ax[0].semilogy(s["rho"][i], s["kl_marg"][i], "o-", ms=3, label=f"d={d}, σ²={s2:g}")
                ax[0].semilogy(s["rho"][i], s["C_fu"][i], ":", color=line.get_color())
        ax[0].set(xlabel="ρ", ylabel="KL_marg and KL/B_FU", title="E5: ρ-coupling, N = 64")
        ax[0].legend()
        style.style_key(ax[0], [("KL_marg", dict(ls="-", marker="o")), ("KL/B_FU", dict(ls=":"))], loc="lower right")
        for fam in fams("E6"):
            for pt in ("none", "constant"):
                i = rows(s, experiment="E6", family=fam, perturbation=pt, steps=64)
                i = i[np.argsort(s["sigma2"][i])]
                ax[1].loglog(s["sigma2"][i], s["kl_path"][i], "o-" if pt == "none" else "s--", ms=3,
                             label=f"{fam}, {'ε=0' if pt == 'none' else 'ε=0.08'}")
        ax[1].set(xlabel="σ²", ylabel="KL_path", title="E6: σ-sweep, N = 64")
        ax[1].legend()
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "dfm_coupling_sigma.png"), dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ".")
