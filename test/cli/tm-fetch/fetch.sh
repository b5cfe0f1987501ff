# tm-fetch against s3rver, of objects put there by the independent client
# (awscli, a multipart upload among them: no sha256 metadata, checked by
# their ETags, which s3rver makes the MD5 of the bytes) and by tm-upload (with
# our sha256 metadata):
# --list (key<TAB>size, paged), a prefix downloaded into a directory, single
# objects, a re-run that skips what is there, a changed file fetched again, a
# missing object named (exit 1), and a directory (file://) as the source.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tm-upload/helpers/s3.sh"
need_s3
start_s3

random_file "$T/src/code/job.tar.gz" 70000
random_file "$T/src/data/2013/a b.lzma" 3000
random_file "$T/src/data/2013/c/d.lzma" 5
random_file "$T/src/data/2014/e.lzma" 40000
random_file "$T/src/data/big.lzma" $((9 << 20))
: > "$T/src/data/empty.lzma"
# awscli uploads most of it, big.lzma in parts; its config file (nested
# settings and all) is read by tm-fetch too.
printf '[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n' > "$AWS_CONFIG_FILE"
aws_s3 s3 cp --quiet --recursive "$T/src/data" s3://tm/data/
"$UPLOAD" -q --endpoint "$S3_URL" "$T/src/code/job.tar.gz" s3://tm/code/

start_proxy
list=$("$FETCH" --endpoint "$PROXY_URL" --page-size 2 --list s3://tm/data/)
check_eq "--list" "2013/a b.lzma	3000
2013/c/d.lzma	5
2014/e.lzma	40000
big.lzma	9437184
empty.lzma	0" "$list"
check_eq "--list: 3 pages of 2" 3 "$(proxy_count '^GET /tm\?continuation-token=|^GET /tm\?list-type')"
check_eq "--list of a key's start" "2013/a b.lzma	3000
2013/c/d.lzma	5" "$("$FETCH" --endpoint "$PROXY_URL" --list s3://tm/data/2013)"
check_eq "--list of nothing" "" "$("$FETCH" --endpoint "$PROXY_URL" --list s3://tm/nothing/)"

# A prefix and a single object, with -j.
"$FETCH" -j 4 --endpoint "$PROXY_URL" s3://tm/data/ s3://tm/code/job.tar.gz "$T/got" 2> "$T/err"
check_contains "summary" "tm-fetch: 6 files: 6 downloaded, 0 skipped, 0 failed" "$(cat "$T/err")"
cmp "$T/src/code/job.tar.gz" "$T/got/job.tar.gz"
rm "$T/got/job.tar.gz"
diff -r "$T/src/data" "$T/got" || fail "downloaded tree differs"
check_eq "no temporary left" "" "$(find "$T/got" -name '.*')"

# Again: all skipped, without a GET. Then one file changed in place: fetched again.
: > "$T/proxy.log"
"$FETCH" -j 4 --endpoint "$PROXY_URL" s3://tm/data/ "$T/got" 2> "$T/err"
check_contains "re-run" "tm-fetch: 5 files: 0 downloaded, 5 skipped, 0 failed" "$(cat "$T/err")"
check_eq "re-run: no object GET" 0 "$(proxy_count '^GET /tm/')"
random_file "$T/got/2013/a b.lzma" 3000
"$FETCH" -v --endpoint "$PROXY_URL" s3://tm/data/ "$T/got" 2> "$T/err"
check_contains "changed" "tm-fetch: 5 files: 1 downloaded, 4 skipped, 0 failed" "$(cat "$T/err")"
check_contains "-v" "tm-fetch: $T/got/2013/a b.lzma: downloaded from s3://tm/data/2013/a b.lzma" \
  "$(cat "$T/err")"
diff -r "$T/src/data" "$T/got" || fail "tree differs after the change"

# A missing object: named, exit 1, the others still fetched.
rc=0
"$FETCH" --endpoint "$PROXY_URL" s3://tm/data/nope.lzma s3://tm/data/empty.lzma "$T/more" \
  2> "$T/err" || rc=$?
check_eq "missing: exit status" 1 "$rc"
check_contains "missing: message" "tm-fetch: $T/more/nope.lzma: s3://tm/data/nope.lzma: no such object" \
  "$(cat "$T/err")"
[ -f "$T/more/empty.lzma" ] || fail "missing: the other object was not fetched"

# A directory as the source.
check_eq "file:// --list" "$list" "$("$FETCH" --list "file://$T/src/data/")"
"$FETCH" -q "$T/src/data/" "file://$T/src/code/job.tar.gz" "$T/local"
cmp "$T/src/code/job.tar.gz" "$T/local/job.tar.gz"
rm "$T/local/job.tar.gz"
diff -r "$T/src/data" "$T/local" || fail "file:// download differs"

# Usage errors.
rc=0
"$FETCH" s3://tm/data/ 2> "$T/err" || rc=$?
check_eq "no DIR: exit status" 2 "$rc"
check_eq "no DIR: message" "tm-fetch: give URL... DIR (or --list URL...)
Try 'tm-fetch --help' for more information." "$(cat "$T/err")"
echo "tm-fetch lists, downloads, verifies and skips"
