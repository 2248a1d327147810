"""Measure what the paper SD-FM sweep costs per coupling, without running it: each named dataset of
experiments/configs/sdfm_paper.json with every coupling, one seed, its training shortened by
--fraction, one process per dataset (--jobs side by side, one thread each, as `fm-sweep run --jobs`
runs the sweep's tasks). A coupling's full cost is then

    (train_wall_s − sd_precompute_s) / fraction + sd_precompute_s + its share of the evaluation,

since a training step costs the same at step 100 as at step 20 000 and neither the SD potential
fit nor the evaluation depends on the step budget. The evaluation (the paper's 10 000 samples per
solver, Dopri5, W2 on 2000) is measured whole per dataset and shared equally among its couplings.

    /usr/bin/python3 experiments/perf/sdfm_paper_cost.py --fraction 0.05 --jobs 2 \\
        --datasets "8gauss N=1k" "G d=8" digits [--timeout 3600]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def shortened(config, dataset, fraction):
    """The paper config reduced to one dataset's main block, one seed, steps × fraction."""
    c = json.loads(json.dumps(config))
    c["seeds"] = [0]
    c["only"] = [dataset]
    c["mean_flow"] = c["conditional"] = c["super_resolution"] = None
    c["oracle"]["only"] = []
    c["train"]["steps"] = max(1, round(c["train"]["steps"] * fraction))
    for d in c["datasets"]:
        if "steps" in d.get("train", {}):
            d["train"]["steps"] = max(1, round(d["train"]["steps"] * fraction))
    return c


def full_steps(config, dataset):
    d = next(d for d in config["datasets"] if d["name"] == dataset)
    return d.get("train", {}).get("steps", config["train"]["steps"])


def usage(message):
    print(f"sdfm_paper_cost.py: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fraction", type=float, default=0.05, help="share of the step budget to train (0, 1]")
    ap.add_argument("--jobs", type=int, default=2, help="datasets run side by side, one thread each")
    ap.add_argument("--datasets", nargs="+", default=["8gauss N=1k", "G d=8", "digits"])
    ap.add_argument("--timeout", type=float, default=0,
                    help="stop a dataset's run after this many seconds and report it as not finished (0: never)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "bin", "fm-sdfm-study"))
    a = ap.parse_args()
    if not 0 < a.fraction <= 1 or a.jobs < 1 or not a.timeout >= 0:
        usage("expected --fraction in (0, 1], --jobs >= 1 and --timeout >= 0")
    with open(os.path.join(ROOT, "experiments", "configs", "sdfm_paper.json")) as f:
        config = json.load(f)
    names = [d["name"] for d in config["datasets"]]
    for ds in a.datasets:
        if ds not in names:
            usage(f"--datasets: '{ds}' is not a dataset of sdfm_paper.json")
    tmp = tempfile.mkdtemp(prefix="sdfm_cost_")
    pending, running, done, failed = list(a.datasets), {}, {}, {}
    while pending or running:
        while pending and len(running) < a.jobs:
            ds = pending.pop(0)
            cfg = os.path.join(tmp, f"{len(done) + len(failed) + len(running)}.json")
            with open(cfg, "w") as f:
                json.dump(shortened(config, ds, a.fraction), f)
            out, log = cfg.replace(".json", ".h5"), cfg.replace(".json", ".log")
            # The study's progress goes to a file: a pipe read only at the end could fill and stall it.
            p = subprocess.Popen([a.binary, "--config", cfg, "--out", out, "--threads", "1"],
                                 stdout=subprocess.DEVNULL, stderr=open(log, "w"))
            running[ds] = (p, out, log, time.time())
        time.sleep(1)
        for ds, (p, out, log, t0) in list(running.items()):
            if p.poll() is None and a.timeout and time.time() - t0 > a.timeout:
                p.kill()
                p.wait()
            if p.poll() is not None:
                if p.returncode != 0:
                    with open(log) as f:
                        last = f.read().replace("\r", "\n").strip().splitlines()[-1:]
                    failed[ds] = (f"not finished after {time.time() - t0:.0f} s" if p.returncode < 0 else
                                  f"fm-sdfm-study exited {p.returncode}") + (f"; last: {last[0]}" if last else "")
                else:
                    done[ds] = (out, time.time() - t0)
                del running[ds]
    print(f"paper SD-FM cost per coupling, 1 seed, trained {a.fraction:g} of the budget and extrapolated "
          f"({a.jobs} datasets side by side, one thread each)")
    total = 0.0
    for ds, why in failed.items():
        print(f"\n{ds}: {why}")
    for ds in (d for d in a.datasets if d in done):
        out, wall = done[ds]
        with h5py.File(out) as f:
            s = f["summary"]
            coupling = s["coupling"][...].astype(str)
            first = {c: int(np.argmax(coupling == c)) for c in dict.fromkeys(coupling)}
            tw, pre = s["train_wall_s"][...], s["sd_precompute_s"][...]
        pre = np.where(np.isfinite(pre), pre, 0.0)
        evaluation = max(wall - sum(tw[i] for i in first.values()), 0.0)
        print(f"\n{ds}: {full_steps(config, ds)} steps; measured {wall:.0f} s, of which evaluation "
              f"{evaluation:.0f} s ({evaluation / len(first):.0f} s per coupling)")
        print(f"| coupling | train s measured | SD fit s | full training s (estimated) | with evaluation |")
        print("|---|---|---|---|---|")
        ds_total = 0.0
        for c, i in first.items():
            full = (tw[i] - pre[i]) / a.fraction + pre[i]
            with_eval = full + evaluation / len(first)
            ds_total += with_eval
            print(f"| {c} | {tw[i]:.1f} | {pre[i]:.1f} | {full:.0f} | {with_eval:.0f} |")
        print(f"| **all couplings, one seed** | | | | **{ds_total / 3600:.2f} core-hours** |")
        total += ds_total
    print(f"\n{len(done)} finished datasets, one seed: {total / 3600:.2f} core-hours; "
          f"{len(config['seeds'])} seeds: {total * len(config['seeds']) / 3600:.1f} core-hours")
    if failed:
        sys.exit(1)  # the figures above leave those datasets out


if __name__ == "__main__":
    main()
