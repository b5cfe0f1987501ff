# A full disk: 503, never 2xx, for what could not be written; the server keeps
# serving; the logs hold only whole records.
source "$(dirname "$0")/../lib.sh"
mkdir -p "$T/small"
mount -t tmpfs -o size=512k tmpfs "$T/small" 2>/dev/null || skip "cannot mount a tmpfs here (needs root)"
MOUNTS+=("$T/small")
head -c 40000 /dev/urandom > "$T/body"
LOG_DIR=$T/small start_receiver --threads 2
ok=0; full=0
for i in $(seq 30); do
  code=$(http_code --data-binary @"$T/body" "$URL/submit/telemetry/rec-$i")
  case "$code" in
    200) ok=$((ok + 1)) ;;
    503) full=$((full + 1)) ;;
    *) fail "unexpected status $code" ;;
  esac
done
[ "$ok" -gt 0 ] && [ "$full" -gt 0 ] || fail "expected some 200 and some 503, got $ok and $full"
check_eq "still serving" 200 "$(http_code "$URL/status")"
check_contains "write errors counted" "tm_receive_requests_total{outcome=\"write_error\"} $full" "$(http "$URL/metrics")"
grep -q "No space left on device" "$T/receiver.err" || fail "the full disk was not reported"
stop_receiver
check_eq "every 200 stored, nothing torn" "$ok" "$(stored_records "$T/small" | wc -l)"
echo "$ok stored, $full refused with 503, logs whole"
