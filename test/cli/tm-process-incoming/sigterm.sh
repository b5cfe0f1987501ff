# SIGTERM to the run's shell alone, while tm-validate works on a log (held
# there by a wrapper): the run passes SIGTERM on to its tools at once, records
# itself as interrupted, and dies of the signal; no tool outlives it, its
# logs stay claimed, and the next run publishes them all once.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 40 10KiB
save_logs
restore_logs
wrap tm-validate 'echo $$ > "$T/validate.pid"; exec sleep 600'
TM_BIN=$T/bin start_process
wait_until "tm-validate to start" test -s "$T/validate.pid"
kill -TERM "$PROC"
rc=0
timeout 20 tail --pid="$PROC" -f /dev/null || fail "the run did not stop on SIGTERM within 20 s"
wait "$PROC" || rc=$?
check_eq "died of SIGTERM" 143 "$rc"
kill -0 "$(cat "$T/validate.pid")" 2> /dev/null && fail "tm-validate outlived the run"
check_eq "recorded as interrupted" '[{"status":"interrupted","published":0}]' \
  "$(stats 'map({status, published})')"
check_eq "nothing published" 0 "$(bucket_files)"
rm "$T/work/stats.jsonl"
republish sigterm
