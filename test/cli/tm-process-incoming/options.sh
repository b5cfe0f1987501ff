# --max-inputs claims at most N logs a run; without --work-dir the work
# directory is INCOMING/.work; --stats-log and --rejects-destination put the
# counts and the rejects elsewhere; --level reaches tm-partition.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 40 6KiB
logs=$(finished_logs | wc -l)
[ "$logs" -ge 3 ] || fail "expected at least 3 logs, got $logs"
args=(--incoming "$T/logs" --destination "file://$T/bucket/" --spec-url "$SPEC"
  --rejects-destination "$T/rejects" --stats-log "$T/stats.jsonl" --level 6 -q)
"$PROCESS" "${args[@]}" --max-inputs 1 2> "$T/err" || fail "first run: $(cat "$T/err")"
check_eq "--max-inputs 1: one log taken" $((logs - 1)) "$(finished_logs | wc -l)"
check_eq "--max-inputs 1: counted" '{"claimed":1,"published":1}' \
  "$(jq -c '{claimed, published}' "$T/stats.jsonl")"
check_eq "the default work directory: INCOMING/.work, with only the cache of specs" \
  "specs" "$(ls -A "$T/logs/.work")"
"$PROCESS" "${args[@]}" 2> "$T/err" || fail "second run: $(cat "$T/err")"
check_eq "the rest" "$((logs - 1)) $((logs - 1))" \
  "$(jq -s -r '.[1] | "\(.claimed) \(.published)"' "$T/stats.jsonl")"
check_eq "incoming: only the work directory" ".work" "$(ls -A "$T/logs")"
check_eq "every valid record" "$(sort "$T/valid.ids")" "$(store_ids "$T/bucket")"
check_eq "no rejects in the bucket" "" "$(find "$T/bucket" -name '*.xz')"
check_eq "the rejects in --rejects-destination" "$(sort "$T/rejected.ids")" \
  "$(find "$T/rejects" -name '*.rejects.tsv.xz' -exec xz -dc {} + | cut -f 1,3 | sort)"
# xz -6's dictionary is 8 MiB; -0's is 256 KiB.
f=$(find "$T/bucket" -name '*.lzma' | head -1)
check_contains "--level 6" "--lzma2=dict=8MiB" "$(xz -lvv "$f")"
