# Helpers of the tm-job tests, sourced after ../lib.sh.

TM_JOB=$TM_SOURCE/scripts/tm-job
HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/helpers" && pwd)
STATE=$T/state
BUCKET=$T/bucket
export TM_BIN

# job_tarball NAME < SCRIPT: $T/NAME.tgz, holding SCRIPT as run.sh (run by sh)
# and any files already in $T/src-NAME.
job_tarball() {
  mkdir -p "$T/src-$1"
  cat > "$T/src-$1/run.sh"
  chmod +x "$T/src-$1/run.sh"
  tar -czf "$T/$1.tgz" -C "$T/src-$1" .
}

# job ARGS...: runs tm-job with --state-dir $STATE; sets rc, and leaves its
# output in $T/out and $T/err.
job() {
  rc=0
  "$TM_JOB" --state-dir "$STATE" "$@" > "$T/out" 2> "$T/err" || rc=$?
}

# history JOB: the job's history, one JSON line per run.
history() { cat "$STATE/$1/history.jsonl" 2> /dev/null || true; }
# last_run JOB: the last line of its history.
last_run() { history "$1" | tail -n 1; }
# run_dir JOB: the logs directory of its last run ("logs" of the last line).
run_dir() { last_run "$1" | sed -n 's/.*"logs":"\([^"]*\)".*/\1/p'; }
# statuses JOB: the "status" of each run, space-separated.
statuses() { history "$1" | sed 's/.*"status":"\([^"]*\)".*/\1/' | tr '\n' ' ' | sed 's/ $//'; }

# alive PID: whether the process is running (a zombie is not).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# published: the files under $BUCKET, sorted (nothing if there is no bucket).
published() { if [ -d "$BUCKET" ]; then (cd "$BUCKET" && find . -type f | sort); fi; }
