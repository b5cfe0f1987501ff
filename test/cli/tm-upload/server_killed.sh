# s3rver killed (SIGKILL) in the middle of an upload: tm-upload retries, then
# fails cleanly (exit 1), naming every file it could not publish. Once the
# server is back, a re-run publishes exactly the missing files: in the end
# every file is there once, byte for byte, and nothing was sent twice.
# (The proxy delays each PUT so that the kill lands mid-run; it closes the
# connection without an answer when the server is gone, as a dead server would.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3
start_s3

n=16
for i in $(seq -w 1 $n); do random_file "$T/src/d$((10#$i % 3))/f$i.lzma" $((30000 + 1000 * 10#$i)); done
start_proxy --delay 0.3
"$UPLOAD" -j 2 --retries 2 --retry-delay 20ms --endpoint "$PROXY_URL" "$T/src" s3://tm/k/ \
  2> "$T/err" &
pid=$!
for _ in $(seq 200); do
  [ "$(proxy_count '^PUT ')" -ge 4 ] && break
  sleep 0.05
done
stop_s3
rc=0
wait "$pid" || rc=$?
check_eq "exit status" 1 "$rc"
summary=$(grep ' files: ' "$T/err")
uploaded=$(printf '%s\n' "$summary" | sed -n 's/.*files: \([0-9]*\) uploaded, 0 skipped, \([0-9]*\) failed.*/\1/p')
failed=$(printf '%s\n' "$summary" | sed -n 's/.*files: \([0-9]*\) uploaded, 0 skipped, \([0-9]*\) failed.*/\2/p')
[ -n "$uploaded" ] && [ "$((uploaded + failed))" = $n ] || fail "summary: $summary"
[ "$uploaded" -ge 2 ] && [ "$failed" -ge 1 ] || fail "the kill did not land mid-run: $summary"
# Named by its path; what follows is the reason, which depends on the
# request the kill interrupted (HEAD, PUT, the check after it).
check_eq "each failed file is named once" "$failed" \
  "$(grep -o "^tm-upload: $T/src/d[0-9]/f[0-9]*\.lzma: " "$T/err" | sort -u | wc -l)"
check_eq "and no file twice" "$failed" "$(grep -c "^tm-upload: $T/src/d[0-9]/f[0-9]*\.lzma: " "$T/err")"

# The server comes back on its port with its data; the re-run finishes the job.
start_s3 "$S3_PORT"
stop_proxy
start_proxy
before=$(s3_keys k/ | wc -l)
"$UPLOAD" -j 2 --endpoint "$PROXY_URL" "$T/src" s3://tm/k/ 2> "$T/err"
check_contains "re-run" "tm-upload: $n files: $((n - before)) uploaded, $before skipped, 0 failed" \
  "$(cat "$T/err")"
check_eq "re-run: a PUT per missing file" $((n - before)) "$(proxy_count '^PUT ')"
check_same_tree "after the re-run" "$T/src" k/
echo "killed server: $failed files named, then $((n - before)) uploaded and $before skipped"
