#!/usr/bin/env bash
# `make reproduce`: runs the quick studies into results/ (HDF5, PNG plots, results/REPORT.md);
# `make reproduce-paper` the full-size configs into results-paper/ (hours on 2 cores).
# Usage: experiments/reproduce.sh [BUILD_DIR] [quick|paper]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SIZE=${2:-quick}
case "$SIZE" in
  quick) OUT=results ;;
  paper) OUT=results-paper ;;
  *) echo "reproduce.sh: size must be quick or paper, got '$SIZE'" >&2; exit 2 ;;
esac
BIN="$BUILD/bin"
# Debian's interpreter carries python3-h5py/matplotlib; a pyenv or venv python3 on PATH may not.
PY=/usr/bin/python3
mkdir -p "$OUT"

echo "== exact flow of a 2-D Gaussian mixture (CNF log-density check)"
"$BIN/fm-sample" --config experiments/configs/exact_flow.json --out "$OUT"/exact_flow.h5 --json \
  > "$OUT"/exact_flow.json
"$PY" experiments/plot/exact_flow.py "$OUT"/exact_flow.h5 "$OUT"/exact_flow.png

# Each study: its config name, program and label (the loop body reads nothing from stdin).
while read -r st prog label; do
  echo "== $label ($SIZE config)"
  "$BIN/$prog" --config experiments/configs/"$st"_"$SIZE".json --out "$OUT/$st.h5" < /dev/null
  "$PY" experiments/plot/"$st"_study.py "$OUT/$st.h5" "$OUT" < /dev/null
done <<'STUDIES'
kl fm-kl-study KL-bound study
dfm fm-dfm-study DFM study
sdfm fm-sdfm-study SD-FM vs OT-FM vs FM
tv fm-tv-study TV rate
STUDIES

"$PY" experiments/plot/report.py "$OUT" "$SIZE" > "$OUT"/REPORT.md
echo "$OUT/REPORT.md written"
