# Runs of one job never overlap: while a run holds the job's lock, another
# run of the same job exits at once with status 75 and a message, and is
# recorded as "locked"; other jobs run meanwhile; the next run after the
# first one ended runs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

export MARK=$T/mark
mkdir "$MARK"
job_tarball hold << 'EOF_JOB'
touch "$MARK/started"
while [ -d "$MARK" ] && [ ! -e "$MARK/release" ]; do sleep 0.1; done # ends with the test
mkdir -p output
echo done > output/done.txt
EOF_JOB
job_tarball quick << 'EOF_JOB'
mkdir -p output
echo quick > output/quick.txt
EOF_JOB

"$TM_JOB" --state-dir "$STATE" --job-name hold --code-tarball "$T/hold.tgz" --destination "$BUCKET" \
  > "$T/first.out" 2> "$T/first.err" &
first=$!
for _ in $(seq 200); do [ -e "$MARK/started" ] && break; sleep 0.1; done
[ -e "$MARK/started" ] || fail "the first run did not start"

started=$SECONDS
job --job-name hold --code-tarball "$T/hold.tgz" --destination "$BUCKET"
[ "$rc" = 75 ] || fail "second run: exit status $rc, expected 75: $(cat "$T/err")"
[ $((SECONDS - started)) -le 5 ] || fail "the second run waited for the lock"
check_eq "second run's stderr" \
  "tm-job: hold: not started: another run of the job is still going (it holds $STATE/hold/lock)" \
  "$(cat "$T/err")"
kill -0 "$first" 2> /dev/null || fail "the first run ended early"

job --job-name quick --code-tarball "$T/quick.tgz" --destination "$BUCKET"
[ "$rc" = 0 ] || fail "another job could not run meanwhile: $(cat "$T/err")"

touch "$MARK/release"
rc=0
wait "$first" || rc=$?
[ "$rc" = 0 ] || fail "first run: exit status $rc: $(cat "$T/first.err")"
job --job-name hold --code-tarball "$T/hold.tgz" --destination "$BUCKET"
check_eq "a run after the first one ended" 0 "$rc"

check_eq "history" "locked success success" "$(statuses hold)"
check_contains "the refused run's history" '"run":null,' "$(history hold | head -n 1)"
check_eq "published" "./hold/data/done.txt
./quick/data/quick.txt" "$(published)"
