# Faults between tm-upload and s3rver, injected by helpers/fault_proxy.py:
# 500s, a BadDigest answer (what S3 says when Content-MD5 does not match), and
# a body damaged on the way (s3rver does not check Content-MD5 and stores it:
# the ETag gives it away) are all retried, and the objects end up identical.
# When the retries are spent the file fails, is named, and no damaged object
# is left behind; the other files are still uploaded.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3
start_s3

for i in 1 2 3 4; do random_file "$T/src/f$i.lzma" $((20000 * i)); done

start_proxy --fail 'PUT/:2' --bad-digest 'PUT/:1' --corrupt-request 'PUT/:1'
"$UPLOAD" -j 1 --retry-delay 10ms --endpoint "$PROXY_URL" "$T/src" s3://tm/ok/ 2> "$T/err"
check_contains "all uploaded" "tm-upload: 4 files: 4 uploaded, 0 skipped, 0 failed" "$(cat "$T/err")"
check_eq "no other message" 1 "$(wc -l < "$T/err")"
check_eq "PUTs: 4, and 4 again" 8 "$(proxy_count '^PUT /tm/ok/')"
check_eq "faults injected" "bad-digest corrupt-request fail fail" \
  "$($PY -c 'import json,sys; print(" ".join(sorted(json.loads(l)["fault"] for l in open(sys.argv[1]) if json.loads(l)["fault"])))' "$T/proxy.log")"
check_same_tree "after faults" "$T/src" ok/
stop_proxy

# Retries spent on one file (-j 1: files go in key order, f1 first).
start_proxy --fail 'PUT/:3'
rc=0
"$UPLOAD" -j 1 --retries 2 --retry-delay 10ms --endpoint "$PROXY_URL" "$T/src" s3://tm/fail/ \
  2> "$T/err" || rc=$?
check_eq "exit status" 1 "$rc"
check_eq "the failed file is named" \
  "tm-upload: $T/src/f1.lzma: s3://tm/fail/f1.lzma: HTTP 500 InternalError: injected by the test proxy (after 3 attempts)" \
  "$(head -1 "$T/err")"
check_contains "summary" "tm-upload: 4 files: 3 uploaded, 0 skipped, 1 failed" "$(cat "$T/err")"
check_eq "the others are there" "fail/f2.lzma fail/f3.lzma fail/f4.lzma" "$(s3_keys fail/ | xargs)"
stop_proxy

# Damaged bytes and no retry left: the stored object is removed.
start_proxy --corrupt-request 'PUT/:1'
rc=0
"$UPLOAD" --retries 0 --endpoint "$PROXY_URL" "$T/src/f2.lzma" s3://tm/bad/ 2> "$T/err" || rc=$?
check_eq "damaged: exit status" 1 "$rc"
check_contains "damaged: message" \
  "tm-upload: $T/src/f2.lzma: s3://tm/bad/f2.lzma: the server stored other bytes (ETag " \
  "$(cat "$T/err")"
check_eq "damaged: removed" 1 "$(proxy_count '^DELETE /tm/bad/f2\.lzma$')"
check_eq "damaged: no object" "" "$(s3_keys bad/)"
stop_proxy

# No server at all: a connection refused is retried, then fails.
port=$S3_PORT
stop_s3
rc=0
"$UPLOAD" --retries 1 --retry-delay 10ms --endpoint "http://127.0.0.1:$port" "$T/src/f1.lzma" \
  s3://tm/x/ 2> "$T/err" || rc=$?
check_eq "no server: exit status" 1 "$rc"
check_contains "no server: message" "tm-upload: $T/src/f1.lzma: s3://tm/x/f1.lzma: Failed to connect to 127.0.0.1 port $port" \
  "$(cat "$T/err")"
check_contains "no server: retried" "(after 2 attempts)" "$(cat "$T/err")"
echo "500s, BadDigest and damaged bodies retried; failures named, nothing damaged left"
