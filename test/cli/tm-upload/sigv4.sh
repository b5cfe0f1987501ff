# The AWS Signature V4 that tm sends is the one an independent signer computes
# (botocore's S3SigV4Auth, helpers/sigv4_check.py): s3rver accepts any secret
# key, so it cannot tell.
#  1. A fixed time (TM_AWS_SIGV4_DATE), a session token, another region, keys
#     and a prefix that need escaping: every request of an upload (HEAD, PUT,
#     CreateMultipartUpload) and of a listing, answered by the proxy alone.
#  2. The current time against s3rver through the logging proxy: every request
#     of a whole upload, multipart included, a re-run, a listing, a download.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3

check_signatures() {  # check_signatures WHAT ARGS...: botocore agrees on every logged request
  $PY "$HELPERS/sigv4_check.py" "$T/proxy.log" "${@:2}" > "$T/sig.out" 2>&1 ||
    { cat "$T/sig.out" >&2; fail "$1: signatures differ from botocore's"; }
}

# 1. Fixed time. No server: the proxy answers 404 to HEAD and 500 to the rest.
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE/token+with=chars'
export TM_AWS_SIGV4_DATE=20130524T000000Z
start_proxy --fail 'HEAD:100:404' --fail '*:100:500'
random_file "$T/src/a b+c~d.lzma" 1000
random_file "$T/src/big" $((6 << 20))
rc=0
"$UPLOAD" -q --retries 0 --endpoint "$PROXY_URL" --region eu-west-3 --multipart-threshold 5MiB \
  --part-size 5MiB "$T/src/a b+c~d.lzma" "$T/src/big" "s3://tm/dé%/x/" 2> "$T/err" || rc=$?
check_eq "uploads against a server that fails" 1 "$rc"
rc=0
"$FETCH" --retries 0 --endpoint "$PROXY_URL" --region eu-west-3 --list "s3://tm/dé%/x/a b" \
  > /dev/null 2>> "$T/err" || rc=$?
check_eq "a listing against a server that fails" 1 "$rc"
check_eq "HEADs" 2 "$(proxy_count '^HEAD /tm/d%C3%A9%25/x/(a%20b%2Bc~d\.lzma|big)$')"
check_eq "the small file's PUT" 1 "$(proxy_count '^PUT /tm/d%C3%A9%25/x/a%20b%2Bc~d\.lzma$')"
check_eq "CreateMultipartUpload" 1 "$(proxy_count '^POST /tm/d%C3%A9%25/x/big\?uploads=$')"
check_eq "ListObjectsV2, its query sorted and escaped" 1 \
  "$(proxy_count '^GET /tm\?list-type=2&max-keys=1000&prefix=d%C3%A9%25%2Fx%2Fa%20b$')"
check_signatures "fixed time" --access-key AKIDEXAMPLE \
  --secret-key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY --token "$AWS_SESSION_TOKEN" \
  --region eu-west-3 --date 20130524T000000Z
check_eq "requests checked" "5 requests checked, 0 bad" "$(tail -1 "$T/sig.out")"
# The check can fail: another secret gives another signature.
if $PY "$HELPERS/sigv4_check.py" "$T/proxy.log" --access-key AKIDEXAMPLE --secret-key other \
  --token "$AWS_SESSION_TOKEN" --region eu-west-3 > /dev/null 2>&1; then
  fail "sigv4_check.py accepted a wrong secret key"
fi
stop_proxy

# 2. The current time, a real server, every kind of request.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset TM_AWS_SIGV4_DATE
start_s3
start_proxy
random_file "$T/tree/one/a.lzma" 3000
random_file "$T/tree/two/b c.lzma" 7000000
opts=(-q --endpoint "$PROXY_URL" -j 3)
"$UPLOAD" "${opts[@]}" --multipart-threshold 5MiB --part-size 5MiB "$T/tree" s3://tm/sig/
"$UPLOAD" "${opts[@]}" --multipart-threshold 5MiB --part-size 5MiB "$T/tree" s3://tm/sig/
"$FETCH" "${opts[@]}" --list s3://tm/sig/ > /dev/null
"$FETCH" "${opts[@]}" s3://tm/sig/ "$T/back"
diff -r "$T/tree" "$T/back" || fail "downloaded tree differs"
check_eq "part uploads" 2 "$(proxy_count '^PUT /tm/sig/two/b%20c\.lzma\?partNumber=[12]&uploadId=')"
check_eq "CompleteMultipartUpload" 1 "$(proxy_count '^POST /tm/sig/two/b%20c\.lzma\?uploadId=')"
check_eq "object GETs" 2 "$(proxy_count '^GET /tm/sig/')"
check_signatures "real server" --access-key S3RVER --secret-key S3RVER --token "$AWS_SESSION_TOKEN" \
  --region us-east-1
echo "$(tail -1 "$T/sig.out"): tm's signatures are botocore's"
