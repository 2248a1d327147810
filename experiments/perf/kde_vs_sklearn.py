#!/usr/bin/env python3
"""The TV study's KDE kernel against scipy and scikit-learn on the same shape: exact Gaussian-KDE
log-density of M = 4096 queries against n = 32768 points, d = 1 and 2, bandwidth 0.1.
scipy.stats.gaussian_kde.logpdf is exact (log-sum-exp in numpy); sklearn's KernelDensity uses a
KD-tree with atol = 0 and rtol = 1e-8 (its default rtol = 0 is exact and slower). fmkit's number
comes from bench_kde (2 threads). Usage: /usr/bin/python3 experiments/perf/kde_vs_sklearn.py BUILD_DIR"""
import json
import os
import subprocess
import sys
import time

import numpy as np
from scipy.stats import gaussian_kde
from sklearn.neighbors import KernelDensity


def best_of(f, reps=3):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


def main(build):
    out = subprocess.run([os.path.join(build, "bin", "bench_kde"), "--benchmark_format=json",
                          "--benchmark_filter=log_density/32768/./2"], check=True, capture_output=True, text=True).stdout
    ours = {int(b["name"].split("/")[2]): b["ns_per_pair"] for b in json.loads(out)["benchmarks"]}
    rng = np.random.default_rng(0)
    n, m, h = 32768, 4096, 0.1
    print("| d | fmkit ns/pair | scipy gaussian_kde ns/pair | sklearn KD-tree (rtol 1e-8) ns/pair | fmkit vs scipy | vs sklearn |")
    print("|---|---|---|---|---|---|")
    for d in (1, 2):
        pts, x = rng.standard_normal((n, d)), rng.standard_normal((m, d))
        kde = gaussian_kde(pts.T, bw_method=h / pts.std(ddof=1, axis=0).mean())
        t_scipy = best_of(lambda: kde.logpdf(x.T), 1)
        sk = KernelDensity(kernel="gaussian", bandwidth=h, atol=0, rtol=1e-8).fit(pts)
        t_sk = best_of(lambda: sk.score_samples(x), 1)
        ns_scipy, ns_sk = t_scipy * 1e9 / (n * m), t_sk * 1e9 / (n * m)
        print(f"| {d} | {ours[d]:.2f} | {ns_scipy:.2f} | {ns_sk:.2f} | {ns_scipy / ours[d]:.0f}× | {ns_sk / ours[d]:.0f}× |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build")
