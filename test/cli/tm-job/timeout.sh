# When a job's timeout expires, tm-job stops all its processes: SIGTERM, then
# SIGKILL after the grace period to one that ignores SIGTERM, also to one
# that made a process group of its own. It publishes nothing, exits 1, and
# records the timeout. SIGTERM to tm-job stops the job the same way.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

export PIDS=$T/pids
mkdir "$PIDS"
job_tarball slow << 'EOF_JOB'
echo $$ > "$PIDS/main.tmp" && mv "$PIDS/main.tmp" "$PIDS/main"
sh -c 'trap "" TERM; echo $$ > "$PIDS/stubborn.tmp"; mv "$PIDS/stubborn.tmp" "$PIDS/stubborn"
  while :; do sleep 1; done' &
bash -c 'set -m; sleep 300 & echo "$! $(cut -d" " -f5 /proc/$!/stat)" > "$PIDS/own-group.tmp"
  mv "$PIDS/own-group.tmp" "$PIDS/own-group"; wait' &
mkdir -p output
echo partial > output/partial.csv
sleep 300
EOF_JOB

started=$SECONDS
job --job-name slow --code-tarball "$T/slow.tgz" --destination "$BUCKET" --timeout 3s --grace 2
took=$((SECONDS - started))
check_eq "exit status" 1 "$rc"
check_contains "stderr" "tm-job: slow: timed out after 3 s" "$(cat "$T/err")"
if [ "$took" -lt 3 ] || [ "$took" -gt 15 ]; then
  fail "took ${took}s, for a timeout of 3s and a grace of 2s"
fi

for name in main stubborn own-group; do
  [ -s "$PIDS/$name" ] || fail "the job did not start its $name process"
  read -r pid pgid < "$PIDS/$name"
  ! alive "$pid" || fail "the job's $name process ($pid) survived the timeout"
done
[ "$pgid" != "$(cat "$PIDS/main")" ] || fail "own-group was not in a process group of its own"

check_eq "published" "" "$(published)"
check_contains "history" '"status":"timeout","exit_code":null,"bytes_published":0,' "$(last_run slow)"
log=$(cat "$(run_dir slow)/tm-job.log")
check_contains "tm-job.log" "SIGTERM" "$log"
check_contains "tm-job.log" "SIGKILL" "$log" # the stubborn one ignored SIGTERM

# SIGTERM to tm-job itself: it stops the job's processes the same way,
# records the run as interrupted, and dies of the signal.
rm -f "$PIDS"/*
job_tarball waits << 'EOF_JOB'
echo $$ > "$PIDS/main.tmp" && mv "$PIDS/main.tmp" "$PIDS/main"
sleep 300
EOF_JOB
"$TM_JOB" --state-dir "$STATE" --job-name waits --code-tarball "$T/waits.tgz" --destination "$BUCKET" \
  > "$T/out" 2> "$T/err" &
runner=$!
for _ in $(seq 200); do [ -s "$PIDS/main" ] && break; sleep 0.1; done
[ -s "$PIDS/main" ] || fail "the job did not start"
kill -TERM "$runner"
rc=0
wait "$runner" || rc=$?
check_eq "exit status after SIGTERM" 143 "$rc"
check_contains "stderr after SIGTERM" "tm-job: waits: interrupted by SIGTERM" "$(cat "$T/err")"
! alive "$(cat "$PIDS/main")" || fail "the job's process survived tm-job's SIGTERM"
check_contains "history" '"status":"interrupted","exit_code":null,' "$(last_run waits)"
check_eq "published" "" "$(published)"
