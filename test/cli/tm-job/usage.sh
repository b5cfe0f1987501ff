# tm-job's command line: --help and --version, and every bad value refused
# with exit 2, one line saying what is wrong and "Try 'tm-job --help'",
# before anything is made or run.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

job --help
check_eq "--help: exit status" 0 "$rc"
check_contains "--help" "Usage: tm-job" "$(cat "$T/out")"
check_eq "--help: stderr" "" "$(cat "$T/err")"
job --version
check_eq "--version: exit status" 0 "$rc"
[[ $(cat "$T/out") =~ ^"tm-job (tm) "[0-9][0-9A-Za-z.+~-]*$ ]] || fail "--version printed '$(cat "$T/out")'"

echo 'mkdir -p output' | job_tarball ok
good=(--job-name ok --code-tarball "$T/ok.tgz" --destination "$BUCKET")
# usage_error MESSAGE ARGS...: tm-job ARGS fails with exit 2 and MESSAGE.
usage_error() {
  job "${@:2}"
  [ "$rc" = 2 ] || fail "tm-job ${*:2}: exit status $rc, expected 2"
  check_eq "tm-job ${*:2}: stderr" "tm-job: $1
Try 'tm-job --help' for more information." "$(cat "$T/err")"
  check_eq "tm-job ${*:2}: stdout" "" "$(cat "$T/out")"
}
usage_error "unrecognized option '--no-such-flag'" "${good[@]}" --no-such-flag
usage_error "unexpected argument 'extra'" "${good[@]}" extra
usage_error "option '--timeout' needs a value" "${good[@]}" --timeout
usage_error "option '--keep-work' takes no value" "${good[@]}" --keep-work=yes
usage_error "--job-name is required" --code-tarball "$T/ok.tgz" --destination "$BUCKET"
usage_error "--code-tarball is required" --job-name ok --destination "$BUCKET"
usage_error "--destination is required" --job-name ok --code-tarball "$T/ok.tgz"
usage_error "--job-name: 'a b': a job name is letters, digits, '-' and '_' only" "${good[@]}" --job-name 'a b'
usage_error "--job-name: '../x': a job name is letters, digits, '-' and '_' only" "${good[@]}" --job-name ../x
usage_error "--code-tarball: 'ftp://host/x.tgz': unsupported URL (s3://BUCKET/KEY, file:///PATH, http:// and https:// are)" \
  "${good[@]}" --code-tarball ftp://host/x.tgz
usage_error "--code-tarball: 's3://bucket': names a bucket, not a tarball (s3://BUCKET/KEY)" \
  "${good[@]}" --code-tarball s3://bucket
usage_error "--code-tarball: 's3://bucket/jobs/': names a directory or a prefix (it ends in '/'), not a tarball" \
  "${good[@]}" --code-tarball s3://bucket/jobs/
usage_error "--destination: 'https://example.com/x': a destination is s3://BUCKET/PREFIX, file:///DIR or a directory" \
  "${good[@]}" --destination https://example.com/x
usage_error "--command: empty command" "${good[@]}" --command ''
usage_error "--command: contains a control character (a newline or a tab, say); it must be one line" \
  "${good[@]}" --command $'./run.sh\nrm -rf /'
usage_error "--timeout: '0': out of range (1 s to 30 days)" "${good[@]}" --timeout 0
usage_error "--timeout: '5x': not a duration (a whole number, with an optional unit s, m or h)" "${good[@]}" --timeout 5x
usage_error "--timeout: '-5': not a duration (a whole number, with an optional unit s, m or h)" "${good[@]}" --timeout=-5
usage_error "--timeout: '50000': out of range (1 s to 30 days)" "${good[@]}" --timeout 50000
usage_error "--grace: '1.5': not a duration (a whole number, with an optional unit s, m or h)" "${good[@]}" --grace 1.5
usage_error "--mail-to: 'a b': not a mail address (user@host, comma-separated)" "${good[@]}" --mail-to 'a b'
usage_error "--mail-to: contains a control character (a newline or a tab, say); it must be one line" \
  "${good[@]}" --mail-to $'x@y\nBcc: z@w'
usage_error "--endpoint: 'localhost:9000': not an http:// or https:// URL" "${good[@]}" --endpoint localhost:9000
usage_error "--region: 'US East': not a region name (such as us-west-2)" "${good[@]}" --region 'US East'
[ ! -e "$STATE" ] || fail "a usage error made the state directory"

# Good values of the same options are taken.
job "${good[@]}" --timeout 2m --grace 5s --mail-to 'a@example.com,b' --command ./run.sh
[ "$rc" = 0 ] || fail "good options refused: $(cat "$T/err")"
