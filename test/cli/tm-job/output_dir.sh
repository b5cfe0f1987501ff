# The output directory must stay in the work directory: a name that leaves
# it is a usage error (exit 2, nothing run); one that the job turned into a
# symbolic link to a directory outside fails the run (exit 1) and publishes
# nothing; a link to a directory inside is followed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

mkdir "$T/elsewhere"
echo "not the job's" > "$T/elsewhere/private.txt"
export ELSEWHERE=$T/elsewhere
job_tarball out << 'EOF_JOB'
mkdir -p real
echo result > real/result.txt
rmdir output
case "$1" in
  outside) ln -s "$ELSEWHERE" output ;;
  climbing) ln -s ../../../../../elsewhere output ;;
  inside) ln -s real output ;;
  file) echo "not a directory" > output ;;
  none) ;;
esac
EOF_JOB

for dir in ../x /tmp out/../../x ''; do
  job --job-name out --code-tarball "$T/out.tgz" --destination "$BUCKET" --output-dir "$dir"
  check_eq "--output-dir '$dir': exit status" 2 "$rc"
  check_contains "--output-dir '$dir': stderr" "tm-job: --output-dir: " "$(cat "$T/err")"
done
check_contains "stderr" "'/tmp': an absolute path" \
  "$(job --job-name out --code-tarball "$T/out.tgz" --destination "$BUCKET" --output-dir /tmp; cat "$T/err")"
[ ! -e "$STATE/out" ] || fail "a usage error made $STATE/out"

# run_out HOW: runs the job with "./run.sh HOW".
run_out() { job --job-name out --code-tarball "$T/out.tgz" --destination "$BUCKET" --command "./run.sh $1"; }

run_out outside
check_eq "exit status (a link outside)" 1 "$rc"
check_contains "stderr" "tm-job: out: the output directory 'output' resolves to $T/elsewhere, outside the work directory" "$(cat "$T/err")"
check_contains "history" '"status":"bad-output","exit_code":0,' "$(last_run out)"
run_out climbing
check_eq "exit status (a relative link outside)" 1 "$rc"
check_contains "stderr" "resolves to $T/elsewhere, outside the work directory" "$(cat "$T/err")"
run_out file
check_eq "exit status (a file)" 1 "$rc"
check_contains "stderr" "tm-job: out: the output 'output' is not a directory" "$(cat "$T/err")"
run_out none
check_eq "exit status (no output directory)" 1 "$rc"
check_contains "stderr" "tm-job: out: no output directory 'output' in the work directory after the run" "$(cat "$T/err")"
check_eq "published" "" "$(published)"

run_out inside
[ "$rc" = 0 ] || fail "a link inside: exit status $rc: $(cat "$T/err")"
check_eq "published" "./out/data/result.txt" "$(published)"
check_eq "history" "bad-output bad-output bad-output bad-output success" "$(statuses out)"
