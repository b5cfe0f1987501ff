# tm-schedule add, list, remove and run-now against a scratch crontab: the
# user's own lines stay byte for byte (also lines that look like ours), a
# name is taken once unless --replace, a command with quotes, spaces, '%'
# and backslashes reaches the job intact through run-now and through cron's
# own reading of the line, and the entry runs only at its UTC time.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"
export TZ=UTC

# The user's crontab: comments, a blank line, variables, '%' (bare and
# escaped), tabs, a CRLF line, a byte that is not UTF-8, and lines that
# mention our tag but are not our entries.
printf '%s\n' \
  '# m h  dom mon dow   command' \
  'MAILTO=someone@example.com' \
  'SHELL=/bin/sh' \
  '' \
  '*/5 * * * * date +\%s >> /tmp/never 2>&1 # 100% sure' \
  $'@reboot\techo "hi"   \t# tabs and  spaces  ' \
  $'0 3 * * * printf "a\\\\%%b" | cat\r' \
  $'# caf\xe9 latin-1' \
  '5 7 * * * echo "# tm-schedule job=report when=daily@07:05" # tm-schedule job=report when=daily@07:05' \
  '# 5 * * * * [ "$(date -u +\%H)" = 07 ] && true # tm-schedule job=report when=daily@07:05' \
  > "$T/foreign"
cp "$T/foreign" "$FAKE_CRONTAB"

mkdir "$T/src"
cat > "$T/src/run.sh" << 'EOF_JOB'
mkdir -p output
for arg in "$@"; do printf '[%s]\n' "$arg"; done > output/args.txt
EOF_JOB
chmod +x "$T/src/run.sh"
tar -czf "$T/code.tgz" -C "$T/src" .
COMMAND=$(cat << 'EOF_COMMAND'
./run.sh 'a b' "c'd" 100% 'x\%y' '\\%%' "back\\slash" '$HOME' `echo` "%"
EOF_COMMAND
)
EXPECTED=$(cat << 'EOF_ARGS'
[a b]
[c'd]
[100%]
[x\%y]
[\\%%]
[back\slash]
[$HOME]
[%]
EOF_ARGS
)
job=(--code-tarball "$T/code.tgz" --destination "file://$T/bucket" --state-dir "$T/state")

sched add --job-name report "${job[@]}" --command "$COMMAND" --time 07:05
[ "$rc" = 0 ] || fail "add report: exit status $rc: $(cat "$T/err")"
check_eq "add: output" "" "$(cat "$T/out" "$T/err")"
sched add --job-name weekly-job "${job[@]}" --frequency weekly --day-of-week Monday --time 23:00
[ "$rc" = 0 ] || fail "add weekly-job: $(cat "$T/err")"
sched add "${job[@]}" --job-name monthly_job --frequency monthly --day-of-month 28 --time 0:00 --timeout 90s
[ "$rc" = 0 ] || fail "add monthly_job: $(cat "$T/err")"

cmp -n "$(stat -c %s "$T/foreign")" "$T/foreign" "$FAKE_CRONTAB" || fail "the user's lines changed"
check_eq "lines added" 3 $(($(wc -l < "$FAKE_CRONTAB") - $(wc -l < "$T/foreign")))
sched list
check_eq "list: exit status" 0 "$rc"
check_eq "list" "report	daily 07:05 UTC
weekly-job	weekly mon 23:00 UTC
monthly_job	monthly 28 00:00 UTC" "$(cut -f 1,2 "$T/out")"
check_contains "list: report's command" "--command './run.sh" "$(grep '^report' "$T/out")"
check_contains "list: monthly_job's timeout" "--timeout 90s" "$(grep '^monthly_job' "$T/out")"
check_eq "report's time fields" "5 * * * *" "$(cron_fields "$(entry report)")"
check_eq "weekly-job's time fields" "0 * * * *" "$(cron_fields "$(entry weekly-job)")"

# A name is taken once.
cp "$FAKE_CRONTAB" "$T/before"
sched add --job-name report "${job[@]}"
check_eq "add again: exit status" 1 "$rc"
check_eq "add again: stderr" \
  "tm-schedule: report: a job of that name is already scheduled (--replace replaces it)" "$(cat "$T/err")"
cmp "$T/before" "$FAKE_CRONTAB" || fail "a refused add changed the crontab"
line_of() { grep -n -E -e "$ENTRY_START.* # tm-schedule job=$1 when=[^ ]+\$" "$FAKE_CRONTAB" | cut -d: -f1; }
where=$(line_of report)
sched add --job-name report "${job[@]}" --command "$COMMAND" --time 06:45 --replace
[ "$rc" = 0 ] || fail "add --replace: $(cat "$T/err")"
check_eq "the replaced entry's place" "$where" "$(line_of report)"
check_eq "entries after --replace" 3 "$(grep -c -E "$ENTRY_START" "$FAKE_CRONTAB")"
check_eq "report's time fields after --replace" "45 * * * *" "$(cron_fields "$(entry report)")"
cmp -n "$(stat -c %s "$T/foreign")" "$T/foreign" "$FAKE_CRONTAB" || fail "--replace changed the user's lines"

# run-now runs the job as cron would, now.
sched run-now report
[ "$rc" = 0 ] || fail "run-now: exit status $rc: $(cat "$T/err")"
check_eq "the command's arguments (run-now)" "$EXPECTED" "$(cat "$T/bucket/report/data/args.txt")"
check_eq "runs" 1 "$(wc -l < "$T/state/report/history.jsonl")"

# cron's own reading of the line, at the job's UTC time and an hour later.
command=$(cron_command "$(entry report)")
rm -r "$T/bucket"
at "2026-03-10 06:45" "$command" || fail "the entry did not run at 06:45 UTC"
check_eq "the command's arguments (cron)" "$EXPECTED" "$(cat "$T/bucket/report/data/args.txt")"
check_eq "runs" 2 "$(wc -l < "$T/state/report/history.jsonl")"
! at "2026-03-10 07:45" "$command" || fail "the entry ran at 07:45 UTC"
check_eq "runs" 2 "$(wc -l < "$T/state/report/history.jsonl")"

# Removing every job gives back the user's crontab, byte for byte.
for name in weekly-job report monthly_job; do
  sched remove "$name"
  [ "$rc" = 0 ] || fail "remove $name: $(cat "$T/err")"
done
cmp "$T/foreign" "$FAKE_CRONTAB" || fail "the crontab is not the user's after removing our jobs"
sched list
check_eq "list of none" "" "$(cat "$T/out")"
sched remove report
check_eq "remove again: exit status" 1 "$rc"
check_eq "remove again: stderr" "tm-schedule: report: no such job in the crontab" "$(cat "$T/err")"
sched run-now report
check_eq "run-now of no job: exit status" 1 "$rc"

# No crontab at first; one without a final newline gets one.
rm "$FAKE_CRONTAB"
sched add --job-name report "${job[@]}"
[ "$rc" = 0 ] || fail "add to no crontab: $(cat "$T/err")"
check_eq "a new crontab" 1 "$(wc -l < "$FAKE_CRONTAB")"
sched remove --job-name report
check_eq "an emptied crontab" 0 "$(stat -c %s "$FAKE_CRONTAB")"
printf 'MAILTO=x' > "$FAKE_CRONTAB"
sched add --job-name report "${job[@]}"
[ "$rc" = 0 ] || fail "add after a line without a newline: $(cat "$T/err")"
sched remove report
check_eq "a final newline added" "MAILTO=x" "$(cat "$FAKE_CRONTAB")"
check_eq "its bytes" 9 "$(stat -c %s "$FAKE_CRONTAB")"

check_eq "crontab calls" "" "$(grep -v -x -e '-l' -e '-' "$FAKE_CRONTAB.calls" || true)"

# run-now exits as the job did, and passes tm-job's message on.
sched add --job-name failing "${job[@]}" --command 'exit 4'
[ "$rc" = 0 ] || fail "add failing: $(cat "$T/err")"
sched run-now failing
check_eq "run-now of a failing job: exit status" 1 "$rc"
check_contains "run-now of a failing job: stderr" "tm-job: failing: the command exited with status 4" "$(cat "$T/err")"
