"""Compare two fmkit result files dataset by dataset, bit for bit, leaving out timings.

Usage: /usr/bin/python3 experiments/compare_results.py A.h5 B.h5 [A2.h5 B2.h5 ...]
Exit 0 when every pair holds the same datasets with identical values (NaN equal to NaN) and the
same /config; 1 otherwise, listing each difference. Timing columns (wall_time_s, *_time_s,
*_s_per_pair, steps_per_s, ns_per_entry_iteration, sd_precompute_s, ...) and the root attributes
that record the run (command line, host, times) are skipped: they differ between any two runs.
Used to show a refactoring changed no result (issue "One shape ...": make reproduce before/after).
"""
import re
import sys

import h5py
import numpy as np

TIMING = re.compile(r"(wall|time|seconds|_s$|_s_per_|per_s$|ns_per_|train_wall_s)")


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def same(a, b):
    if a.shape != b.shape:
        return False
    a, b = a[()], b[()]
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    return np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b


def compare(pa, pb):
    diffs = []
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        da, db = datasets(fa), datasets(fb)
        for name in sorted(set(da) | set(db)):
            if TIMING.search(name.split("/")[-1]):
                continue
            if name not in da or name not in db:
                diffs.append(f"{name}: only in {pa if name in da else pb}")
            elif not same(da[name], db[name]):
                diffs.append(f"{name}: values differ")
    return diffs


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bad = 0
    for pa, pb in zip(argv[::2], argv[1::2]):
        diffs = compare(pa, pb)
        print(f"{pa} vs {pb}: " + ("identical" if not diffs else f"{len(diffs)} differences"))
        for d in diffs:
            print("  " + d)
        bad += bool(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
