# A log left unfinished by a tm-receive that was killed is finished by the next
# one, with every record the killed one acknowledged.
source "$(dirname "$0")/../lib.sh"
start_receiver
for i in $(seq 5); do check_eq "post $i" 200 "$(http_code --data-binary "r$i" "$URL/submit/telemetry/r$i")"; done
kill -KILL "$RECEIVER_PID"; wait "$RECEIVER_PID" 2>/dev/null || true; RECEIVER_PID=
check_eq "nothing finished after SIGKILL" "" "$(finished_logs)"
[ -n "$(unfinished_logs)" ] || fail "the killed server left no log"
start_receiver
check_contains "orphan reported" "left unfinished by a process that died" "$(cat "$T/receiver.err")"
check_eq "no log left open" "" "$(unfinished_logs)"
stop_receiver
check_eq "acknowledged records kept" "r1 r2 r3 r4 r5" "$(stored_records | cut -f2 | sort | xargs)"
echo "orphaned log finished"
