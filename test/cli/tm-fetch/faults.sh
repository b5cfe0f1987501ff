# Faults between tm-fetch and s3rver (helpers/fault_proxy.py): a 500 and a
# body damaged on the way are retried, whether the object carries our sha256
# (uploaded by tm-upload) or only its MD5 as ETag (uploaded by awscli); the
# files end up identical. With no retry left, a damaged download fails, is
# named, and leaves neither the file nor a temporary behind; a file already
# there is not replaced by damaged bytes.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tm-upload/helpers/s3.sh"
need_s3
start_s3

random_file "$T/src/ours.lzma" 100000
random_file "$T/src/theirs.lzma" 100000
"$UPLOAD" -q --endpoint "$S3_URL" "$T/src/ours.lzma" s3://tm/f/
aws_s3 s3 cp --quiet "$T/src/theirs.lzma" s3://tm/f/theirs.lzma

start_proxy --fail 'GET/:1' --corrupt-response 'GET/:2'
"$FETCH" -j 1 --retry-delay 10ms --endpoint "$PROXY_URL" s3://tm/f/ "$T/got" 2> "$T/err"
check_eq "retried" "tm-fetch: 2 files: 2 downloaded, 0 skipped, 0 failed" "$(sed 's/;.*//' "$T/err")"
check_eq "GETs: 2, and 3 again" 5 "$(proxy_count '^GET /tm/f/')"
cmp "$T/src/ours.lzma" "$T/got/ours.lzma"
cmp "$T/src/theirs.lzma" "$T/got/theirs.lzma"
stop_proxy

# No retry left: named, nothing written; a file already there is kept.
start_proxy --corrupt-response 'GET/:3'
random_file "$T/got/theirs.lzma" 100000  # same size, other bytes: to be replaced
cp "$T/got/theirs.lzma" "$T/before"
rc=0
"$FETCH" -j 1 --retries 0 --endpoint "$PROXY_URL" s3://tm/f/ours.lzma s3://tm/f/theirs.lzma \
  "$T/new" 2> "$T/err" || rc=$?
check_eq "damaged: exit status" 1 "$rc"
check_contains "damaged, sha256: message" \
  "tm-fetch: $T/new/ours.lzma: s3://tm/f/ours.lzma: received bytes with sha256 " "$(cat "$T/err")"
check_contains "damaged, ETag: message" \
  "tm-fetch: $T/new/theirs.lzma: s3://tm/f/theirs.lzma: received bytes with MD5 " "$(cat "$T/err")"
check_eq "damaged: nothing written" "" "$(ls -A "$T/new" 2> /dev/null)"
"$FETCH" -q --retries 0 --endpoint "$PROXY_URL" s3://tm/f/theirs.lzma "$T/got" 2> /dev/null &&
  fail "a damaged download succeeded"
cmp "$T/before" "$T/got/theirs.lzma" || fail "a damaged download replaced a file"
check_eq "no temporary left" "" "$(find "$T/got" -name '.*')"
echo "damaged and failed downloads retried; failures named, nothing damaged written"
