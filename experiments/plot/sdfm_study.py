#!/usr/bin/env python3
"""Plots of the SD-FM study (theory/sdfm.md §8): held-out W2 and energy distance against NFE per
dataset (Euler, with Heun and Dopri5 marked), straightness per coupling, pairing cost per pair, quality
against the SD potential's χ², and pairing cost against the OT batch size n;
with an /oracle table (§7), the on-atom fraction and W2 of the exact oracle flows against NFE; with a
/mean_flow table (theory/sdfm_variants.md §2), W2 against NFE of the four model kinds: I-FM and SD-FM
(Euler) and I-MF and SD-MF (the k-step mean-flow sampler), mean over seeds with its standard error;
with a /conditional table (§1), per-class W2 against NFE and classifier accuracy against guidance, and
the stored samples per class of each coupling; from the stored examples, samples and trajectories per
coupling, training-loss curves (mean over seeds, with their range) and the SD potentials' χ² against
SGD step. Every mean over seeds carries its standard error.
Usage: sdfm_study.py results/sdfm.h5 OUTDIR"""
import json
import os
import re
import sys

import h5py
import matplotlib
import matplotlib.ticker
import numpy as np

import style

style.apply()
import matplotlib.pyplot as plt  # noqa: E402


def load(path, group="summary"):
    with h5py.File(path, "r") as f:
        if group not in f:
            return None
        s = f[group]
        return {k: (np.array([x.decode() for x in s[k][...]]) if s[k].dtype.kind in "OS" else s[k][...]) for k in s}


def mean_or_nan(v):
    """The mean, or NaN for a coupling the dataset did not run (no bar, no warning)."""
    return v.mean() if len(v) else float("nan")


def panels(t, height):
    """Datasets and couplings of a table in first-seen order, and a 2-row figure with a column per dataset."""
    datasets = list(dict.fromkeys(t["dataset"]))
    couplings = list(dict.fromkeys(t["coupling"]))
    fig, ax = plt.subplots(2, len(datasets), figsize=(5.5 * len(datasets), height), squeeze=False)
    return datasets, couplings, fig, ax


def plot_oracle(o, outdir):
    datasets, couplings, fig, ax = panels(o, 8)
    fig.set_size_inches(6.8 * len(datasets), 8)
    for k, ds in enumerate(datasets):
        ax[0][k].set_prop_cycle(None)
        ax[1][k].set_prop_cycle(None)
        for cp in couplings:
            m = (o["dataset"] == ds) & (o["coupling"] == cp)
            order = np.argsort(o["nfe"][m])
            for r, metric in enumerate(("frac_on_atom", "w2")):
                # The style cycle (colour, marker and line style) keeps coinciding curves apart.
                ax[r][k].semilogx(o["nfe"][m][order], o[metric][m][order], alpha=0.85, label=cp)
        ax[0][k].set(title=f"{ds}: samples landing on an atom", xlabel="Euler NFE", ylabel="fraction", ylim=(-0.03, 1.03))
        ax[1][k].set(title=f"{ds}: exact W2 to the atoms", xlabel="Euler NFE", ylabel="W2")
        style.legend_outside(ax[0][k], title="coupling")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_oracle.png"), dpi=110)


def roles(path):
    """({label: role} of the FM couplings, {label: role} of the mean-flow couplings) from /config."""
    with h5py.File(path, "r") as f:
        conf = json.loads(f["config"][()])
    conf = conf.get("shared", conf)
    fm = {c["label"]: c.get("role") for c in conf.get("couplings", [])}
    mf = {c["label"]: c["role"] for c in (conf.get("mean_flow") or {}).get("couplings", [])}
    return fm, mf


def plot_mean_flow(mf, s, path, outdir):
    """W2 against NFE per dataset for I-FM, SD-FM (Euler) and I-MF, SD-MF (mean-flow sampler)."""
    fm_roles, mf_roles = roles(path)
    datasets = list(dict.fromkeys(mf["dataset"]))
    fig, ax = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4.2), squeeze=False)
    kinds = [(t, lab, role, solver) for t, roles_, solver in ((s, fm_roles, "euler"), (mf, mf_roles, "meanflow"))
             for lab, role in roles_.items() if role in ("independent", "sd")]
    for k, ds in enumerate(datasets):
        nfes = sorted(set(mf["nfe"][mf["dataset"] == ds]))
        for t, lab, role, solver in kinds:
            m = (t["dataset"] == ds) & (t["coupling"] == lab) & (t["solver"] == solver)
            if not m.any():
                continue
            mean, se = [], []
            for n in nfes:
                v = t["w2"][m & (t["nfe"] == n)]
                mean.append(v.mean() if len(v) else np.nan)
                se.append(v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0)
            name = ("SD" if role == "sd" else "I") + ("-MF" if solver == "meanflow" else "-FM")
            ax[0][k].errorbar(nfes, mean, yerr=se, fmt=("o-" if solver == "meanflow" else "s--"), ms=4, capsize=2,
                              label=name if lab == name else f"{name} ({lab})")
        ax[0][k].set(xscale="log", title=f"{ds}: held-out W2 against NFE", xlabel="NFE (Euler steps / mean-flow steps)",
                     ylabel="W2")
        ax[0][k].set_xticks(nfes)
        ax[0][k].set_xticklabels([str(n) for n in nfes])
        ax[0][k].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax[0][k].legend()
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_mean_flow.png"), dpi=110)


STYLES = [("o", "-"), ("s", "--"), ("^", ":"), ("D", "-."), ("v", "-"), ("P", "--")]


def seed_mean_se(v):
    """Mean over seeds and its standard error (0 with one seed)."""
    if not len(v):
        return np.nan, 0.0
    return v.mean(), (v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0)


def plot_conditional(t, outdir):
    """Per-class W2 against Euler NFE at guidance 1 (top) and classifier accuracy against guidance at
    Euler NFE 4 (bottom; dashed: the classifier on real held-out points), per dataset, mean ± standard
    error over seeds."""
    datasets = list(dict.fromkeys(t["dataset"]))
    couplings = list(dict.fromkeys(t["coupling"]))
    fig, ax = plt.subplots(2, len(datasets), figsize=(5.2 * len(datasets), 8), squeeze=False)
    euler = t["solver"] == "euler"
    nfes = sorted(set(t["nfe"][euler]))
    k4 = max([k for k in nfes if k <= 4], default=nfes[0])
    guid = sorted(set(t["guidance"]))
    for k, ds in enumerate(datasets):
        for j, cp in enumerate(couplings):
            marker, ls = STYLES[j % len(STYLES)]
            m = (t["dataset"] == ds) & (t["coupling"] == cp) & euler
            if not m.any():
                continue
            w = [seed_mean_se(t["w2_class"][m & (t["guidance"] == 1.0) & (t["nfe"] == n)]) for n in nfes]
            ax[0][k].errorbar(nfes, [a for a, _ in w], yerr=[b for _, b in w], marker=marker, ls=ls, ms=4, capsize=2,
                              label=cp)
            a = [seed_mean_se(t["accuracy"][m & (t["guidance"] == g) & (t["nfe"] == k4)]) for g in guid]
            ax[1][k].errorbar(guid, [x for x, _ in a], yerr=[y for _, y in a], marker=marker, ls=ls, ms=4, capsize=2,
                              label=cp)
        real = t["accuracy_real"][t["dataset"] == ds]
        ax[1][k].axhline(real[0], color="grey", ls="--", lw=1, label="real held-out points")
        ax[0][k].set(xscale="log", title=f"{ds}: per-class W2, guidance 1", xlabel="Euler NFE", ylabel="mean per-class W2")
        ax[0][k].set_xticks(nfes)
        ax[0][k].set_xticklabels([str(n) for n in nfes])
        ax[0][k].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax[1][k].set(title=f"{ds}: classifier accuracy, Euler NFE {k4}", xlabel="guidance scale γ", ylabel="accuracy",
                     ylim=(-0.02, 1.02))
        ax[0][k].legend(fontsize=9)
        ax[1][k].legend(fontsize=9, loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_conditional.png"), dpi=110)


def plot_conditional_samples(path, outdir):
    """Per dataset, the stored samples (first seed, guidance 1): one panel per coupling (rows) and Euler
    NFE (columns); 64-dimensional sets as 8×8 images (a column per class), others as scatters of the
    first two coordinates coloured by class."""
    with h5py.File(path, "r") as f:
        if "conditional_samples" not in f:
            return []
        g = f["conditional_samples"]
        entries = [(name, g[name][...], {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g[name].attrs.items()})
                   for name in g]
    written = []
    by_ds = {}
    for name, x, a in entries:
        by_ds.setdefault(re.match(r"d(\d+)_", name).group(1), []).append((x, a))
    for di, items in sorted(by_ds.items(), key=lambda kv: int(kv[0])):
        couplings = list(dict.fromkeys(a["coupling"] for _, a in items))
        nfes = sorted(set(int(a["nfe"]) for _, a in items))
        fig, ax = plt.subplots(len(couplings), len(nfes), figsize=(3.4 * len(nfes), 3.4 * len(couplings)), squeeze=False)
        for x, a in items:
            r, c = couplings.index(a["coupling"]), nfes.index(int(a["nfe"]))
            K = int(a["classes"])
            per = x.shape[0] // K
            if x.shape[1] == 64:
                # Row i of the stored block has class i mod K: tile class k's images down column k.
                tiles = np.full((per * 9 - 1, K * 9 - 1), np.nan)  # NaN: the gaps between images
                for i in range(per * K):
                    q, k = divmod(i, K)
                    tiles[q * 9:q * 9 + 8, k * 9:k * 9 + 8] = x[i].reshape(8, 8)
                cmap = matplotlib.colormaps["gray_r"].with_extremes(bad="#b0c4de")
                ax[r][c].imshow(tiles, cmap=cmap, vmin=0, vmax=16)
                ax[r][c].set_xticks([k * 9 + 3.5 for k in range(K)])
                ax[r][c].set_xticklabels([str(k) for k in range(K)], fontsize=8)
                ax[r][c].set_yticks([])
            else:
                labels = np.arange(x.shape[0]) % K
                ax[r][c].scatter(x[:, 0], x[:, 1], c=labels, cmap="tab10", s=8)
            ax[r][c].set_title(f"{a['coupling']}, NFE {a['nfe']}", fontsize=10)
        fig.suptitle(f"{items[0][1]['dataset']}: samples per class (columns / colours), guidance 1")
        fig.tight_layout()
        out = f"sdfm_conditional_samples_d{di}.png"
        fig.savefig(os.path.join(outdir, out), dpi=100)
        plt.close(fig)
        written.append(out)
    return written


def plot_super_resolution(path, outdir):
    """Per super-resolution dataset, triptychs: for each shown test image (rows) its input (the pooled,
    noisy condition, upsampled), one sample of each coupling at each stored Euler NFE, and the truth."""
    with h5py.File(path, "r") as f:
        if "super_resolution_samples" not in f:
            return
        g = f["super_resolution_samples"]
        items = {name: (g[name][...], {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g[name].attrs.items()})
                 for name in g}
    for di in sorted({re.match(r"d(\d+)_", n).group(1) for n in items}, key=int):
        truth, ta = items[f"d{di}_truth"]
        inputs = items[f"d{di}_input"][0]
        cols = [("input", inputs)]
        samples = sorted((n for n in items if n.startswith(f"d{di}_c")),
                         key=lambda n: (int(re.search(r"_c(\d+)_", n).group(1)), int(items[n][1]["nfe"])))
        cols += [(f"{items[n][1]['coupling']}\nNFE {items[n][1]['nfe']}", items[n][0]) for n in samples]
        cols.append(("truth", truth))
        rows = truth.shape[0]
        fig, ax = plt.subplots(rows, len(cols), figsize=(1.15 * len(cols), 1.2 * rows + 0.8), squeeze=False)
        for c, (title, m) in enumerate(cols):
            for r in range(rows):
                side = int(round(np.sqrt(m.shape[1])))
                ax[r][c].imshow(m[r].reshape(side, side), cmap="gray_r", vmin=0, vmax=16)
                ax[r][c].set_xticks([])
                ax[r][c].set_yticks([])
            ax[0][c].set_title(title, fontsize=8)
        fig.suptitle(f"{ta['dataset']}: input, one sample per coupling and NFE, truth", fontsize=9)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, f"sdfm_super_resolution_d{di}.png"), dpi=100)
        plt.close(fig)


def stored(path, group):
    """{name: (array, attrs)} of a group of stored examples; {} when the file has none."""
    with h5py.File(path, "r") as f:
        if group not in f:
            return {}
        g = f[group]
        return {n: (g[n][...], {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g[n].attrs.items()}) for n in g}


def by_dataset(items):
    """The stored examples grouped by dataset index, in order, each list in coupling order."""
    out = {}
    for name, (x, a) in items.items():
        d, c = (int(v) for v in re.match(r"d(\d+)_c(\d+)", name).groups())
        out.setdefault(d, []).append((c, x, a))
    return [(d, sorted(v, key=lambda e: e[0])) for d, v in sorted(out.items())]


def save(fig, outdir, name, dpi=110):
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, name), dpi=dpi)
    plt.close(fig)


def plot_examples(path, outdir):
    """Samples and trajectories per coupling (first seed), training loss over seeds, SD χ² per SGD step."""
    samples = by_dataset(stored(path, "samples"))
    for di, items in samples:
        n = len(items)
        fig, ax = plt.subplots(1, n, figsize=(3.3 * n, 3.6), squeeze=False)
        for k, (_, x, a) in enumerate(items):
            if x.shape[1] == 64:  # the digits: the first 16 samples as 8×8 images
                tiles = np.full((4 * 9 - 1, 4 * 9 - 1), np.nan)
                for i in range(min(16, x.shape[0])):
                    q, r = divmod(i, 4)
                    tiles[q * 9:q * 9 + 8, r * 9:r * 9 + 8] = x[i].reshape(8, 8)
                ax[0][k].imshow(tiles, cmap=matplotlib.colormaps["gray_r"].with_extremes(bad="#b0c4de"), vmin=0, vmax=16)
                ax[0][k].set_xticks([])
                ax[0][k].set_yticks([])
            else:
                ax[0][k].scatter(x[:, 0], x[:, 1], s=2, marker="o", color="tab:blue")
                ax[0][k].set(aspect="equal", xlabel="x1" if x.shape[1] == 2 else "coordinate 1",
                             ylabel="x2" if x.shape[1] == 2 else "coordinate 2")
            ax[0][k].set_title(f"{a['coupling']}", fontsize=9)
        fig.suptitle(f"{items[0][2]['dataset']}: samples of the first seed (most accurate solver), data units")
        save(fig, outdir, f"sdfm_samples_d{di}.png", dpi=100)
    for di, items in by_dataset(stored(path, "trajectories")):
        n = len(items)
        fig, ax = plt.subplots(1, n, figsize=(3.3 * n, 3.6), squeeze=False, sharex=True, sharey=True)
        for k, (_, x, a) in enumerate(items):
            for i in range(x.shape[1]):
                ax[0][k].plot(x[:, i, 0], x[:, i, 1], lw=0.6, color="tab:blue", alpha=0.6, marker="", ls="-")
            ax[0][k].scatter(x[0, :, 0], x[0, :, 1], s=4, color="tab:gray", marker="o", label="t = 0")
            ax[0][k].scatter(x[-1, :, 0], x[-1, :, 1], s=4, color="tab:red", marker="o", label="t = 1")
            ax[0][k].set(title=a["coupling"], xlabel="x1", ylabel="x2" if k == 0 else None)
        ax[0][0].legend(loc="lower left")
        fig.suptitle(f"{items[0][2]['dataset']}: 64 Euler trajectories ({int(items[0][2]['steps'])} steps) per coupling, first seed")
        save(fig, outdir, f"sdfm_trajectories_d{di}.png", dpi=100)
    curves = stored(path, "train_loss")
    if curves:
        groups = {}
        for name, (c, a) in curves.items():
            d, cp = (int(v) for v in re.match(r"d(\d+)_c(\d+)", name).groups())
            groups.setdefault(d, {}).setdefault(cp, []).append((c, a))
        fig, ax = plt.subplots(1, len(groups), figsize=(6.8 * len(groups), 4.2), squeeze=False)
        for k, (d, by_c) in enumerate(sorted(groups.items())):
            for cp, runs in sorted(by_c.items()):
                steps = runs[0][0][:, 0]
                loss = np.array([c[:, 1] for c, _ in runs if c.shape == runs[0][0].shape])
                line, = ax[0][k].plot(steps, loss.mean(axis=0), marker="", label=f"{runs[0][1]['coupling']} ({len(loss)} seeds)")
                if len(loss) > 1:
                    ax[0][k].fill_between(steps, loss.min(axis=0), loss.max(axis=0), color=line.get_color(), alpha=0.2)
            ax[0][k].set(yscale="log", title=f"{runs[0][1]['dataset']}: training loss (mean over seeds; band: their range)",
                         xlabel="step", ylabel="batch loss (block mean)")
            style.legend_outside(ax[0][k], title="coupling")
        save(fig, outdir, "sdfm_train_loss.png")
    chi2 = by_dataset(stored(path, "sd_chi2"))
    if chi2:
        fig, ax = plt.subplots(1, len(chi2), figsize=(6.8 * len(chi2), 4.2), squeeze=False)
        for k, (di, items) in enumerate(chi2):
            for _, h, a in items:
                ax[0][k].plot(h[:, 0], np.maximum(h[:, 1], 1e-4), label=a["coupling"])
            ax[0][k].set(yscale="log", title=f"{items[0][2]['dataset']}: SD potential fit, first seed",
                         xlabel="SGD step", ylabel="χ² on the evaluation set (floored at 1e-4)")
            style.legend_outside(ax[0][k], title="coupling")
        save(fig, outdir, "sdfm_sd_chi2.png")


def main(path, outdir):
    o = load(path, "oracle")
    if o is not None:
        plot_oracle(o, outdir)
    mf = load(path, "mean_flow")
    if mf is not None:
        plot_mean_flow(mf, load(path), path, outdir)
    cd = load(path, "conditional")
    if cd is not None:
        plot_conditional(cd, outdir)
        plot_conditional_samples(path, outdir)
    plot_super_resolution(path, outdir)
    plot_examples(path, outdir)
    s = load(path)
    if s is None:  # a run of the blocks alone (only: their datasets) has no /summary rows
        return
    datasets, couplings, fig, ax = panels(s, 8.5)
    fig.set_size_inches(6.8 * len(datasets), 8.5)
    solvers = [("Euler", dict(marker="o", ls="-")), ("Heun", dict(marker="s", ls=":")), ("Dopri5", dict(marker="*", ls="none", ms=9))]
    for k, ds in enumerate(datasets):
        for j, cp in enumerate(couplings):
            m = (s["dataset"] == ds) & (s["coupling"] == cp)
            if not m.any():
                continue  # a coupling this dataset did not run: no legend entry without a curve
            color, marker = style.COLORS[j % len(style.COLORS)], style.MARKERS[j % len(style.MARKERS)]
            for r, metric in enumerate(("w2", "energy")):
                for solver, st in (("euler", "-"), ("heun", ":")):
                    e = m & (s["solver"] == solver)
                    nfes = sorted(set(s["nfe"][e]))
                    if not nfes:
                        continue
                    w = [seed_mean_se(s[metric][e & (s["nfe"] == n)]) for n in nfes]
                    ax[r][k].errorbar(nfes, [a for a, _ in w], yerr=[b for _, b in w], marker=marker, ls=st,
                                      color=color, capsize=2, label=cp if solver == "euler" else None)
                d = m & (s["solver"] == "dopri5")
                if d.any():
                    a, b = seed_mean_se(s[metric][d])
                    ax[r][k].errorbar([s["nfe"][d].mean()], [a], yerr=[b], marker="*", ms=9, ls="none", color=color,
                                      capsize=2)
        ax[0][k].set(xscale="log", title=f"{ds}: held-out W2, mean ± s.e. over seeds", xlabel="NFE", ylabel="W2")
        ax[1][k].set(xscale="log", title=f"{ds}: energy distance", xlabel="NFE", ylabel="energy distance")
        style.legend_outside(ax[0][k], title="coupling")
        style.style_key(ax[1][k], solvers, title="solver")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_nfe.png"), dpi=110)

    if not (s["solver"] == "dopri5").any():
        return  # straightness and pairing cost are read from the Dopri5 rows
    fig, ax = plt.subplots(1, 2, figsize=(max(13, 1.1 * len(couplings) * 2), 5.5))
    x = np.arange(len(couplings))
    width = 0.8 / len(datasets)
    for k, ds in enumerate(datasets):
        d = (s["dataset"] == ds) & (s["solver"] == "dopri5")
        for a, col, scale in ((ax[0], "curv_ott", 1.0), (ax[1], "pairing_s_per_pair", 1e6)):
            w = [seed_mean_se(scale * s[col][d & (s["coupling"] == c)]) for c in couplings]
            pos = x + width * k
            ok = np.array([np.isfinite(v) and v > 0 for v, _ in w])
            a.bar(pos[ok], [v for (v, _), o in zip(w, ok) if o], width, yerr=[e for (_, e), o in zip(w, ok) if o],
                  capsize=2, label=ds, color=style.COLORS[k % len(style.COLORS)])
            for p_ in pos[~ok]:  # not run (or no cost): marked, not drawn as a zero-height bar
                a.text(p_, 0.02, "n/a", transform=a.get_xaxis_transform(), ha="center", fontsize=7, rotation=90)
    for a, t in zip(ax, ("curvature (curv_ott, lower is straighter), mean ± s.e.", "pairing cost per pair (µs), mean ± s.e.")):
        a.set_xticks(x + 0.4 - width / 2)
        a.set_xticklabels(couplings, rotation=35, ha="right", fontsize=8)
        a.set_title(t)
        a.set_yscale("log")
        a.legend(title="dataset")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_straightness_cost.png"), dpi=110)
    if "sd_chi2" in s:
        plot_chi2_and_cost(s, outdir)


def plot_chi2_and_cost(s, outdir):
    """Left: held-out W2 at Euler 1 against the achieved χ² of the SD ε = 0 potentials. Right: pairing
    cost per pair against the OT batch size n (couplings labelled 'n=...'), SD ε = 0 as a level."""
    datasets = list(dict.fromkeys(s["dataset"]))
    d1 = (s["solver"] == "euler") & (s["nfe"] == 1)
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.5))
    for ds in datasets:
        pts = []
        for cp in dict.fromkeys(s["coupling"]):
            m = d1 & (s["dataset"] == ds) & (s["coupling"] == cp)
            if cp.startswith("SD eps=0") and not cp.startswith("SD eps=0.") and m.any():
                pts.append((s["sd_chi2"][m].mean(), *seed_mean_se(s["w2"][m])))
        if len(pts) > 1:
            pts.sort()
            ax[0].errorbar([max(p[0], 1e-3) for p in pts], [p[1] for p in pts], yerr=[p[2] for p in pts], capsize=2,
                           label=ds)
        for kind, style in (("OT exact", "o-"), ("OT Sinkhorn", "s--")):
            by_n = {}
            for cp in dict.fromkeys(s["coupling"]):
                match = re.search(r"n=(\d+)", cp)
                if cp.startswith(kind) and match and "eps=0.03" not in cp:
                    m = (s["dataset"] == ds) & (s["coupling"] == cp) & (s["solver"] == "dopri5")
                    if m.any():
                        by_n[int(match.group(1))] = 1e6 * s["pairing_s_per_pair"][m].mean()
            if by_n:
                ns = sorted(by_n)
                ax[1].loglog(ns, [by_n[n] for n in ns], style, ms=4, label=f"{ds}: {kind}")
        m = (s["dataset"] == ds) & (s["coupling"] == "SD eps=0") & (s["solver"] == "dopri5")
        if m.any():
            ax[1].axhline(1e6 * s["pairing_s_per_pair"][m].mean(), ls=":", lw=1, color="gray", marker="",
                          label=f"{ds}: SD ε = 0 (per pair)")
    ax[0].set(xscale="log", title="W2 at Euler 1 against the SD potential's χ² (ε = 0), mean ± s.e.",
              xlabel="achieved χ² (clipped at 1e-3)", ylabel="held-out W2")
    ax[1].set(title="pairing cost per pair against the OT batch size", xlabel="OT batch size n", ylabel="µs per pair")
    for a, empty in zip(ax, ("fewer than two SD ε = 0 χ² levels in this file", "no OT coupling in this file")):
        if a.get_legend_handles_labels()[0]:
            a.legend()
        else:  # say why the panel is empty rather than leave a blank frame
            a.text(0.5, 0.5, empty, ha="center", transform=a.transAxes)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sdfm_chi2_cost.png"), dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ".")
