# A tree uploaded with -j to s3rver: keys mirror the relative paths, names
# starting with '.' (files being written) are left out, the objects are byte
# for byte the files (as awscli downloads them) with our SHA-256 as metadata
# and the MD5 as ETag. A re-run skips everything and sends no PUT; a file
# changed in place (same size) is uploaded again; single files are keyed by
# their names.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3
start_s3

src=$T/out
leaf=saved_session/Firefox/nightly/22.0a1
random_file "$src/$leaf/20130226031002.20131011.v2.log.0123456789abcdef0123456789abcdef.lzma" 200000
random_file "$src/$leaf/20130226031002.20131011.v2.log.fedcba9876543210fedcba9876543210.lzma" 123457
random_file "$src/idle_daily/Fennec/aurora/23.0a2/20130601.20131011.v2.log.aa.lzma" 5000
random_file "$src/with space/f+1 é.lzma" 777
: > "$src/empty.lzma"
random_file "$src/$leaf/.20130226031002.20131011.v2.log.bb.lzma.tmp" 999  # being written
random_file "$src/.hidden/x.lzma" 10

"$UPLOAD" -j 4 --endpoint "$S3_URL" "$src" s3://tm/pub/ 2> "$T/err"
check_contains "summary" "tm-upload: 5 files: 5 uploaded, 0 skipped, 0 failed; 329.2 kB uploaded in " \
  "$(cat "$T/err")"
check_same_tree "uploaded tree" "$src" pub/
f=$leaf/20130226031002.20131011.v2.log.0123456789abcdef0123456789abcdef.lzma
aws_s3 s3api head-object --bucket tm --key "pub/$f" > "$T/head.json"
check_contains "sha256 metadata" "\"sha256\": \"$(sha256sum < "$src/$f" | cut -c1-64)\"" \
  "$(cat "$T/head.json")"
check_contains "ETag" "\"ETag\": \"\\\"$(md5sum < "$src/$f" | cut -c1-32)\\\"\"" "$(cat "$T/head.json")"

# A re-run sends nothing.
start_proxy
"$UPLOAD" -j 4 --endpoint "$PROXY_URL" "$src" s3://tm/pub 2> "$T/err"
check_contains "re-run" "tm-upload: 5 files: 0 uploaded, 5 skipped, 0 failed" "$(cat "$T/err")"
check_eq "re-run: no PUT" 0 "$(proxy_count '^PUT ')"
check_eq "re-run: a HEAD per file" 5 "$(proxy_count '^HEAD /tm/pub/')"

# A file rewritten in place with other bytes of the same size goes again.
random_file "$src/with space/f+1 é.lzma" 777
"$UPLOAD" -v -j 4 --endpoint "$PROXY_URL" "$src" s3://tm/pub/ 2> "$T/err"
check_contains "changed file" "tm-upload: 5 files: 1 uploaded, 4 skipped, 0 failed" "$(cat "$T/err")"
check_contains "-v names it" "tm-upload: $src/with space/f+1 é.lzma: uploaded to s3://tm/pub/with space/f+1 é.lzma" \
  "$(cat "$T/err")"
check_eq "changed file: one PUT" 1 "$(proxy_count '^PUT /tm/pub/with%20space/f%2B1%20%C3%A9\.lzma$')"
check_same_tree "after the change" "$src" pub/

# Files by name: keyed by their base names; the bucket's root works too.
"$UPLOAD" -q --endpoint "$S3_URL" "$src/empty.lzma" "$src/$f" s3://tm
check_eq "files by name" "$(basename "$f")
empty.lzma" "$(s3_keys | grep -v '^pub/')"
echo "a tree and files uploaded, verified by awscli, and skipped when re-run"
