# --stats-log: one JSON line per request; SIGHUP reopens it, as logrotate needs.
source "$(dirname "$0")/../lib.sh"
start_receiver --stats-log "$T/stats.jsonl"
http_code --data-binary hello "$URL/submit/telemetry/one" > /dev/null
http_code "$URL/nowhere" > /dev/null
sleep 0.5  # the stats log is flushed every quarter second
mv "$T/stats.jsonl" "$T/stats.jsonl.1"
kill -HUP "$RECEIVER_PID"
sleep 0.5
http_code --data-binary again "$URL/submit/telemetry/two" > /dev/null
stop_receiver
check_eq "lines before the rotation" 2 "$(wc -l < "$T/stats.jsonl.1")"
check_eq "lines after it" 1 "$(wc -l < "$T/stats.jsonl")"
first=$(head -1 "$T/stats.jsonl.1")
# bytes_stored is the record's size in the raw log: 15 header + 3 path + 5 body.
for field in '"url":"/submit/telemetry/one"' '"status":200' '"bytes_stored":23' '"duration_ms":' '"timestamp":"20' '"outcome":"stored"'; do
  check_contains "first line" "$field" "$first"
done
check_contains "404 line" '"url":"/nowhere","status":404,"bytes_stored":0' "$(sed -n 2p "$T/stats.jsonl.1")"
check_contains "after SIGHUP" '"url":"/submit/telemetry/two"' "$(cat "$T/stats.jsonl")"
echo "stats log written and reopened"
