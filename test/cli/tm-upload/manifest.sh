# --files-from: a tm-partition manifest (path<TAB>records<TAB>bytes<TAB>bytes,
# relative to --root), from a file or standard input; only the listed files
# go. A listed file that is missing or a line that is no relative path fails
# the run (exit 1, named) while the rest are published. --dry-run prints the
# plan and sends nothing; --delete-after removes only confirmed files. Usage
# errors exit 2; missing credentials exit 1.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3
start_s3
start_proxy

out=$T/out
a=saved_session/Firefox/nightly/22.0a1/20130226031002.20131011.v2.log.00112233445566778899aabbccddeeff.lzma
b=idle_daily/Fennec/aurora/23.0a2/20130601000000.20131011.v2.log.ffeeddccbbaa99887766554433221100.lzma
random_file "$out/$a" 5000
random_file "$out/$b" 7000
random_file "$out/not/listed.lzma" 100
random_file "$out/saved_session/.x.lzma.tmp" 100
printf '%s\t12\t40000\t5000\n%s\t3\t9000\t7000\n' "$a" "$b" > "$T/manifest"

# --dry-run: the plan on stdout, nothing sent.
"$UPLOAD" --dry-run --files-from "$T/manifest" --root "$out" --endpoint "$PROXY_URL" \
  s3://tm/m/ > "$T/plan" 2> "$T/err"
check_eq "dry run plan" "upload	$out/$b	s3://tm/m/$b
upload	$out/$a	s3://tm/m/$a" "$(cat "$T/plan")"
check_eq "dry run summary" "tm-upload: dry run: 2 to upload, 0 already there, 0 failed" "$(cat "$T/err")"
check_eq "dry run: nothing sent" 0 "$(proxy_count '^(PUT|POST|DELETE) ')"

# From standard input.
cut -f1 "$T/manifest" | head -1 | "$UPLOAD" -q --files-from - --root "$out" \
  --endpoint "$PROXY_URL" s3://tm/m/
check_eq "stdin manifest" "m/$a" "$(s3_keys m/)"

"$UPLOAD" --dry-run --files-from "$T/manifest" --root "$out" --endpoint "$PROXY_URL" \
  s3://tm/m/ > "$T/plan" 2> /dev/null
check_eq "dry run after" "upload	$out/$b	s3://tm/m/$b
skip	$out/$a	s3://tm/m/$a" "$(cat "$T/plan")"

# --delete-after: the one already there and the one uploaded both go.
"$UPLOAD" -q --delete-after --files-from "$T/manifest" --root "$out" --endpoint "$PROXY_URL" \
  s3://tm/m/
check_eq "removed after upload" "$out/not/listed.lzma
$out/saved_session/.x.lzma.tmp" "$(find "$out" -type f | sort)"
check_eq "both uploaded" "m/$b
m/$a" "$(s3_keys m/)"

# A missing file and bad lines: named, exit 1; the good file still goes.
printf 'not/listed.lzma\t1\t1\t1\n%s\t1\t1\t1\n../etc/passwd\t1\n/abs.lzma\n.hidden.tmp\n' "$a" |
  { rc=0; "$UPLOAD" -q --files-from - --root "$out" --endpoint "$PROXY_URL" s3://tm/bad/ \
      2> "$T/err" || rc=$?; check_eq "bad manifest: exit status" 1 "$rc"; }
check_eq "bad manifest: messages" "tm-upload: (stdin):3: not a relative path of visible names: '../etc/passwd'
tm-upload: (stdin):4: not a relative path of visible names: '/abs.lzma'
tm-upload: (stdin):5: not a relative path of visible names: '.hidden.tmp'
tm-upload: $out/$a: No such file or directory" "$(cat "$T/err")"
check_eq "bad manifest: the good one uploaded" "bad/not/listed.lzma" "$(s3_keys bad/)"

# --delete-after keeps a file whose upload failed.
stop_proxy
start_proxy --fail 'PUT:100'
rc=0
"$UPLOAD" -q --retries 0 --delete-after --endpoint "$PROXY_URL" "$out/not/listed.lzma" \
  s3://tm/kept/ 2> "$T/err" || rc=$?
check_eq "failed upload: exit status" 1 "$rc"
[ -f "$out/not/listed.lzma" ] || fail "--delete-after removed a file whose upload failed"

# Usage errors (2) and missing credentials (1).
usage() {  # usage EXPECTED-MESSAGE ARGS...
  local rc=0
  "$UPLOAD" "${@:2}" > /dev/null 2> "$T/err" || rc=$?
  check_eq "usage ${*:2}: exit status" 2 "$rc"
  check_eq "usage ${*:2}: message" "tm-upload: $1
Try 'tm-upload --help' for more information." "$(cat "$T/err")"
}
usage "no destination given"
usage "nothing to upload: give SOURCE... DESTINATION or --files-from" s3://tm/x/
usage "destination 'ftp://h/x/': unsupported URL scheme (s3:// and file:// are)" "$out" ftp://h/x/
usage "destination 's3:///x': no bucket" "$out" s3:///x
usage "--part-size: at least 5MiB, S3's smallest part" --part-size 1MiB "$out" s3://tm/x/
rc=0
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$T" "$UPLOAD" --endpoint "$S3_URL" "$out" \
  s3://tm/x/ 2> "$T/err" || rc=$?
check_eq "no credentials: exit status" 1 "$rc"
check_eq "no credentials: message" "tm-upload: s3://tm/x/: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile 'default' keys in $T/no-aws-credentials" \
  "$(cat "$T/err")"
echo "manifests, --dry-run, --delete-after and usage errors as documented"
