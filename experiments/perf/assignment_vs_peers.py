#!/usr/bin/env python3
"""fmkit's dense assignment against what a user would call instead, side by side on the same data:
scipy.optimize.linear_sum_assignment and POT's ot.emd, on minibatch-OT problems, squared Euclidean
cost, uniform weights: x ~ N(0, I) against y ~ N(1, I), and x ~ N(0, I₂) against fmkit's
8gaussians (means 5·(cos kπ/4, sin kπ/4), std 0.1^¼), the 2-D problem of the SD-FM studies.

fmkit runs `fm-ot exact` (the shortest augmenting paths of lib/fmkit/ot/assignment.cpp) and its
solve time is the one the program reports, without process start and file reading; the peers are
timed around the call alone, with the cost matrix built beforehand. Each solver's time is the best
of --repeats calls on the same problem. All three must reach the same mean cost.

    /usr/bin/python3 experiments/perf/assignment_vs_peers.py BUILD_DIR [--repeats 5] [--threads 1]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment


def usage(msg):
    print(f"assignment_vs_peers.py: {msg}", file=sys.stderr)
    sys.exit(2)


def integer(text, name, lo, hi):
    """An integer flag in [lo, hi], else one line and exit 2 (nan, 1e12 and -1 included)."""
    try:
        v = int(text)
    except ValueError:
        usage(f"{name}: expected an integer in [{lo}, {hi}], got {text!r}")
    if not lo <= v <= hi:
        usage(f"{name}: expected an integer in [{lo}, {hi}], got {text!r}")
    return v


def best_time(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="the CMake build directory (with bin/fm-ot)")
    ap.add_argument("--repeats", default="5", help="calls per solver; the best is kept (1 to 1000)")
    ap.add_argument("--threads", default="1", help="fm-ot's --threads (the assignment is serial; 0 = all cores)")
    a = ap.parse_args()
    a.repeats = integer(a.repeats, "--repeats", 1, 1000)
    a.threads = integer(a.threads, "--threads", 0, os.cpu_count() or 1)
    fm_ot = os.path.join(a.build, "bin", "fm-ot")
    if not os.access(fm_ot, os.X_OK):
        usage(f"BUILD_DIR: no executable {fm_ot}")
    tmp = tempfile.mkdtemp()
    rng = np.random.default_rng(0)
    print(f"scipy linear_sum_assignment, POT {ot.__version__} ot.emd and fm-ot exact; best of {a.repeats}\n")
    print("| target | n | d | scipy ms | POT emd ms | fmkit ms | fmkit vs scipy | fmkit vs POT | same cost |")
    print("|---|---|---|---|---|---|---|---|---|")
    cases = [(n, d, "N(1, I)") for n, d in ((256, 2), (256, 8), (1024, 2), (1024, 8))]
    cases += [(256, 2, "8gaussians"), (1024, 2, "8gaussians")]
    for n, d, target in cases:
        x = rng.standard_normal((n, d))
        if target == "8gaussians":
            k = rng.integers(0, 8, n) * np.pi / 4
            y = 5.0 * np.stack([np.cos(k), np.sin(k)], axis=1) + 0.1 ** 0.25 * rng.standard_normal((n, 2))
        else:
            y = rng.standard_normal((n, d)) + 1.0
        xp, yp = os.path.join(tmp, f"x{n}_{d}_{target}.npy"), os.path.join(tmp, f"y{n}_{d}_{target}.npy")
        np.save(xp, x)
        np.save(yp, y)
        M = ot.dist(x, y)
        w = np.full(n, 1.0 / n)
        t_sp, (r, c) = best_time(lambda: linear_sum_assignment(M), a.repeats)
        t_pot, G = best_time(lambda: ot.emd(w, w, M, numItermax=10_000_000), a.repeats)
        t_fm, res = float("inf"), None
        for _ in range(a.repeats):
            out = subprocess.run([fm_ot, "exact", "--x", xp, "--y", yp, "--json", "--threads", str(a.threads)],
                                 check=True, capture_output=True, text=True).stdout
            res = json.loads(out)
            t_fm = min(t_fm, res["solve_time_s"])
        cost_sp, cost_pot = M[r, c].mean(), float((G * M).sum())
        same = abs(res["cost"] - cost_sp) <= 1e-9 * abs(cost_sp) and abs(cost_pot - cost_sp) <= 1e-9 * abs(cost_sp)
        print(f"| {target} | {n} | {d} | {t_sp * 1e3:.2f} | {t_pot * 1e3:.2f} | {t_fm * 1e3:.2f} | {t_sp / t_fm:.1f}x | "
              f"{t_pot / t_fm:.1f}x | {same} |")


if __name__ == "__main__":
    main()
