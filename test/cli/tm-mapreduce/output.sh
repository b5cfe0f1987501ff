# --output is written whole, only on success, replacing the old file; TSV,
# CSV and JSON formats; map-only jobs write the mapper's lines as they are.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/store" 30
# A mapper whose keys and values need quoting.
QUOTE_MAPPER="awk 'NR == 1 { print \"a,b\tsay \\\"hi\\\"\" } NR == 2 { print \"plain\t1\" }'"
mr --data-dir "$T/store" --mapper "$QUOTE_MAPPER" --num-mappers 1 --reducer cat --format csv
check_eq "csv" "$(printf '%s\n' '"a,b","say ""hi"""' 'plain,1')" "$(cat "$T/out")"
mr --data-dir "$T/store" --mapper "$QUOTE_MAPPER" --num-mappers 1 --reducer cat --format json
check_eq "json" "$(printf '%s\n' '{"key":"a,b","value":"say \"hi\""}' '{"key":"plain","value":"1"}')" "$(cat "$T/out")"
jq -e . "$T/out" > /dev/null 2>&1 || ! command -v jq > /dev/null || fail "json output is not JSON lines"
mr --data-dir "$T/store" --mapper "$QUOTE_MAPPER" --num-mappers 1 --reducer cat
check_eq "tsv" "$(printf '%s\n' 'a,b	say "hi"' 'plain	1')" "$(cat "$T/out")"

# --output: the old content stays until a successful job replaces it.
echo old > "$T/result"
mr --data-dir "$T/store" --mapper "$OS_MAPPER" --reducer "exit 1" -o "$T/result"
check_eq "failed job" 1 "$rc"
check_eq "the old output untouched" "old" "$(cat "$T/result")"
check_eq "no temporary left" "result" "$(ls "$T" | grep '^result')"
mr --data-dir "$T/store" --mapper "$OS_MAPPER" --reducer "$SUM" -o "$T/result"
check_eq "successful job" 0 "$rc"
check_eq "the output replaced" "$(expected_os 30)" "$(sort "$T/result")"
check_eq "nothing on stdout with -o" "" "$(cat "$T/out")"

# Map-only: every mapper line, as it is.
mr --data-dir "$T/store" --mapper "awk -F '\t' '{ print \$1 }'" --num-mappers 2
check_eq "map-only" "$(seq 1 30 | sed 's/^/doc-/' | sort)" "$(sort "$T/out")"
