# Bodies and paths over their limits are answered 202 (or --oversize-status) and
# not stored; a body of exactly the limit is stored; no length at all is 411.
source "$(dirname "$0")/../lib.sh"
head -c 1000 /dev/zero | tr '\0' a > "$T/limit"
head -c 1001 /dev/zero | tr '\0' b > "$T/over"
start_receiver --max-body-size 1000 --max-path-length 100
check_eq "at the limit" 200 "$(http_code --data-binary @"$T/limit" "$URL/submit/telemetry/at-limit")"
check_eq "over the limit" 202 "$(http_code --data-binary @"$T/over" "$URL/submit/telemetry/over")"
check_eq "chunked over the limit" 202 "$(http_code -H 'Transfer-Encoding: chunked' --data-binary @"$T/over" "$URL/submit/telemetry/chunked-over")"
check_eq "chunked within" 200 "$(http_code -H 'Transfer-Encoding: chunked' --data-binary @"$T/limit" "$URL/submit/telemetry/chunked-ok")"
long=$(printf 'p%.0s' $(seq 101))
check_eq "path over the limit" 202 "$(http_code --data-binary x "$URL/submit/telemetry/$long")"
check_eq "no length" 411 "$(http_code -X POST "$URL/submit/telemetry/no-length")"
metrics=$(http "$URL/metrics")
check_contains "too_large counted" 'tm_receive_requests_total{outcome="too_large"} 2' "$metrics"
check_contains "path_too_long counted" 'tm_receive_requests_total{outcome="path_too_long"} 1' "$metrics"
check_contains "length_required counted" 'tm_receive_requests_total{outcome="length_required"} 1' "$metrics"
stop_receiver
check_eq "stored" "at-limit 1000
chunked-ok 1000" "$(stored_records | awk -F'\t' '{print $2, $4}' | sort)"

start_receiver --max-body-size 1000 --oversize-status 413
check_eq "413 when asked" 413 "$(http_code --data-binary @"$T/over" "$URL/submit/telemetry/over")"
stop_receiver
echo "limits enforced"
