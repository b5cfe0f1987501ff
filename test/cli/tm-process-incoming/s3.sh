# Into an S3-compatible server (s3rver): a run killed after publishing its
# first log, then a run to the end. Read back with tm-fetch, the store holds
# every valid record exactly once and the rejects every rejected one.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tm-upload/helpers/s3.sh"
source "$(dirname "$0")/lib.bash"
need_s3
start_s3

BAD=1 post_pings 1 60 10KiB
ARGS=(--incoming "$T/logs" --work-dir "$T/work" --destination s3://tm/store/
  --endpoint "$S3_URL" --region us-east-1 --spec-url "$SPEC")
TM_PROCESS_INCOMING_STOP_AT=published start_process
wait_until "the run to stop after its first log" is_stopped "$PROC"
kill_group "$PROC"
first=$(s3_keys store/ | wc -l)
[ "$first" -gt 0 ] || fail "nothing published before the kill"
logs=$(claimed_logs)

run_process
[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "exit status $rc"; }
nothing_left
"$TM_BIN/tm-fetch" -q --endpoint "$S3_URL" s3://tm/store/ "$T/fetched" 2> "$T/fetch.err" ||
  fail "tm-fetch: $(cat "$T/fetch.err")"
expect_published "$T/fetched"
check_eq "the stats log" "[{\"adopted\":$logs,\"published\":$logs}]" "$(stats 'map({adopted, published})')"
