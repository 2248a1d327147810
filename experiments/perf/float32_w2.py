#!/usr/bin/env python3
"""What float32 training does to results: held-out W2 of train.precision = float32 against float64
on the SD-FM quick datasets, judged by theory/claims.md's TOST (experiments/claims).

The SD-FM quick study's main block (experiments/configs/sdfm_quick.json: its datasets, recipe and
evaluation; the couplings I-FM, OT exact n=256 and SD eps=0; no mean-flow, conditional,
super-resolution or oracle block) runs twice with the same seeds, once per precision, the two runs
side by side on one thread each. A seed pairs the two runs: same data, initial weights and batches;
only the arithmetic of the network's passes differs (fm-sdfm-study samples each model in the
precision it was trained in).

Declared before the run:
  claim F32   float32 training gives float64's held-out W2, per dataset.
  primary     Dopri5 W2 of each coupling (float32 − float64, paired over seeds), TOST at α = 0.05
              with Holm over the dataset's couplings;
  descriptive Euler NFE 4 W2.
  margin      MARGIN_REL × the float64 mean Dopri5 W2 of the dataset's I-FM models (so 2 % of the
              quantity the SD-FM claims compare).

Usage: /usr/bin/python3 experiments/perf/float32_w2.py BUILD_DIR OUT_DIR [--seeds K]
Prints a Markdown section (timings, verdicts, every comparison's line) for RESULTS.md.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "plot"))

from claims import Claim, Comparison, combine, judge  # noqa: E402
from frames import table  # noqa: E402

COUPLINGS = ["I-FM", "OT exact n=256", "SD eps=0"]
MARGIN_REL = 0.02
CLAIM = Claim("F32", "float32 training gives float64's held-out W2", "held-out W2 (Dopri5)", "equivalence",
              margin_text=f"{MARGIN_REL:.0%} of the float64 I-FM mean W2")


def study_config(seeds):
    with open(os.path.join(HERE, "..", "configs", "sdfm_quick.json")) as f:
        c = json.load(f)
    for block in ("mean_flow", "conditional", "super_resolution", "oracle"):
        c.pop(block, None)
    c["couplings"] = [k for k in c["couplings"] if k["label"] in COUPLINGS]
    c["seeds"] = list(range(seeds))
    return c


def run_both(build, out, seeds):
    procs, start = {}, time.perf_counter()
    for precision in ("float64", "float32"):
        c = study_config(seeds)
        c["train"]["precision"] = precision
        path = os.path.join(out, f"config_{precision}.json")
        with open(path, "w") as f:
            json.dump(c, f)
        h5 = os.path.join(out, f"sdfm_{precision}.h5")
        if os.path.exists(h5):
            os.remove(h5)
        procs[precision] = (subprocess.Popen([os.path.join(build, "bin", "fm-sdfm-study"), "--config", path, "--out", h5,
                                              "--threads", "1"], stdout=subprocess.DEVNULL,
                                             stderr=open(os.path.join(out, f"log_{precision}.txt"), "w")), h5)
    for precision, (p, _) in procs.items():
        if p.wait() != 0:
            sys.exit(f"fm-sdfm-study ({precision}) failed: see {out}/log_{precision}.txt")
    return {k: h5 for k, (_, h5) in procs.items()}, time.perf_counter() - start


def rows(df):
    out = {}
    for r in df.itertuples():
        nfe = None if r.solver == "dopri5" else int(r.nfe)
        out[(r.dataset, r.coupling, int(r.seed), r.solver, nfe)] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    if not 3 <= a.seeds <= 100:
        ap.error(f"--seeds: expected an integer in [3, 100] (a paired t test needs 3), got {a.seeds}")
    os.makedirs(a.out, exist_ok=True)
    files, wall = run_both(a.build, a.out, a.seeds)
    t64, t32 = table(files["float64"]), table(files["float32"])
    r64, r32 = rows(t64), rows(t32)
    datasets = list(dict.fromkeys(t64["dataset"]))
    verdicts, lines = {}, []
    for ds in datasets:
        base = [r64[k].w2 for k in r64 if k[0] == ds and k[1] == "I-FM" and k[3] == "dopri5"]
        margin = MARGIN_REL * sum(base) / len(base)
        comps = []
        for label in COUPLINGS:
            for solver, nfe, primary in (("dopri5", None, True), ("euler", 4, False)):
                keys = sorted(k for k in r64 if k[:2] == (ds, label) and k[3:] == (solver, nfe) and k in r32)
                if keys:
                    comps.append(Comparison(f"{label} {solver}{'' if nfe is None else f' NFE {nfe}'}",
                                            [r32[k].w2 - r64[k].w2 for k in keys], primary))
        v = judge(CLAIM, comps, margin=margin)
        verdicts[ds] = v
        lines.append(f"- **{ds}** (margin ±{margin:.4g}): {v.line()}")
        lines += [f"  - {x}" for x in v.lines]
    word, note = combine(verdicts)
    steps = {p: t.groupby(["dataset", "coupling", "seed"])["train_wall_s"].first().sum() for p, t in
             (("float64", t64), ("float32", t32))}
    print(f"Both studies ran side by side (one thread each) in {wall / 60:.1f} min. Training wall time summed over "
          f"models: float64 {steps['float64']:.0f} s, float32 {steps['float32']:.0f} s "
          f"({steps['float64'] / steps['float32']:.2f}×).\n")
    print(f"**{CLAIM.id} ({CLAIM.text}): {word}** ({note}); k = {a.seeds} seeds per comparison.\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
