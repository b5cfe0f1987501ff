# Accepted submissions are stored whole, one record each, path as sent without the query.
source "$(dirname "$0")/../lib.sh"
start_receiver
before=$(date +%s%3N)
check_eq "full path" 200 "$(http_code --data-binary 'body one' "$URL/submit/telemetry/id-1/saved-session/Firefox/23.0/release/20130814063812?v=3")"
check_eq "docId only" 200 "$(http_code --data-binary 'body two' "$URL/submit/telemetry/id-2")"
check_eq "escapes kept" 200 "$(http_code --data-binary 'body three' "$URL/submit/telemetry/id%2F3/x")"
check_eq "answer text" "OK" "$(http --data-binary 'body four' "$URL/submit/telemetry/id-4")"
after=$(date +%s%3N)
stop_receiver
check_eq "unfinished logs" "" "$(unfinished_logs)"
# Each server thread writes its own log: order across logs is not arrival order.
records=$(stored_records | sort -t$'\t' -k2)
check_eq "record count" 4 "$(echo "$records" | wc -l)"
check_eq "paths and bodies" \
  "id%2F3/x	-	10	body three
id-1/saved-session/Firefox/23.0/release/20130814063812	-	8	body one
id-2	-	8	body two
id-4	-	9	body four" "$(echo "$records" | cut -f2- | sort)"
# Submission times are the server's clock at arrival, in milliseconds.
first=$(echo "$records" | sort | head -1 | cut -f1)
ms=$(date -u -d "${first%Z}" +%s%3N 2>/dev/null || echo 0)
[ "$ms" -ge $((before - 1000)) ] && [ "$ms" -le $((after + 1000)) ] || fail "time $first not between $before and $after"
echo "4 submissions stored as sent"
