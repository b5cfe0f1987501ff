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

# Again with 8 clients at once, so that records fail together in one batch.
mkdir -p "$T/small2"
mount -t tmpfs -o size=1m tmpfs "$T/small2"
MOUNTS+=("$T/small2")
LOG_DIR=$T/small2 start_receiver --threads 2
for c in $(seq 8); do
  (for i in $(seq 8); do http_code --data-binary @"$T/body" "$URL/submit/telemetry/c$c-$i"; echo; done > "$T/codes-$c") &
done
wait $(jobs -p | grep -v "^$RECEIVER_PID$")
ok2=$(cat "$T"/codes-* | grep -c '^200$' || true)
other=$(cat "$T"/codes-* | grep -v '^200$' | grep -vc '^503$' || true)
check_eq "only 200 and 503" 0 "$other"
[ "$ok2" -gt 0 ] && [ "$ok2" -lt 64 ] || fail "expected some of 64 stored, got $ok2"
stop_receiver
check_eq "concurrent: every 200 stored, nothing torn" "$ok2" "$(stored_records "$T/small2" | wc -l)"
echo "$ok stored, $full refused with 503; concurrently $ok2 of 64 stored; logs whole"
