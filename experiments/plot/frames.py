"""fmkit result files as pandas DataFrames, and as CSV.

pandas.read_hdf reads PyTables files only; fmkit writes plain HDF5 (one 1-D dataset per column),
so this is the loader:

    from experiments.plot.frames import table
    df = table("sdfm.h5")                 # /summary: one row per case (one row for a single run)
    fits = table("tv.h5", "fits")

Strings come back as str, integers as int64. From the shell:

    python3 experiments/plot/frames.py sdfm.h5 [--group summary] [--csv out.csv]"""
import argparse
import sys

import h5py
import numpy as np
import pandas as pd


def column(ds):
    v = ds[...]
    if v.dtype.kind in "OS":
        return np.array([x.decode() if isinstance(x, bytes) else x for x in v.ravel()], dtype=object)
    return v.ravel()


def table(path, group="summary"):
    with h5py.File(path, "r") as f:
        if group not in f or not isinstance(f[group], h5py.Group):
            raise KeyError(f"{path}: no table /{group} (its groups: {', '.join(k for k in f if isinstance(f[k], h5py.Group))})")
        g = f[group]
        cols = {k: column(g[k]) for k in g if isinstance(g[k], h5py.Dataset)}
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise ValueError(f"{path}:/{group}: columns of different lengths {sorted(lengths)}")
    return pd.DataFrame(cols)


def main(argv):
    p = argparse.ArgumentParser(description="an fmkit table as CSV (stdout, or --csv FILE)")
    p.add_argument("file")
    p.add_argument("--group", default="summary", help="the table's group (default summary)")
    p.add_argument("--csv", help="write here instead of stdout (refused if it exists)")
    a = p.parse_args(argv)
    try:
        df = table(a.file, a.group)
    except (OSError, KeyError, ValueError) as e:
        print(f"frames: {e}", file=sys.stderr)
        return 2
    if a.csv:
        try:
            with open(a.csv, "x") as out:
                df.to_csv(out, index=False)
        except FileExistsError:
            print(f"frames: --csv {a.csv}: exists (not overwritten)", file=sys.stderr)
            return 2
    else:
        df.to_csv(sys.stdout, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
