# Multipart uploads above --multipart-threshold, in --part-size parts sent in
# parallel: the object is the file (awscli), with our SHA-256 as metadata; a
# file at the threshold goes whole. A part that fails (500) or arrives damaged
# is sent again alone. A part that keeps failing fails the file, and the
# multipart upload is aborted (no object, no parts kept). SIGTERM stops the
# run: the upload is aborted and tm-upload dies of the signal. (s3rver does
# not implement AbortMultipartUpload: it answers 405, which tm-upload reports;
# so only the request is checked here, not that the parts are gone.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3
start_s3

random_file "$T/src/big.lzma" $(((12 << 20) + 3))  # 3 parts: 5, 5 and 2 MiB + 3 bytes
random_file "$T/src/edge.lzma" $((5 << 20))        # at the threshold: one PUT
up() {  # up ARGS...: tm-upload through the proxy, 5 MiB parts
  "$UPLOAD" --endpoint "$PROXY_URL" --multipart-threshold 5MiB --part-size 5MiB -j 3 \
    --retry-delay 10ms "$@"
}

# One part fails with a 500, another one's bytes are damaged on the way.
start_proxy --fail 'PUT?partNumber:1' --corrupt-request 'PUT?partNumber:1'
up "$T/src" s3://tm/mp/ 2> "$T/err"
check_contains "summary" "tm-upload: 2 files: 2 uploaded, 0 skipped, 0 failed" "$(cat "$T/err")"
check_eq "part PUTs: 3, and 2 again" 5 "$(proxy_count '^PUT /tm/mp/big\.lzma\?partNumber=')"
for n in 1 2 3; do
  [ "$(proxy_count "^PUT /tm/mp/big\\.lzma\\?partNumber=$n&uploadId=")" -ge 1 ] || fail "part $n not sent"
done
check_eq "one CreateMultipartUpload" 1 "$(proxy_count '^POST /tm/mp/big\.lzma\?uploads=$')"
check_eq "one CompleteMultipartUpload" 1 "$(proxy_count '^POST /tm/mp/big\.lzma\?uploadId=')"
check_eq "the file at the threshold: one PUT" 1 "$(proxy_count '^PUT /tm/mp/edge\.lzma$')"
check_same_tree "multipart" "$T/src" mp/
check_contains "sha256 metadata on the multipart object" \
  "\"sha256\": \"$(sha256sum < "$T/src/big.lzma" | cut -c1-64)\"" \
  "$(aws_s3 s3api head-object --bucket tm --key mp/big.lzma)"
stop_proxy

# A re-run skips both.
start_proxy
up "$T/src" s3://tm/mp/ 2> "$T/err"
check_contains "re-run" "tm-upload: 2 files: 0 uploaded, 2 skipped, 0 failed" "$(cat "$T/err")"
check_eq "re-run: nothing sent" 0 "$(proxy_count '^(PUT|POST) ')"
stop_proxy

# A part that always fails: the file fails, the upload is aborted.
start_proxy --fail 'PUT?partNumber=2:100'
rc=0
up --retries 2 "$T/src/big.lzma" s3://tm/fail/ 2> "$T/err" || rc=$?
check_eq "exit status" 1 "$rc"
check_contains "the file is named" \
  "tm-upload: $T/src/big.lzma: s3://tm/fail/big.lzma part 2: HTTP 500 InternalError: injected by the test proxy (after 3 attempts); and upload " \
  "$(cat "$T/err")"
check_contains "a failed abort is reported" " could not be aborted: HTTP 405" "$(cat "$T/err")"
check_contains "summary" "tm-upload: 1 file: 0 uploaded, 0 skipped, 1 failed" "$(cat "$T/err")"
check_eq "part 2 tried 3 times" 3 "$(proxy_count 'partNumber=2&')"
check_eq "aborted" 1 "$(proxy_count '^DELETE /tm/fail/big\.lzma\?uploadId=')"
check_eq "no object" "" "$(s3_keys fail/)"
stop_proxy

# SIGTERM in the middle of the parts.
start_proxy --delay 0.5
"$UPLOAD" --endpoint "$PROXY_URL" --multipart-threshold 5MiB --part-size 5MiB -j 3 \
  "$T/src/big.lzma" s3://tm/term/ 2> "$T/err" &  # not `up`: a function would run in a subshell
pid=$!
for _ in $(seq 100); do
  [ "$(proxy_count '^POST /tm/term/big\.lzma\?uploads=')" = 1 ] && break
  sleep 0.05
done
sleep 0.2
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
check_eq "died of SIGTERM" 143 "$rc"
sleep 0.6  # the proxy finishes forwarding what it held
check_eq "SIGTERM: aborted" 1 "$(proxy_count '^DELETE /tm/term/big\.lzma\?uploadId=')"
check_eq "SIGTERM: no object" "" "$(s3_keys term/)"
echo "multipart uploads verified, retried part by part, aborted on failure"
