# A destination that cannot be written (a regular file where the bucket's
# directory should be, which even root cannot write into): the run exits 1, names each log that
# stays claimed, publishes nothing and deletes nothing; once the destination
# is mended, the next run publishes every record once. The same for a tool
# that fails (tm-partition with a schema that does not exist): its partial
# outputs are thrown away and the log is done again by the next run.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 60 10KiB
save_logs
logs=$(find "$T/saved/logs" -name '*.finished' | wc -l)

# The upload fails.
restore_logs
echo 'not a directory' > "$T/bucket"
run_process
check_eq "upload failure: exit status" 1 "$rc"
first=$(find "$T/saved/logs" -name '*.finished' -printf '%f\n' | sort | head -1)
check_contains "upload failure: the first log named" \
  "tm-process-incoming: $first: tm-upload of the store files failed (exit status 1); it stays claimed in $T/work/run-" \
  "$(cat "$T/err")"
check_eq "upload failure: the others not tried, and said so" $((logs - 1)) \
  "$(grep -c 'not published, as an upload of this run failed; it stays claimed in' "$T/err")"
check_eq "upload failure: every log still claimed" "$logs" "$(claimed_logs)"
check_eq "upload failure: incoming empty" "" "$(find "$T/logs" -mindepth 1 -print -quit)"
check_eq "upload failure: recorded" "[{\"status\":\"failed\",\"published\":0,\"failed\":$logs}]" \
  "$(stats 'map({status, published, failed})')"
rm "$T/work/stats.jsonl"
rm "$T/bucket"
republish "upload failure"

# A tool fails.
restore_logs
run_process --schema "$T/no-such-schema.json"
check_eq "tool failure: exit status" 1 "$rc"
check_contains "tool failure: named" "$first: tm-partition failed (exit status " "$(cat "$T/err")"
check_eq "tool failure: nothing published" 0 "$(bucket_files)"
check_eq "tool failure: every log still claimed" "$logs" "$(claimed_logs)"
rm "$T/work/stats.jsonl"
republish "tool failure"
