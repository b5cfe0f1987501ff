# Map output far beyond --memory spills sorted runs to --work-dir, and the
# merged result is exact; a combiner over the runs keeps it exact; nothing is
# left in the work directory, also when the job fails.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/store" 3000
mkdir "$T/work"
# One key per record (doc-i), so nothing combines away: 3000 distinct keys.
KEY_MAPPER="awk -F '\t' '{ print \$1 \"\t1\" }'"
expected=$(seq 1 3000 | sed 's/^/doc-/; s/$/\t1/' | sort)
"$TM_BIN/tm-mapreduce" --data-dir "$T/store" --work-dir "$T/work" --mapper "$KEY_MAPPER" --reducer cat \
  --memory 8K --num-mappers 2 --num-reducers 2 > "$T/out" 2> "$T/err"
check_eq "distinct keys, exact after spilling" "$expected" "$(sort "$T/out")"
spills=$(sed -n 's/.* (\([0-9]*\) spills,.*/\1/p' "$T/err")
[ "${spills:-0}" -gt 10 ] || fail "expected many spills with --memory 8K, got '$spills': $(cat "$T/err")"
no_spills "$T/work"

# Each reducer's input is sorted by key as LC_ALL=C sort does.
mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$KEY_MAPPER" --reducer cat --memory 4K
check_eq "reducer input sorted (C order)" "$(printf '%s\n' "$expected" | LC_ALL=C sort -t '	' -k1,1 -s)" "$(cat "$T/out")"
no_spills "$T/work"

# With a combiner: exact counts, and the combiner really ran (its output is
# what the reducer saw: fewer lines than records).
mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$OS_MAPPER" --combiner "$SUM" \
  --reducer "awk 'END { print \"lines\t\" NR }'" --memory 4K --num-mappers 2
lines=$(cut -f2 "$T/out")
[ "$lines" -lt 3000 ] || fail "the combiner did not combine: the reducer saw $lines lines"
mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$OS_MAPPER" --combiner "$SUM" --reducer "$SUM" \
  --memory 4K --num-mappers 2 --num-reducers 2
check_eq "combined counts" "$(expected_os 3000)" "$(sort "$T/out")"
no_spills "$T/work"

# A failing reducer after spills: exit 1, spills removed all the same.
mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$KEY_MAPPER" --reducer "cat > /dev/null; exit 4" \
  --memory 4K -o "$T/never"
check_eq "failing reducer" 1 "$rc"
check_contains "failing reducer: message" "tm-mapreduce: reducer 'cat > /dev/null; exit 4': exited with status 4" "$(cat "$T/err")"
[ ! -e "$T/never" ] || fail "output written by a failed job"
no_spills "$T/work"
