#!/usr/bin/env python3
"""The χ² marginal error of fitted ε = 0 semidiscrete potentials, on many fresh noises.

A fit stops the first time the χ² estimate on its evaluation set falls under the target. At
N = 16 000 atoms that estimate has a standard error close to the target itself (about 0.01), so
which iterate the stop picks, and how good it truly is, are not read off the fit's own output.
This script reassigns M fresh N(0, I) draws (fm-ot's default source) to the cells of each
potential g written by `fm-ot semidiscrete --eps 0 --out FILE` (ε = 0: the cell of x is
argmax_j ⟨x, y_j⟩ + g_j) and prints the unbiased U-statistic of theory/sdfm.md §3,
Σ_j c_j (c_j − 1) / (M (M − 1) b_j) − 1 for cell counts c_j (uniform b), with its standard error
over --batches independent batches.

Usage: /usr/bin/python3 experiments/perf/sd_fresh_chi2.py Y.npy FIT.h5 [FIT.h5 ...] [--draws M]
"""
import argparse
import os

import h5py
import numpy as np


def counts(y, g, m, rng, block=1024):
    """Cell counts of m fresh N(0, I) draws: argmax_j <x, y_j> + g_j, drawn and scored in blocks of
    1024 (so memory does not grow with m)."""
    c = np.zeros(len(y), dtype=np.int64)
    for i in range(0, m, block):
        x = rng.standard_normal((min(block, m - i), y.shape[1]))
        c += np.bincount(np.argmax(x @ y.T + g, axis=1), minlength=len(y))
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("y", help="the atoms (.npy), uniform weights")
    ap.add_argument("fits", nargs="+", help="fm-ot semidiscrete --out files (their /result/g)")
    ap.add_argument("--draws", type=int, default=2_000_000, help="fresh noises per potential (default 2e6)")
    ap.add_argument("--batches", type=int, default=10, help="independent batches for the standard error")
    ap.add_argument("--seed", type=int, default=12345)
    a = ap.parse_args()
    if not 2 <= a.batches <= 10_000 or not 2 * a.batches <= a.draws <= 10**10:
        ap.error("--batches must be in [2, 10000] and --draws in [2 per batch, 1e10]")
    if a.seed < 0:
        ap.error("--seed must be >= 0")
    for path in [a.y] + a.fits:
        if not os.path.isfile(path):
            ap.error(f"{path}: no such file")
    y = np.load(a.y)
    if y.ndim != 2:
        ap.error(f"{a.y}: expected an N x d array of atoms, got shape {y.shape}")
    N = len(y)
    gs = []
    for path in a.fits:
        with h5py.File(path, "r") as f:
            if "/result/g" not in f:
                ap.error(f"{path}: no /result/g (write it with fm-ot semidiscrete --out)")
            gs.append(np.asarray(f["/result/g"]))
        if gs[-1].shape != (N,):
            ap.error(f"{path}: /result/g has shape {gs[-1].shape}, expected ({N},) for {a.y}")
    for path, g in zip(a.fits, gs):
        rng = np.random.default_rng(a.seed)  # the same draws for every potential: a paired comparison
        m = a.draws // a.batches
        est = []
        for _ in range(a.batches):
            c = counts(y, g, m, rng)
            est.append(N * np.sum(c * (c - 1.0)) / (m * (m - 1.0)) - 1)
        est = np.array(est)
        print(f"{path}: chi2 {est.mean():.5f} ± {est.std(ddof=1) / np.sqrt(len(est)):.5f} "
              f"({a.batches} batches of {m} fresh draws)")


if __name__ == "__main__":
    main()
