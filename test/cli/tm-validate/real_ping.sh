# The real Firefox 23 ping of the old server's test data is valid against its
# real revision, although that revision lacks two of its histograms: they are
# counted by name, not a reason to reject. The log's stray final newline is
# one corrupted_data reject, not a lost record.
source "$(dirname "$0")/../lib.sh"
data=$SHARED/peer/process_incoming/worker/common/test/data
[ -f "$data/telemetry1.log" ] || skip "../shared/testdata is absent"
spec_url="file://$data/{rev}.json.FIREFOX_AURORA_23_BASE"

rc=0
"$TM_BIN/tm-validate" --spec-url "$spec_url" --rejects "$T/rejects" --stats "$T/stats.json" \
  "$data/telemetry1.log" > "$T/valid" 2> "$T/err" || rc=$?
check_eq "exit" 0 "$rc"
check_eq "valid records" 1 "$(wc -l < "$T/valid")"
check_eq "columns 1-8" "17caa68c-25f5-450a-9cce-7d31318846d8	2013-09-10T14:21:51.255Z	idle-daily	Firefox	23.0.1	release	20130814063812	" \
  "$(cut -f1-8 "$T/valid")"
payload=$(cut -f9 "$T/valid")
check_contains "payload kept" '"ver":1,"simpleMeasurements":{"uptime":123,' "$payload"
check_contains "numbers as sent" '"log_sum":82.3832015991211,' "$payload"
check_eq "one reject" 1 "$(wc -l < "$T/rejects")"
check_eq "the stray newline" "corrupted_data	$data/telemetry1.log: byte 18355: skipped 1 byte: not a record separator" \
  "$(cut -f1-2 "$T/rejects")"
stats=$(cat "$T/stats.json")
check_contains "stats counts" '"records":2,"valid":1,"rejected":1,' "$stats"
check_contains "stats reasons" '"rejected_by_reason":{"corrupted_data":1,"empty_data":0,"invalid_path":0,"bad_json":0,"bad_payload":0,"missing_revision":0,"unknown_revision":0}' "$stats"
check_contains "unknown histograms" '"unknown_histogram":{"HTTP_OFFLINE_CACHE_DOCUMENT_LOAD":1,"MIXED_CONTENT_PAGE_LOAD":1}' "$stats"
check_contains "unconvertible histograms" '"unconvertible_histogram":{"GC_REASON_2":1}' "$stats"
check_contains "summary" "tm-validate: 2 records: 1 valid, 1 rejected (corrupted_data 1)" "$(cat "$T/err")"

# The same through tm-convert: histograms become arrays, ver 2; the unknown
# ones stay as they came.
"$TM_BIN/tm-convert" -q --spec-url "$spec_url" "$T/valid" > "$T/converted"
converted=$(cut -f9 "$T/converted")
check_contains "ver 2" '{"ver":2,' "$converted"
check_contains "converted histogram" '"CACHE_LM_INCONSISTENT":[0,1,0,1,-1,-1,1,0]' "$converted"
check_contains "unknown kept" '"MIXED_CONTENT_PAGE_LOAD":{"range":[1,4],"bucket_count":5,"histogram_type":1,"values":{"0":52,"1":1,"2":0},' "$converted"
check_eq "dimensions unchanged" "$(cut -f1-8 "$T/valid")" "$(cut -f1-8 "$T/converted")"
echo "the real ping is valid and converts"
