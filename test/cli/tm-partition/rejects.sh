# A line that is not a record, a payload without a version and a document id
# that cannot start a store line are rejected with their reason, counted, and
# never stop the run.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

{
  records 2 saved-session
  echo "not a record"
  printf 'doc-x\t2014-03-08T12:00:00.000Z\tr\tFirefox\t1\tnightly\t1\t\t{"info":{}}\n'
  printf 'doc\\ty\t2014-03-08T12:00:00.000Z\tr\tFirefox\t1\tnightly\t1\t\t{"ver":2}\n'
  printf 'doc-z\t2014-03-08T12:00:00.000Z\tr\tFirefox\t1\tnightly\t1\t\t[1,2]\n'
} > "$T/in.tsv"
rc=0
"$TM_BIN/tm-partition" --out "$T/s" --rejects "$T/rej" "$T/in.tsv" 2> "$T/err" || rc=$?
check_eq "rejects alone do not fail the run" 0 "$rc"
check_eq "the good records stored" "$(records 2 saved-session | cut -f1,9 | sort)" "$(store_lines "$T/s")"
check_eq "reasons" "corrupted_data
bad_payload
invalid_path
bad_payload" "$(cut -f1 "$T/rej")"
check_contains "where and why" "$T/in.tsv: payload: neither \"ver\" nor \"version\"" "$(sed -n 2p "$T/rej")"
check_eq "the rejected record kept whole" 'doc\ty' "$(sed -n 3p "$T/rej" | cut -f3)"
check_contains "counted in the summary" "2 records" "$(cat "$T/err")"
check_contains "counted by reason" "4 rejected (corrupted_data 1, invalid_path 1, bad_payload 2)" "$(cat "$T/err")"

# Without --rejects, they are named on stderr.
"$TM_BIN/tm-partition" --out "$T/s2" "$T/in.tsv" 2> "$T/err2"
check_contains "named on stderr" "tm-partition: $T/in.tsv: record 3: corrupted_data:" "$(cat "$T/err2")"

# Usage errors.
rc=0; "$TM_BIN/tm-partition" "$T/in.tsv" 2> "$T/usage" || rc=$?
check_eq "--out is required" 2 "$rc"
rc=0; "$TM_BIN/tm-partition" --out "$T/s" --level 10 "$T/in.tsv" 2> "$T/usage" || rc=$?
check_eq "--level 0-9" 2 "$rc"
rc=0; "$TM_BIN/tm-partition" --out "$T/in.tsv" "$T/in.tsv" 2> "$T/usage" || rc=$?
check_eq "--out a file" 1 "$rc"
check_eq "--out a file: message" "tm-partition: $T/in.tsv: not a directory" "$(cat "$T/usage")"
printf '{"dimensions": [{"field_name": "reason"}]}' > "$T/bad-schema.json"
rc=0; "$TM_BIN/tm-partition" --out "$T/s" --schema "$T/bad-schema.json" "$T/in.tsv" 2> "$T/usage" || rc=$?
check_eq "a bad schema" 1 "$rc"
check_eq "a bad schema: message" "tm-partition: --schema: $T/bad-schema.json: dimension 1 (reason): no \"allowed_values\"" "$(cat "$T/usage")"
