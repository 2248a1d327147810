#!/usr/bin/env python3
"""Sinkhorn time to solution: fmkit against POT, side by side, to the same answer (issue 23 §1).

The problem: n points in d = 16, X ~ N(0, I), Y ~ N(1, I), squared Euclidean cost, uniform
weights, eps = 0.01 std(C). POT (`ot.sinkhorn(..., method="sinkhorn_log", stopThr=TOL)`) stops on
the L2 column error checked every 10 iterations; fmkit runs with `--stop-norm l2 --tol TOL`, so
both answers have an L2 marginal error below TOL. Each row gives the wall time of the whole solve
(what a user waits for), the iterations, the final L2 error, and the cost's relative distance to
POT's and to the converged cost (fmkit run to L2 error 1e-9, or as far as 20 000 relaxed
iterations reach; its error is printed). Ratios are POT seconds / fmkit seconds.

"busy" rows run with a competing CPU-bound process (a Python busy loop this script starts and
stops by its pid) on a 2-core machine, so one core is taken; POT runs under the same load.
Usage: /usr/bin/python3 experiments/perf/sinkhorn_tts.py BUILD_DIR [--sizes 1000,4000] [--tol 1e-6]
       [--no-busy] [--pot-seconds FILE.json]   (POT results cached in FILE between runs)"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import ot


def fm_ot(build, args, threads):
    out = subprocess.run([os.path.join(build, "bin", "fm-ot"), "sinkhorn"] + args +
                         ["--json", "--threads", str(threads)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def pot_solve(M, eps, tol):
    n, m = M.shape
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    t0 = time.perf_counter()
    P, log = ot.sinkhorn(a, b, M, eps, method="sinkhorn_log", stopThr=tol, numItermax=10**6, log=True, warn=False)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "iterations": int(log["niter"]), "cost": float((P * M).sum()),
            "l2": float(np.linalg.norm(P.sum(0) - b)), "rows_l2": float(np.linalg.norm(P.sum(1) - a))}


class Busy:
    """One CPU-bound process for the duration of a with-block, stopped by its own pid."""

    def __enter__(self):
        self.p = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.p.kill()
        self.p.wait()


VARIANTS = (("plain", []), ("omega auto", ["--omega", "auto"]),
            ("omega auto + eps-scaling", ["--omega", "auto", "--eps-scaling"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--sizes", default="1000,4000")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--no-busy", action="store_true")
    ap.add_argument("--pot-seconds", default="", help="cache of POT results (json), reused when present")
    args = ap.parse_args()
    cache = {}
    if args.pot_seconds and os.path.exists(args.pot_seconds):
        cache = json.load(open(args.pot_seconds))
    tmp = tempfile.mkdtemp()
    print(f"POT {ot.__version__}; tol {args.tol:g} (L2 column error); eps = 0.01 std(C); d = 16")
    for n in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((n, 16)), rng.standard_normal((n, 16)) + 1.0
        xp, yp = os.path.join(tmp, f"x{n}.npy"), os.path.join(tmp, f"y{n}.npy")
        np.save(xp, x)
        np.save(yp, y)
        M = ot.dist(x, y)
        eps = 0.01 * M.std()
        ref = fm_ot(args.build, ["--x", xp, "--y", yp, "--eps", repr(eps), "--tol", "1e-9", "--stop-norm", "l2",
                                 "--max-iter", "20000", "--omega", "auto"], 2)
        # Without ε-scaling: a reference that runs out of iterations must still be a plan at ε.
        assert abs(ref["eps"] - eps) <= 1e-12 * eps, ref
        print(f"\nn = {n}: converged reference cost {ref['cost']!r} (L2 error {ref['marginal_error_l2']:.1e}, "
              f"{ref['status']})\n")
        print("| n | load | solver | threads | iterations | seconds | L2 col error | cost rel. to POT "
              "| cost rel. to converged | POT s / fmkit s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        loads = ["idle"] if args.no_busy else ["idle", "busy"]
        for load in loads:
            key = f"{n}/{load}/{args.tol:g}"
            if key not in cache:
                if load == "busy":
                    with Busy():
                        cache[key] = pot_solve(M, eps, args.tol)
                else:
                    cache[key] = pot_solve(M, eps, args.tol)
                if args.pot_seconds:
                    json.dump(cache, open(args.pot_seconds, "w"), indent=1)
            pot = cache[key]
            pot_conv = abs(pot["cost"] - ref["cost"]) / abs(ref["cost"])
            print(f"| {n} | {load} | POT sinkhorn_log | 1 | {pot['iterations']} | {pot['seconds']:.1f} | "
                  f"{pot['l2']:.2e} | – | {pot_conv:.1e} | 1 |", flush=True)
            for name, extra in VARIANTS:
                for threads in (1, 2):
                    common = ["--x", xp, "--y", yp, "--eps", repr(eps), "--tol", repr(args.tol), "--stop-norm", "l2",
                              "--max-iter", "1000000"]
                    if load == "busy":
                        with Busy():
                            t0 = time.perf_counter()
                            r = fm_ot(args.build, common + extra, threads)
                            wall = time.perf_counter() - t0
                    else:
                        t0 = time.perf_counter()
                        r = fm_ot(args.build, common + extra, threads)
                        wall = time.perf_counter() - t0
                    rel = abs(r["cost"] - pot["cost"]) / abs(pot["cost"])
                    conv = abs(r["cost"] - ref["cost"]) / abs(ref["cost"])
                    print(f"| {n} | {load} | fmkit {name} | {threads} | {r['iterations']} | {wall:.2f} "
                          f"(solve {r['solve_time_s']:.2f}) | {r['marginal_error_l2']:.2e} | {rel:.1e} | {conv:.1e} | "
                          f"**{pot['seconds'] / wall:.0f}×** |", flush=True)


if __name__ == "__main__":
    main()
