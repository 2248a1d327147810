#!/usr/bin/env bash
# `make reproduce`: runs the quick studies into results/ (HDF5, PNG plots, results/REPORT.md);
# `make reproduce-paper` the full-size configs into results-paper/ (about 3.5 days on 2 cores,
# most of it the SD-FM study). The paper run is resumable: a study whose file is already in results-paper/
# is kept, and the SD-FM and TV studies run as sweeps (experiments/sweeps/*_paper.json, one run per
# dataset, seed and coupling group / per target, JOBS at a time) whose finished runs a rerun skips (a stopped TV run continues from its finished units), gathered into
# one study file when all are complete. The same sweeps run on a cluster (docs/fm-sweep.md).
# Usage: [JOBS=N] experiments/reproduce.sh [BUILD_DIR] [quick|paper]
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
JOBS=${JOBS:-$(nproc)}
# Debian's interpreter carries python3-h5py/matplotlib; a pyenv or venv python3 on PATH may not.
PY=/usr/bin/python3
mkdir -p "$OUT"

echo "== exact flow of a 2-D Gaussian mixture (CNF log-density check)"
# --force: make reproduce regenerates results/ (the paper branch keeps a finished study file below).
"$BIN/fm-sample" --config experiments/configs/exact_flow.json --out "$OUT"/exact_flow.h5 --force --json \
  > "$OUT"/exact_flow.json
"$PY" experiments/plot/exact_flow.py "$OUT"/exact_flow.h5 "$OUT"/exact_flow.png

# Each study: its config name, program and label (the loop body reads nothing from stdin).
while read -r st prog label; do
  echo "== $label ($SIZE config)"
  sweep=experiments/sweeps/"$st"_paper.json
  # A file from `fm-sweep gather --partial` (root attribute runs_missing > 0) is not a finished study.
  missing=0
  if [ "$SIZE" = paper ] && [ -f "$OUT/$st.h5" ]; then
    missing=$("$PY" -c "import h5py, sys; print(int(h5py.File(sys.argv[1], 'r').attrs.get('runs_missing', 0)))" \
      "$OUT/$st.h5" < /dev/null)
  fi
  if [ "$SIZE" = paper ] && [ -f "$OUT/$st.h5" ] && [ "$missing" -eq 0 ]; then
    echo "$OUT/$st.h5 is complete (files appear only when fully written): kept; delete it to redo"
  elif [ "$SIZE" = paper ] && [ -f "$sweep" ]; then
    "$BIN/fm-sweep" run "$sweep" --out "$OUT/sweeps/$st" --jobs "$JOBS" < /dev/null
    "$BIN/fm-sweep" gather "$OUT/sweeps/$st" --out "$OUT/$st.h5" --force < /dev/null
  else
    "$BIN/$prog" --config experiments/configs/"$st"_"$SIZE".json --out "$OUT/$st.h5" --force < /dev/null
  fi
  "$PY" experiments/plot/"$st"_study.py "$OUT/$st.h5" "$OUT" < /dev/null
done <<'STUDIES'
kl fm-kl-study KL-bound study
dfm fm-dfm-study DFM study
sdfm fm-sdfm-study SD-FM vs OT-FM vs FM
tv fm-tv-study TV rate
STUDIES

"$PY" experiments/plot/report.py "$OUT" "$SIZE" > "$OUT"/REPORT.md
echo "$OUT/REPORT.md written"
