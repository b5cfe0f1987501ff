# tm-job publishes what a job writes to its output directory to
# DEST/NAME/data/ (file:// and directory destinations, code from file:// and
# from a path), keeps the run's logs, records it in the history, removes the
# work directory, and says nothing on success.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

job_tarball report << 'EOF_JOB'
echo "to stdout"
echo "to stderr" >&2
[ "$TM_JOB_NAME" = report ] || exit 9
[ -d output ] || exit 10 # made before the command runs
mkdir -p output/sub
printf 'a,1\n' > output/report.csv
printf 'deep' > output/sub/deep.txt
printf 'not published' > output/.partial
printf '%s\n' "$@" > output/args.txt
EOF_JOB

job --job-name report --code-tarball "file://$T/report.tgz" --destination "file://$BUCKET" \
  --command "./run.sh 'one arg' two"
[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "exit status $rc"; }
check_eq "stdout" "" "$(cat "$T/out")"
check_eq "stderr" "" "$(cat "$T/err")"
check_eq "published files" "./report/data/args.txt
./report/data/report.csv
./report/data/sub/deep.txt" "$(published)"
check_eq "report.csv" "a,1" "$(cat "$BUCKET/report/data/report.csv")"
check_eq "deep.txt" "deep" "$(cat "$BUCKET/report/data/sub/deep.txt")"
check_eq "the command's arguments" "one arg
two" "$(cat "$BUCKET/report/data/args.txt")"

run=$(last_run report)
check_eq "history lines" 1 "$(history report | wc -l)"
check_contains "history" '{"job":"report","run":"' "$run"
check_contains "history" '"status":"success","exit_code":0,"bytes_published":20,' "$run"
[[ $run =~ \"start\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\",\"end\":\"[0-9-]{10}T[0-9:]{8}Z\" ]] ||
  fail "history: no start and end times in $run"
logs=$(run_dir report)
check_eq "the job's stdout, kept" "to stdout" "$(cat "$logs/stdout")"
check_eq "the job's stderr, kept" "to stderr" "$(cat "$logs/stderr")"
check_contains "tm-job.log" "publishing" "$(cat "$logs/tm-job.log")"
[ ! -e "$logs/work" ] || fail "the work directory $logs/work was not removed"

# A second run: code from a plain path, a directory as destination, another
# output directory, the work directory kept. Its files join the first's.
mkdir -p "$T/src-other"
echo 'first line' > "$T/src-other/data.txt"
job_tarball other << 'EOF_JOB'
mkdir -p results/deeper
cp data.txt results/deeper/copy.txt
EOF_JOB
(cd "$T" && "$TM_JOB" --state-dir state --job-name other --code-tarball other.tgz \
  --destination bucket/ --output-dir results/deeper --keep-work) > "$T/out" 2> "$T/err" ||
  { cat "$T/err" >&2; fail "second run failed"; }
check_eq "published files after the second run" "./other/data/copy.txt
./report/data/args.txt
./report/data/report.csv
./report/data/sub/deep.txt" "$(published)"
check_contains "second run's history" '"status":"success","exit_code":0,"bytes_published":11,' "$(last_run other)"
[ -f "$(run_dir other)/work/run.sh" ] || fail "--keep-work: the work directory is gone"

# The same job again: a second line in its history, a run directory of its own.
first_logs=$logs
job --job-name report --code-tarball "$T/report.tgz" --destination "$BUCKET"
check_eq "exit status of the re-run" 0 "$rc"
check_eq "history after the re-run" "success success" "$(statuses report)"
[ "$(run_dir report)" != "$first_logs" ] || fail "both runs logged in $first_logs"
[ -f "$first_logs/stdout" ] || fail "the first run's logs are gone"
