# Counts per OS: the exact distribution with 1 and 2 mappers and reducers,
# keys sorted within each reducer, every reducer's keys its own; and the
# mapper's input format (uuid, the path's dimensions, the JSON).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/store" 300
mkdir "$T/work"
for mappers in 1 2; do
  for reducers in 1 2; do
    mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$OS_MAPPER" --reducer "$SUM" \
      --num-mappers $mappers --num-reducers $reducers
    check_eq "exit status ($mappers x $reducers)" 0 "$rc"
    check_eq "OS distribution ($mappers x $reducers)" "$(expected_os 300)" "$(sort "$T/out")"
    if [ $reducers = 1 ]; then
      check_eq "one reducer's output is sorted by key" "$(sort "$T/out")" "$(cat "$T/out")"
    fi
    no_spills "$T/work"
  done
done

# The mapper's input: uuid, the 6 values of the default layout's path, the JSON.
mr --data-dir "$T/store" --mapper "awk -F '\\t' '\$1 == \"doc-12\"'" --num-mappers 1
check_eq "mapper input line" \
  "$(printf 'doc-12\tsaved_session\tFirefox\tnightly\t29.0a1\t20140301030201\t20140308\t{"ver":2,"info":{"OS":"Linux","memsize":1012},"n":12}')" \
  "$(cat "$T/out")"

# A filter prunes by path: only the nightly saved-session files are read.
cat > "$T/filter.json" <<'JSON'
{"version": 1, "dimensions": [
  {"field_name": "reason", "allowed_values": ["saved-session"]},
  {"field_name": "appName", "allowed_values": "*"},
  {"field_name": "appUpdateChannel", "allowed_values": ["nightly"]},
  {"field_name": "appVersion", "allowed_values": "*"},
  {"field_name": "appBuildID", "allowed_values": {"min": "20140301", "max": "20140302"}},
  {"field_name": "submission_date", "allowed_values": "*"}]}
JSON
mr --data-dir "$T/store" --input-filter "$T/filter.json" --mapper "awk 'END { print \"n\t\" NR }'" --reducer "$SUM"
check_eq "filtered: records with i % 6 = 0" "n	50" "$(cat "$T/out")"

# A filter of another shape is an error, not an empty result.
printf '{"dimensions": [{"field_name": "reason", "allowed_values": "*"}, {"field_name": "appName", "allowed_values": "*"}]}' > "$T/short.json"
mr --data-dir "$T/store" --input-filter "$T/short.json" --mapper cat
check_eq "a misfit filter fails" 1 "$rc"
check_contains "a misfit filter: message" "tm-mapreduce: $T/store: the filter has 2 dimensions, which do not fit the store's paths" "$(cat "$T/err")"

# The summary.
"$TM_BIN/tm-mapreduce" --data-dir "$T/store" --mapper cat --num-mappers 2 > /dev/null 2> "$T/err"
check_contains "summary" "4 files (0 failed), 300 records" "$(cat "$T/err")"
