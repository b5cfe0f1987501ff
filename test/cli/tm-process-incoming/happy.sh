# The happy path into a file:// bucket: pings posted to a real tm-receive,
# some of them invalid, and a log with damaged bytes at its end. Every valid
# record is published exactly once in the store, every rejected one once in
# the rejects with its reason; only *.finished logs are taken, and each is
# deleted once published; the counts on stderr and in the stats log are
# right. A run with nothing to do exits 0 at once and records nothing.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 150
logs=$(finished_logs | wc -l)
[ "$logs" -ge 4 ] || fail "expected several logs, got $logs"
# Damaged bytes at the end of the first log: one corrupted_data reject with
# no record columns.
printf 'this is no record' >> "$(finished_logs | head -1)"
printf 'corrupted_data\t\n' >> "$T/rejected.ids"
input_bytes=$(finished_logs | xargs cat | wc -c)
# What must be left alone: a log still being written, and a hidden name.
printf 'x' > "$T/logs/telemetry.log.v1.otherhost.1.1796000000000"
printf 'x' > "$T/logs/.telemetry.log.v1.otherhost.2.finished"

run_process
[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "exit status $rc"; }
expect_published "$T/bucket"
check_eq "left in incoming: the unfinished log and the hidden one" \
  ".telemetry.log.v1.otherhost.2.finished telemetry.log.v1.otherhost.1.1796000000000" \
  "$(cd "$T/logs" && find . -mindepth 1 | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
rm "$T/logs/telemetry.log.v1.otherhost.1.1796000000000" "$T/logs/.telemetry.log.v1.otherhost.2.finished"
nothing_left
check_eq "nothing on stdout" "" "$(cat "$T/out")"

# The counts: 156 records read (150 valid, 5 invalid pings, 1 damaged run).
check_eq "one line in the stats log" 1 "$(wc -l < "$T/work/stats.jsonl")"
check_eq "counts" \
  "{\"status\":\"ok\",\"inputs\":$logs,\"claimed\":$logs,\"adopted\":0,\"published\":$logs,\"failed\":0,\"input_bytes\":$input_bytes,\"records\":156,\"valid\":150,\"rejected\":6}" \
  "$(stats '.[0] | {status, inputs, claimed, adopted, published, failed, input_bytes, records, valid, rejected}')"
check_eq "rejected by reason" \
  '{"bad_json":1,"bad_payload":1,"corrupted_data":1,"empty_data":1,"invalid_path":1,"missing_revision":0,"unknown_revision":1}' \
  "$(stats '.[0].rejected_by_reason' | jq -S -c .)"
store_files=$(find "$T/bucket" -path "$T/bucket/rejects" -prune -o -type f -print | wc -l)
store_bytes=$(find "$T/bucket" -path "$T/bucket/rejects" -prune -o -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
rejects_files=$(find "$T/bucket/rejects" -type f | wc -l)
rejects_bytes=$(find "$T/bucket/rejects" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
check_eq "rejects: one file, of the logs that had rejects" 2 "$rejects_files"
check_eq "files and bytes out" \
  "{\"store_files\":$store_files,\"store_bytes\":$store_bytes,\"rejects_files\":$rejects_files,\"rejects_bytes\":$rejects_bytes,\"files_out\":$((store_files + rejects_files)),\"bytes_out\":$((store_bytes + rejects_bytes))}" \
  "$(stats '.[0] | {store_files, store_bytes, rejects_files, rejects_bytes, files_out, bytes_out}')"
check_contains "summary on stderr" \
  "tm-process-incoming: $logs logs: $logs published, 0 failed; 156 records: 150 valid, 6 rejected (corrupted_data 1, empty_data 1, invalid_path 1, bad_json 1, bad_payload 1, unknown_revision 1); $((store_files + rejects_files)) files, $((store_bytes + rejects_bytes)) bytes out in " \
  "$(cat "$T/err")"
check_eq "stderr: the summary alone" 1 "$(wc -l < "$T/err")"

# The store's objects are tm-partition's: readable by tm-mapreduce's input
# (xz, uuid<TAB>json), the payloads converted (ver 2, histograms as arrays).
check_eq "converted payloads" 150 "$(find "$T/bucket" -name '*.lzma' -exec xz -dc {} + |
  cut -f 2 | jq -c 'select(.ver == 2 and (.histograms.CYCLE_COLLECTOR | type) == "array")' | wc -l)"

# Nothing to do: exit 0, quickly, no output, no run directory, no stats line.
start=$(date +%s%N)
run_process
check_eq "nothing to do: exit status" 0 "$rc"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000 ] || fail "nothing to do took more than 2 s"
check_eq "nothing to do: stderr" "" "$(cat "$T/err")"
check_eq "nothing to do: still one line in the stats log" 1 "$(wc -l < "$T/work/stats.jsonl")"
nothing_left

# -q: no summary; more logs later are published beside the first.
BAD=0 post_pings 151 170
run_process -q
check_eq "-q: exit status" 0 "$rc"
check_eq "-q: nothing on stderr" "" "$(cat "$T/err")"
expect_published "$T/bucket"
check_eq "the second run's records" '[156,20]' "$(stats 'map(.records)')"
nothing_left
