# A run that fails (the command exits non-zero, the tarball cannot be fetched
# over file:// or http://, is not a tarball, or the upload fails) publishes
# nothing, exits 1 with a message, is recorded in the history, and with
# --mail-to is mailed through sendmail -t (the test's own, on PATH).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

export SENDMAIL_DIR=$T/mail
mkdir "$SENDMAIL_DIR"
PATH=$HELPERS:$PATH

job_tarball broken << 'EOF_JOB'
mkdir -p output
echo "half a result" > output/result.csv
echo "boom: the query failed" >&2
exit 3
EOF_JOB
job --job-name broken --code-tarball "$T/broken.tgz" --destination "file://$BUCKET" --mail-to ops@example.com
check_eq "exit status" 1 "$rc"
check_eq "stdout" "" "$(cat "$T/out")"
check_contains "stderr" "tm-job: broken: the command exited with status 3" "$(cat "$T/err")"
check_eq "published" "" "$(published)"
check_contains "history" '"status":"command-failed","exit_code":3,"bytes_published":0,' "$(last_run broken)"
check_eq "the job's stderr, kept" "boom: the query failed" "$(cat "$(run_dir broken)/stderr")"
check_eq "sendmail's arguments" "-t -oi" "$(cat "$SENDMAIL_DIR/1.args")"
mail=$(cat "$SENDMAIL_DIR/1.mail")
check_contains "mail" "To: ops@example.com" "$mail"
check_contains "mail" "Subject: tm-job: broken failed (command-failed)" "$mail"
check_contains "mail" "the command exited with status 3" "$mail"
check_contains "mail" "boom: the query failed" "$mail"
check_contains "mail" "$(run_dir broken)" "$mail"

# expect_failure STATUS MESSAGE ARGS...: a run that fails as STATUS with
# MESSAGE on stderr, publishes nothing, and sends one more mail.
mails=1
expect_failure() {
  job --mail-to ops@example.com "${@:3}"
  [ "$rc" = 1 ] || fail "$*: exit status $rc, expected 1: $(cat "$T/err")"
  check_contains "$3 stderr" "$2" "$(cat "$T/err")"
  check_contains "$3 history" "\"status\":\"$1\"" "$(last_run "$4")"
  check_eq "$3: published" "" "$(published)"
  mails=$((mails + 1))
  [ -f "$SENDMAIL_DIR/$mails.mail" ] || fail "$*: no mail sent"
  check_contains "$3 mail" "Subject: tm-job: $4 failed ($1)" "$(cat "$SENDMAIL_DIR/$mails.mail")"
}

expect_failure fetch-failed "tm-job: file://$T/missing.tgz: cannot fetch the code tarball: " \
  --job-name missing --code-tarball "file://$T/missing.tgz" --destination "$BUCKET"
expect_failure fetch-failed "tm-job: $T/missing.tgz: no such file" \
  --job-name missing --code-tarball "$T/missing.tgz" --destination "$BUCKET"
expect_failure fetch-failed "tm-job: http://127.0.0.1:1/code.tgz: cannot fetch the code tarball: " \
  --job-name refused --code-tarball http://127.0.0.1:1/code.tgz --destination "$BUCKET"
head -c 5000 /dev/urandom > "$T/noise.tgz"
expect_failure bad-tarball "tm-job: $T/noise.tgz: not a tarball, or a damaged one: " \
  --job-name noise --code-tarball "$T/noise.tgz" --destination "$BUCKET"

# The upload fails: the destination is below a file.
job_tarball good << 'EOF_JOB'
mkdir -p output
echo fine > output/fine.txt
EOF_JOB
touch "$T/a-file"
expect_failure upload-failed "tm-job: good: publishing to $T/a-file/good/data/ failed: " \
  --job-name good --code-tarball "$T/good.tgz" --destination "$T/a-file"
check_contains "history" '"status":"upload-failed","exit_code":0,"bytes_published":0,' "$(last_run good)"

# Without --mail-to, no mail.
job --job-name broken --code-tarball "$T/broken.tgz" --destination "$BUCKET"
check_eq "exit status without --mail-to" 1 "$rc"
check_eq "mails sent" "$mails" "$(find "$SENDMAIL_DIR" -name '*.mail' | wc -l)"
check_eq "history of broken" "command-failed command-failed" "$(statuses broken)"
