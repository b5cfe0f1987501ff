# tm-schedule checks every field and says exactly what is wrong (exit 2,
# one line and "Try 'tm-schedule --help'"), without touching the crontab;
# --help, --version.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

sched --help
check_eq "--help: exit status" 0 "$rc"
check_contains "--help" "Usage: tm-schedule" "$(cat "$T/out")"
check_eq "--help: stderr" "" "$(cat "$T/err")"
sched --version
check_eq "--version: exit status" 0 "$rc"
[[ $(cat "$T/out") =~ ^"tm-schedule (tm) "[0-9][0-9A-Za-z.+~-]*$ ]] || fail "--version printed '$(cat "$T/out")'"

echo 'mkdir -p output' > "$T/run.sh"
tar -czf "$T/code.tgz" -C "$T" run.sh
printf '# mine\n*/5 * * * * true\n' > "$FAKE_CRONTAB"
cp "$FAKE_CRONTAB" "$T/before"
add=(add --job-name job --code-tarball "$T/code.tgz" --destination "$T/bucket")
# add_with OPTION VALUE: the add command with OPTION's value replaced.
add_with() {
  local i
  with=("${add[@]}")
  for ((i = 1; i < ${#with[@]}; i += 2)); do [ "${with[i]}" != "$1" ] || with[i + 1]=$2; done
}

# usage_error MESSAGE ARGS...: tm-schedule ARGS fails with exit 2 and
# MESSAGE, and installs no crontab.
usage_error() {
  sched "${@:2}"
  [ "$rc" = 2 ] || fail "tm-schedule ${*:2}: exit status $rc, expected 2: $(cat "$T/err")"
  check_eq "tm-schedule ${*:2}: stderr" "tm-schedule: $1
Try 'tm-schedule --help' for more information." "$(cat "$T/err")"
  check_eq "tm-schedule ${*:2}: stdout" "" "$(cat "$T/out")"
}
usage_error "no command (add, list, remove or run-now)"
usage_error "'start': not a command (add, list, remove or run-now)" start
usage_error "unrecognized option '--no-such-flag'" list --no-such-flag
usage_error "option '--time' needs a value" "${add[@]}" --time
usage_error "option '--time' given twice" "${add[@]}" --time 10:00 --time 11:00
usage_error "option '--replace' takes no value" "${add[@]}" --replace=yes
usage_error "add: --job-name is required" add --code-tarball "$T/code.tgz" --destination "$T/bucket"
usage_error "add: --code-tarball is required" add --job-name job --destination "$T/bucket"
usage_error "add: --destination is required" add --job-name job --code-tarball "$T/code.tgz"
usage_error "add: unexpected argument 'job' (the name is --job-name)" "${add[@]}" job
add_with --job-name 'my job'
usage_error "--job-name: 'my job': a job name is letters, digits, '-' and '_' only" "${with[@]}"
add_with --job-name a/b
usage_error "--job-name: 'a/b': a job name is letters, digits, '-' and '_' only" "${with[@]}"
add_with --job-name ''
usage_error "--job-name: empty job name" "${with[@]}"
add_with --code-tarball "$T/none.tgz"
usage_error "--code-tarball: '$T/none.tgz': no such file" "${with[@]}"
add_with --code-tarball "file://$T/none.tgz"
usage_error "--code-tarball: 'file://$T/none.tgz': no such file" "${with[@]}"
add_with --code-tarball ftp://h/x.tgz
usage_error "--code-tarball: 'ftp://h/x.tgz': unsupported URL (s3://BUCKET/KEY, file:///PATH, http:// and https:// are)"  "${with[@]}"
usage_error "--command: empty command" "${add[@]}" --command ''
usage_error "--command: contains a control character (a newline or a tab, say); it must be one line" \
  "${add[@]}" --command $'./run.sh\n* * * * * rm -rf /'
usage_error "--output-dir: '../out': a '..' component; the output directory must stay in the work directory" \
  "${add[@]}" --output-dir ../out
usage_error "--output-dir: '/tmp': an absolute path; the output directory is relative to the work directory" \
  "${add[@]}" --output-dir /tmp
usage_error "--frequency: 'hourly': not daily, weekly or monthly" "${add[@]}" --frequency hourly
usage_error "--day-of-week: only for --frequency weekly" "${add[@]}" --day-of-week mon
usage_error "--day-of-month: only for --frequency monthly" "${add[@]}" --frequency weekly --day-of-week 1 --day-of-month 3
usage_error "--day-of-week: required for --frequency weekly" "${add[@]}" --frequency weekly
usage_error "--day-of-week: 'funday': not a day (mon ... sun, or 1-7 from Monday; 0 is Sunday)" \
  "${add[@]}" --frequency weekly --day-of-week funday
usage_error "--day-of-week: '8': not a day (mon ... sun, or 1-7 from Monday; 0 is Sunday)" \
  "${add[@]}" --frequency weekly --day-of-week 8
usage_error "--day-of-month: required for --frequency monthly" "${add[@]}" --frequency monthly
usage_error "--day-of-month: '0': not a day of the month (1 to 28)" "${add[@]}" --frequency monthly --day-of-month 0
usage_error "--day-of-month: 'first': not a day of the month (1 to 28)" "${add[@]}" --frequency monthly --day-of-month first
for day in 29 30 31; do
  usage_error "--day-of-month: $day: not every month has it; choose 1 to 28" \
    "${add[@]}" --frequency monthly --day-of-month "$day"
done
usage_error "--day-of-week: only for --frequency weekly" "${add[@]}" --frequency monthly --day-of-month 2 --day-of-week 1
for time in 24:00 12:60 7 noon 12:5 -1:00; do
  usage_error "--time: '$time': not a time of day in UTC (HH:MM, 00:00 to 23:59)" "${add[@]}" --time "$time"
done
usage_error "--timeout: '0': out of range (1 s to 30 days)" "${add[@]}" --timeout 0
usage_error "--timeout: '10x': not a duration (a whole number, with an optional unit s, m or h)" "${add[@]}" --timeout 10x
add_with --destination http://example.com/x
usage_error "--destination: 'http://example.com/x': a destination is s3://BUCKET/PREFIX, file:///DIR or a directory"  "${with[@]}"
add_with --destination gs://bucket/x
usage_error "--destination: 'gs://bucket/x': unsupported URL (s3://BUCKET/PREFIX and file:///DIR are)"  "${with[@]}"
usage_error "--state-dir: empty directory name" "${add[@]}" --state-dir ''
usage_error "--mail-to: 'ops at example.com': not a mail address (user@host, comma-separated)" \
  "${add[@]}" --mail-to 'ops at example.com'
usage_error "--endpoint: 'minio:9000': not an http:// or https:// URL" "${add[@]}" --endpoint minio:9000
usage_error "--region: 'EU': not a region name (such as us-west-2)" "${add[@]}" --region EU
sched "${add[@]}" --command "./run.sh $(printf '%0800d' 0)"
check_eq "a line too long: exit status" 2 "$rc"
[[ $(head -n 1 "$T/err") =~ ^"tm-schedule: the crontab line would be "1[0-9]{3}" bytes long; cron reads at most 1000 (shorten the fields)"$ ]] ||
  fail "a line too long: stderr: $(cat "$T/err")"
usage_error "remove: which job? (tm-schedule remove NAME)" remove
usage_error "run-now: 'a b': a job name is letters, digits, '-' and '_' only" run-now 'a b'
usage_error "remove: give the job's name once" remove job --job-name job
usage_error "list: unexpected argument (list lists every job)" list job
usage_error "option '--time' is for add only" list --time 10:00
usage_error "option '--replace' is for add only" remove job --replace
usage_error "--crontab: empty command" list --crontab ''

cmp "$T/before" "$FAKE_CRONTAB" || fail "a usage error changed the crontab"
check_eq "crontab calls" "" "$(grep -v -x -e '-l' "$FAKE_CRONTAB.calls" 2> /dev/null || true)"

# Good values of the same fields are taken.
sched "${add[@]}" --frequency weekly --day-of-week SUN --time 9:05 --timeout 2h --mail-to a@b.example,c \
  --output-dir out/sub --state-dir "$T/state" --endpoint http://127.0.0.1:9000 --region us-west-2
[ "$rc" = 0 ] || fail "good fields refused: $(cat "$T/err")"
sched list
check_eq "the weekly job" "job	weekly sun 09:05 UTC" "$(cut -f 1,2 "$T/out")"
sched "${add[@]}" --replace --frequency monthly --day-of-month 28 --crontab "$HELPERS/fake-crontab"
[ "$rc" = 0 ] || fail "--crontab: $(cat "$T/err")"
# A failing crontab command is a failure (exit 1), said as such.
sched list --crontab false
check_eq "a failing crontab: exit status" 1 "$rc"
check_eq "a failing crontab" "tm-schedule: false -l failed (exit status 1)" "$(cat "$T/err")"
