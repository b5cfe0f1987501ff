# A damaged .lzma file and a line without a tab are reported with their place
# and counted; --max-errors decides whether the job fails; a failing mapper
# fails the job with its stderr passed through; a failed job writes no output.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/store" 300
mkdir "$T/work"
# Cut one file in half: its xz stream ends too early.
victim=$(find "$T/store" -name '*.lzma' | sort | head -1)
size=$(wc -c < "$victim")
head -c $((size / 2)) "$victim" > "$T/cut" && mv "$T/cut" "$victim"
COUNT="awk 'END { print \"n\t\" NR }'"

mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$COUNT" --reducer "$SUM" -o "$T/out0"
check_eq "a damaged file fails the job by default" 1 "$rc"
check_contains "where" "tm-mapreduce: $victim:" "$(cat "$T/err")"
check_contains "the verdict" "1 errors, more than --max-errors 0: the output is incomplete" "$(cat "$T/err")"
[ ! -e "$T/out0" ] || fail "--output written although the job failed"
no_spills "$T/work"

mr --data-dir "$T/store" --work-dir "$T/work" --mapper "$COUNT" --reducer "$SUM" --max-errors 1 -o "$T/out1"
check_eq "--max-errors 1 tolerates it" 0 "$rc"
check_contains "still reported" "tm-mapreduce: $victim:" "$(cat "$T/err")"
n=$(cut -f2 "$T/out1")
[ "$n" -lt 300 ] && [ "$n" -gt 0 ] || fail "records of the other files (and the damaged one's start): $n"

# A plain (uncompressed) store file with a bad line: FILE:LINE.
rm -rf "$T/plain"; mkdir -p "$T/plain/a/b/c/d"
printf 'u1\t{"x":1}\nno tab here\nu3\t{"x":3}\n' > "$T/plain/a/b/c/d/e.f.v2.log.0"
mr --data-dir "$T/plain" --mapper cat --max-errors 1
check_eq "a bad line within --max-errors" 0 "$rc"
check_eq "a bad line: message" "tm-mapreduce: $T/plain/a/b/c/d/e.f.v2.log.0:2: no <uuid><TAB> at the start of the line" "$(cat "$T/err")"
check_eq "the good lines mapped" "$(printf 'u1\ta\tb\tc\td\te\tf\t{"x":1}\nu3\ta\tb\tc\td\te\tf\t{"x":3}')" "$(cat "$T/out")"
mr --data-dir "$T/plain" --mapper cat
check_eq "a bad line beyond --max-errors" 1 "$rc"

# A failing mapper: exit 1, its stderr passed through, no output file.
mr --data-dir "$T/store" --work-dir "$T/work" --mapper "echo mapper-says-no >&2; exit 3" --reducer "$SUM" \
  -o "$T/out2" --max-errors 9
check_eq "failing mapper" 1 "$rc"
check_contains "its stderr" "mapper-says-no" "$(cat "$T/err")"
check_contains "the failure" "tm-mapreduce: mapper 'echo mapper-says-no >&2; exit 3': exited with status 3" "$(cat "$T/err")"
[ ! -e "$T/out2" ] || fail "--output written although the mapper failed"
no_spills "$T/work"
