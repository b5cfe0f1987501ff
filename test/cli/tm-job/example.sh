# The example scheduled job, examples/daily-counts, run by tm-job for real:
# package.sh builds its tarball, run.sh counts one day's records of a store
# made by tm-partition with tm-mapreduce (found on PATH, where tm-job puts
# the tm tools), and tm-job publishes output/records-DATE.csv.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

# records N DATE: N records (tm-records(5)) submitted on DATE (YYYY-MM-DD),
# over two reasons and two channels.
records() {
  awk -v n="$1" -v date="$2" 'BEGIN {
    for (i = 1; i <= n; i++)
      printf "%s-%d\t%sT12:00:00.000Z\t%s\tFirefox\t29.0a1\t%s\t20140301030201\t\t{\"ver\":2,\"info\":{\"OS\":\"Linux\"}}\n",
        date, i, date, i % 2 ? "idle-daily" : "saved-session", i % 3 ? "aurora" : "nightly"
  }'
}
unset TM_STORE
{ records 37 2014-03-08; records 5 2014-03-09; } > "$T/records.tsv"
"$TM_BIN/tm-partition" -q --out "$T/store" "$T/records.tsv"

"$TM_SOURCE/examples/daily-counts/package.sh" "$T/daily-counts.tar.gz"
check_eq "the tarball" "mapper.sh
one-day.sh
run.sh
sum.awk" "$(tar -tzf "$T/daily-counts.tar.gz" | sort)"

# The store as a directory, on the command line.
job --job-name daily-counts --code-tarball "$T/daily-counts.tar.gz" --destination "file://$BUCKET" \
  --command "./run.sh '$T/store' 20140308"
[ "$rc" = 0 ] || fail "exit status $rc: $(cat "$T/err"); $(cat "$(run_dir daily-counts)/stderr")"
check_eq "published" "./daily-counts/data/records-20140308.csv" "$(published)"
check_eq "records of 2014-03-08" "records,37" "$(cat "$BUCKET/daily-counts/data/records-20140308.csv")"

# The store as a file:// URL, in TM_STORE.
TM_STORE=file://$T/store/ job --job-name daily-counts --code-tarball "$T/daily-counts.tar.gz" \
  --destination "file://$BUCKET" --command "./run.sh '' 20140309"
[ "$rc" = 0 ] || fail "exit status $rc: $(cat "$T/err"); $(cat "$(run_dir daily-counts)/stderr")"
check_eq "records of 2014-03-09" "records,5" "$(cat "$BUCKET/daily-counts/data/records-20140309.csv")"
check_contains "history" '"status":"success","exit_code":0,"bytes_published":10,' "$(last_run daily-counts)"

# Without a store, run.sh says so and the run fails.
job --job-name daily-counts --code-tarball "$T/daily-counts.tar.gz" --destination "file://$BUCKET"
check_eq "exit status without a store" 1 "$rc"
check_contains "run.sh's stderr" "run.sh: no store" "$(cat "$(run_dir daily-counts)/stderr")"
