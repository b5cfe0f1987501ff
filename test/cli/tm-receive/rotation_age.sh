# An idle log is finished after --max-log-age while the server keeps running;
# a log that keeps receiving is finished after --max-log-span.
source "$(dirname "$0")/../lib.sh"
start_receiver --max-log-age 1s --max-log-span 1h
check_eq "post" 200 "$(http_code --data-binary hello "$URL/submit/telemetry/idle-1")"
check_eq "not yet finished" "" "$(finished_logs)"
for _ in $(seq 50); do [ -n "$(finished_logs)" ] && break; sleep 0.1; done
check_eq "finished while running" 1 "$(finished_logs | wc -l)"
check_eq "no log left open" "" "$(unfinished_logs)"
kill -0 "$RECEIVER_PID" || fail "server stopped"
stop_receiver

rm -rf "$T/logs"
start_receiver --max-log-age 1h --max-log-span 1s
for i in $(seq 12); do http_code --data-binary "x$i" "$URL/submit/telemetry/busy-$i" >/dev/null; sleep 0.25; done
[ "$(finished_logs | wc -l)" -ge 2 ] || fail "a busy log was not finished by its span"
stop_receiver
check_eq "all stored" 12 "$(stored_records | wc -l)"
echo "rotated by age"
