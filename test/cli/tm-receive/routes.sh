# Paths and methods: /status for load balancers, 404 and 405 for the rest.
source "$(dirname "$0")/../lib.sh"
start_receiver
check_eq "GET /status" 200 "$(http_code "$URL/status")"
check_eq "HEAD /status" 200 "$(http_code -I "$URL/status")"
check_eq "POST /status" 405 "$(http_code --data-binary x "$URL/status")"
check_eq "GET a submission" 405 "$(http_code "$URL/submit/telemetry/abc")"
check_contains "Allow header" "Allow: POST" "$(http -D - -o /dev/null -X PUT --data-binary x "$URL/submit/telemetry/abc")"
check_eq "unknown path" 404 "$(http_code --data-binary x "$URL/submit/other/abc")"
check_eq "no document id" 404 "$(http_code --data-binary x "$URL/submit/telemetry/")"
check_eq "empty first segment" 404 "$(http_code --data-binary x "$URL/submit/telemetry//x")"
check_eq "root" 404 "$(http_code "$URL/")"
metrics=$(http "$URL/metrics")
check_contains "metrics counts 405s" 'tm_receive_requests_total{outcome="method_not_allowed"} 3' "$metrics"
check_contains "metrics counts 404s" 'tm_receive_requests_total{outcome="not_found"} 4' "$metrics"
check_contains "metrics has rejections" 'tm_receive_rejected_total 7' "$metrics"
stop_receiver
check_eq "nothing stored" "" "$(finished_logs)"
echo "routes answered"
