# With --id, a re-run of the same input writes the same file names, so it
# replaces its earlier output instead of duplicating it; without, names differ.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

{ records 20 saved-session; records 5 idle-daily; } > "$T/in.tsv"
"$TM_BIN/tm-partition" -q --out "$T/s" --id telemetry.log.host.1.finished --max-size 500 "$T/in.tsv"
first=$(cd "$T/s" && find . -type f | sort)
"$TM_BIN/tm-partition" -q --out "$T/s" --id telemetry.log.host.1.finished --max-size 500 "$T/in.tsv"
check_eq "a re-run with the same --id: the same names" "$first" "$(cd "$T/s" && find . -type f | sort)"
check_eq "and no duplicates" "$(expected_lines "$T/in.tsv")" "$(store_lines "$T/s")"

"$TM_BIN/tm-partition" -q --out "$T/s" --id another.log --max-size 500 "$T/in.tsv"
check_eq "another --id: other names" $(( $(echo "$first" | wc -l) * 2 )) "$(find "$T/s" -type f | wc -l)"
"$TM_BIN/tm-partition" -q --out "$T/r" "$T/in.tsv"
"$TM_BIN/tm-partition" -q --out "$T/r" "$T/in.tsv"
check_eq "no --id: every run has names of its own" 4 "$(find "$T/r" -type f | wc -l)"
