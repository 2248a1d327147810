#!/usr/bin/env bash
# The cluster path against a real Slurm: start a one-node cluster on localhost (munged, slurmctld,
# slurmd, with a minimal slurm.conf in a temporary directory), submit an emitted sweep array with
# sbatch, scancel one array task mid-run, resubmit, and check that finished runs are skipped, the
# cancelled one resumes from its checkpoint, and the gathered results equal a local `fm-sweep run`
# of the same sweep. Every daemon this script started is stopped by its process id.
#
# Usage: slurm_sweep.sh BIN_DIR. Exit 0 passed, 1 failed, 77 skipped (the daemons cannot start
# here: one line says why).
set -uo pipefail
BIN=$(cd "$1" && pwd)
SKIP=77
say() { echo "slurm test: $*"; }
skip() { echo "SKIPPED: slurm test: $*"; exit $SKIP; }
fail() { echo "FAILED: slurm test: $*"; dump_logs; exit 1; }

for cmd in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v "$cmd" > /dev/null || skip "'$cmd' is not installed (Debian: slurmctld slurmd slurm-client munge)"
done

WORK=$(mktemp -d /tmp/fmkit_slurm.XXXXXX)
chmod 755 "$WORK"  # munged wants its socket's folders searchable by all
PIDS=()
cleanup() {
  # Stop only what this script started, newest first, by pid; then wait for each to go.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2> /dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null
  done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
dump_logs() {
  for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done
}

# Free TCP ports for slurmctld and slurmd (bound and released by the kernel's choice).
read -r CTLD_PORT SLURMD_PORT < <(/usr/bin/python3 -c "
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(('127.0.0.1', 0))
print(*[x.getsockname()[1] for x in s])")
HOST=$(hostname -s)
USER_NAME=$(id -un)

mungekey -c -k "$WORK/munge.key" > /dev/null 2>&1 || skip "mungekey cannot create a key"
chmod 600 "$WORK/munge.key"
munged -F -f --key-file="$WORK/munge.key" --socket="$WORK/munge.sock" --pid-file="$WORK/munged.pid" \
  --log-file="$WORK/munged.log" --seed-file="$WORK/munged.seed" > "$WORK/munged.out.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$WORK/munge.sock" ] && break; sleep 0.1; done
[ -S "$WORK/munge.sock" ] || skip "munged did not start: $(tail -n 1 "$WORK/munged.out.log")"

mkdir -p "$WORK/state" "$WORK/spool"
cat > "$WORK/slurm.conf" << EOF
ClusterName=fmkittest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
AuthInfo=socket=$WORK/munge.sock
CredType=cred/munge
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=5
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$WORK/slurm.conf"
slurmctld -D -f "$SLURM_CONF" > "$WORK/slurmctld.out.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" > "$WORK/slurmd.out.log" 2>&1 &
PIDS+=($!)
up=""
for _ in $(seq 150); do
  if sinfo -h -o '%t' 2> /dev/null | grep -q '^idle'; then up=1; break; fi
  sleep 0.2
done
[ -n "$up" ] || skip "slurmctld/slurmd did not bring the node up: $(tail -n 1 "$WORK/slurmd.out.log" 2> /dev/null)"
say "one-node cluster up (slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT)"

# Three fm-train runs of a few seconds each, checkpointing every 2000 steps.
cat > "$WORK/sweep.json" << 'EOF'
{"program": "fm-train",
 "base": {"model": {"hidden": [48, 48]},
          "train": {"steps": 24000, "batch": 128, "checkpoint_every": 2000, "eval_every": 3000}},
 "axes": [{"key": "seed", "values": [0, 1, 2]}],
 "slurm": {"time": "00:10:00", "mem": "200M"}}
EOF
DIR="$WORK/cluster sweep"  # a space: the emitted script must quote it
"$BIN/fm-sweep" emit "$WORK/sweep.json" --out "$DIR" --slurm > /dev/null || fail "fm-sweep emit"
mapfile -t IDS < "$DIR/runs.txt"
VICTIM=1

job_done() { [ -z "$(squeue -h -j "$1" 2> /dev/null)" ]; }
wait_job() {
  for _ in $(seq 1500); do job_done "$1" && return 0; sleep 0.2; done
  fail "job $1 did not finish within 300 s"
}
run_status() { /usr/bin/python3 -c "
import h5py, sys
try: print(h5py.File(sys.argv[1], 'r').attrs['status'])
except Exception: print('none')" "$1"; }

JOB=$(sbatch --parsable "$DIR/sweep.slurm") || fail "sbatch refused the emitted script"
say "submitted array job $JOB"
# Cancel task $VICTIM once it has written a checkpoint: a scheduler's kill in the middle of a run.
victim_out="$DIR/runs/${IDS[$VICTIM]}/out.h5"
for _ in $(seq 1500); do
  [ "$(run_status "$victim_out")" = checkpoint ] && break
  sleep 0.1
done
[ "$(run_status "$victim_out")" = checkpoint ] || fail "task $VICTIM wrote no checkpoint"
scancel "${JOB}_${VICTIM}" || fail "scancel ${JOB}_${VICTIM}"
say "cancelled task ${JOB}_${VICTIM} at a checkpoint"
wait_job "$JOB"
"$BIN/fm-sweep" status "$DIR" > "$WORK/status1.txt"
grep -q '2 complete' "$WORK/status1.txt" || fail "after scancel: $(head -n 1 "$WORK/status1.txt")"
grep -q '1 resumable' "$WORK/status1.txt" || fail "the cancelled run is not resumable: $(cat "$WORK/status1.txt")"
pgrep -f "$DIR/runs/${IDS[$VICTIM]}" > /dev/null && fail "scancel left the cancelled run's fm-train running"
declare -A STAMP
for i in 0 1 2; do [ "$i" = "$VICTIM" ] || STAMP[$i]=$(stat -c %y "$DIR/runs/${IDS[$i]}/out.h5"); done

JOB2=$(sbatch --parsable "$DIR/sweep.slurm") || fail "resubmission refused"
say "resubmitted as job $JOB2"
wait_job "$JOB2"
"$BIN/fm-sweep" status "$DIR" > "$WORK/status2.txt"
grep -q '3 complete' "$WORK/status2.txt" || fail "after resubmission: $(head -n 1 "$WORK/status2.txt")"
for i in 0 2; do
  [ "$(stat -c %y "$DIR/runs/${IDS[$i]}/out.h5")" = "${STAMP[$i]}" ] || fail "finished run $i was redone"
  grep -q "already complete" "$DIR/runs/slurm-${JOB2}_$i.log" || fail "task $i did not report its run as complete"
done
grep -q "resuming .* from its checkpoint at step" "$DIR/runs/${IDS[$VICTIM]}/stderr.log" ||
  fail "the cancelled run did not resume from its checkpoint"
say "finished runs skipped, the cancelled run resumed"

# The same sweep run locally gives the same results, bit for bit (timings aside).
"$BIN/fm-sweep" merge "$DIR" > /dev/null 2>&1 || fail "fm-sweep merge of the cluster sweep"
"$BIN/fm-sweep" run "$WORK/sweep.json" --out "$WORK/local" --jobs 2 > /dev/null 2>&1 || fail "local fm-sweep run"
/usr/bin/python3 - "$DIR" "$WORK/local" << 'EOF' || fail "cluster and local results differ"
import h5py, numpy as np, sys
a, b = (h5py.File(d + '/summary.h5', 'r')['summary'] for d in sys.argv[1:])
timing = {'wall_time_s', 'setup_s', 'train_s', 'steps_per_s', 'pairing_s_per_pair', 'run_wall_s'}
for k in a:
    if k in timing: continue
    if not np.array_equal(a[k][()], b[k][()]):
        sys.exit(f'summary column {k}: {a[k][()]} vs {b[k][()]}')
ids = [s.decode() for s in a['run_id'][()]]
for i in ids:
    pa = h5py.File(f'{sys.argv[1]}/runs/{i}/out.h5', 'r')['runs/0/checkpoint/params'][()]
    pb = h5py.File(f'{sys.argv[2]}/runs/{i}/out.h5', 'r')['runs/0/checkpoint/params'][()]
    if not np.array_equal(pa, pb): sys.exit(f'run {i}: weights differ')
print(f'slurm test: {len(ids)} runs: cluster (with a cancelled and resumed task) == local, bit for bit')
EOF
say "passed"
