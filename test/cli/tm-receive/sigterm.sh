# SIGTERM: requests in flight are finished and stored, the log is finished, exit 0,
# and new connections are refused meanwhile.
source "$(dirname "$0")/../lib.sh"
head -c 150000 /dev/urandom > "$T/slow-body"
start_receiver --drain-timeout 30s
check_eq "before" 200 "$(http_code --data-binary before "$URL/submit/telemetry/before")"
# An upload that takes about 3 s.
http -o /dev/null -w '%{http_code}' --limit-rate 50K --data-binary @"$T/slow-body" "$URL/submit/telemetry/slow" > "$T/slow-status" &
slow=$!
sleep 1
kill -TERM "$RECEIVER_PID"
sleep 0.3
kill -0 "$RECEIVER_PID" 2>/dev/null || fail "server exited with a request in flight"
refused=$(http_code --max-time 3 --data-binary late "$URL/submit/telemetry/late" || true)
[ "$refused" != 200 ] || fail "a new request was accepted while draining"
wait "$slow"
check_eq "slow upload answered" 200 "$(cat "$T/slow-status")"
rc=0; wait "$RECEIVER_PID" || rc=$?; RECEIVER_PID=
check_eq "exit status" 0 "$rc"
check_eq "no log left open" "" "$(unfinished_logs)"
records=$(stored_records)
check_eq "stored" "before 6
slow 150000" "$(echo "$records" | awk -F'\t' '{print $2, $4}' | sort)"
echo "drained and finished"
