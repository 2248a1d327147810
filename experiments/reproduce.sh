#!/usr/bin/env bash
# `make reproduce`: runs the quick studies into results/ (HDF5, PNG plots, results/REPORT.md).
# Usage: experiments/reproduce.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BIN="$BUILD/bin"
# Debian's interpreter carries python3-h5py/matplotlib; a pyenv or venv python3 on PATH may not.
PY=/usr/bin/python3
mkdir -p results

echo "== exact flow of a 2-D Gaussian mixture (CNF log-density check)"
"$BIN/fm-sample" --config experiments/configs/exact_flow.json --out results/exact_flow.h5 --json \
  > results/exact_flow.json
"$PY" experiments/plot/exact_flow.py results/exact_flow.h5 results/exact_flow.png

echo "== KL-bound study (quick config)"
"$BIN/fm-kl-study" --config experiments/configs/kl_quick.json --out results/kl.h5
"$PY" experiments/plot/kl_study.py results/kl.h5 results

echo "== DFM study (quick config)"
"$BIN/fm-dfm-study" --config experiments/configs/dfm_quick.json --out results/dfm.h5
"$PY" experiments/plot/dfm_study.py results/dfm.h5 results

echo "== SD-FM vs OT-FM vs FM (quick config)"
"$BIN/fm-sdfm-study" --config experiments/configs/sdfm_quick.json --out results/sdfm.h5
"$PY" experiments/plot/sdfm_study.py results/sdfm.h5 results

echo "== TV rate (quick config)"
"$BIN/fm-tv-study" --config experiments/configs/tv_quick.json --out results/tv.h5
"$PY" experiments/plot/tv_study.py results/tv.h5 results

"$PY" experiments/plot/report.py results > results/REPORT.md
echo "results/REPORT.md written"
