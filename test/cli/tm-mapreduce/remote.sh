# A remote store (here file://; s3:// goes through the same Store code as
# tm-upload and tm-fetch): selected files are fetched into the cache under
# --work-dir and reused by the next run; --local-only reads the cache alone;
# --no-cache keeps nothing.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/remote" 300
mkdir "$T/work"
URL="file://$T/remote"
cat > "$T/filter.json" <<'JSON'
{"version": 1, "dimensions": [
  {"field_name": "reason", "allowed_values": ["saved-session"]},
  {"field_name": "appName", "allowed_values": "*"},
  {"field_name": "appUpdateChannel", "allowed_values": "*"},
  {"field_name": "appVersion", "allowed_values": "*"},
  {"field_name": "appBuildID", "allowed_values": "*"},
  {"field_name": "submission_date", "allowed_values": "*"}]}
JSON
job=(--input-filter "$T/filter.json" --mapper "$OS_MAPPER" --reducer "$SUM" --work-dir "$T/work")
expected=$(records 300 | grep saved-session | sed 's/.*"OS":"\([A-Za-z]*\)".*/\1/' | sort | uniq -c | awk '{ print $2 "\t" $1 }')

"$TM_BIN/tm-mapreduce" --data-dir "$URL" "${job[@]}" > "$T/out" 2> "$T/err"
check_eq "first run" "$expected" "$(sort "$T/out")"
check_contains "fetched" "2 files fetched from file://$T/remote/, 0 found in the cache" "$(cat "$T/err")"
cached=$(cd "$T/work/cache" && find . -type f | sort)
check_eq "only the selected files are cached" 2 "$(printf '%s\n' "$cached" | grep -c saved_session)"
check_eq "nothing else cached" 2 "$(printf '%s\n' "$cached" | grep -c .)"
inodes=$(find "$T/work/cache" -type f -printf '%i\n' | sort)

"$TM_BIN/tm-mapreduce" --data-dir "$URL" "${job[@]}" > "$T/out" 2> "$T/err"
check_eq "second run" "$expected" "$(sort "$T/out")"
check_contains "reused" "0 files fetched from file://$T/remote/, 2 found in the cache" "$(cat "$T/err")"
check_eq "the cached files untouched" "$inodes" "$(find "$T/work/cache" -type f -printf '%i\n' | sort)"

# --local-only: the remote store is not needed any more.
mv "$T/remote" "$T/gone"
mr --data-dir "$URL" "${job[@]}" --local-only
check_eq "--local-only" 0 "$rc"
check_eq "--local-only output" "$expected" "$(sort "$T/out")"
mr --data-dir "$URL" "${job[@]}"
check_eq "the remote store gone" 1 "$rc"
mv "$T/gone" "$T/remote"

# --no-cache: a fresh work directory stays empty.
mkdir "$T/work2"
mr --data-dir "$URL" --input-filter "$T/filter.json" --mapper "$OS_MAPPER" --reducer "$SUM" --work-dir "$T/work2" --no-cache
check_eq "--no-cache" "$expected" "$(sort "$T/out")"
no_spills "$T/work2"
mr --data-dir "$URL" --mapper cat --work-dir "$T/work2" --local-only
check_eq "--local-only without a cache" 1 "$rc"
check_contains "--local-only without a cache: message" "--local-only: nothing of it is cached in $T/work2/cache/" "$(cat "$T/err")"
