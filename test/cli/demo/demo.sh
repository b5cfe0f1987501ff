# The README's first command end to end (scripts/demo): every valid ping is
# published once in the store, every broken one is rejected with its reason,
# the example job's result is published, and no process is left running.
source "$(dirname "$0")/../lib.sh"

DEMO_DIR=$T/demo PINGS=120 "$TM_SOURCE/scripts/demo" > "$T/out" 2> "$T/err" ||
  { cat "$T/out" "$T/err" >&2; fail "scripts/demo failed"; }
d=$T/demo
# pings.awk breaks every 12th ping, the four ways in turn: 10 of 120.
expected_rejects=$(awk -v n=120 -f "$TM_SOURCE/scripts/demo-data/pings.awk" | cut -f1 | grep -vc '^ok$')
check_eq "broken pings sent" 10 "$expected_rejects"
check_eq "stats: records, valid, rejected" "120 110 10" \
  "$(jq -r '"\(.records) \(.valid) \(.rejected)"' "$d/process-stats.jsonl")"
check_eq "stats: rejected by reason" "bad_json 3 bad_payload 3 corrupted_data 2 missing_revision 2" \
  "$(jq -r '.rejected_by_reason | to_entries[] | select(.value > 0) | "\(.key) \(.value)"' \
    "$d/process-stats.jsonl" | sort | xargs)"
check_eq "each valid ping stored once" 110 \
  "$(find "$d/bucket/store" -type f -name '*.lzma' -exec xz -dc {} + | cut -f1 | sort -u | wc -l)"
check_eq "store lines" 110 "$(find "$d/bucket/store" -type f -name '*.lzma' -exec xz -dc {} + | wc -l)"
check_eq "rejects published" 10 "$(find "$d/bucket/rejects" -type f -exec xz -dc {} + | wc -l)"
check_eq "rejects name their log alone, not the run directory it was in" "" \
  "$(find "$d/bucket/rejects" -type f -exec xz -dc {} + | cut -f2 | grep -v '^telemetry\.log\.[^/]*\.finished' || true)"
# The slowsql job's result: every statement's hits and time over the valid pings.
awk -v n=120 -f "$TM_SOURCE/scripts/demo-data/pings.awk" | awk -F'\t' '$1 == "ok" { print $3 }' |
  jq -r '.slowSQL | to_entries[] | .key as $t | .value | to_entries[] | [$t, .key, .value[0], .value[1]] | @tsv' |
  awk -F'\t' -v OFS='\t' '{ k = $1 "\t" $2; hits[k] += $3; ms[k] += $4 }
    END { for (k in hits) { split(k, a, "\t"); print a[1], hits[k], ms[k], a[2] } }' | sort > "$T/expected"
[ "$(wc -l < "$T/expected")" -ge 5 ] || fail "the demo's pings hold too few statements"
check_eq "the slowsql job's published result" "$(cat "$T/expected")" \
  "$(tail -n +2 "$d/published/slowsql/data/slowsql-$(date -u +%Y%m%d).tsv" | sort)"
check_contains "the demo prints the counts" "missing_revision: 2" "$(cat "$T/out")"
check_eq "incoming left empty" "" "$(find "$d/incoming" -name '*.finished')"
if pgrep -f "$d/" > /dev/null; then fail "processes left running: $(pgrep -af "$d/")"; fi
