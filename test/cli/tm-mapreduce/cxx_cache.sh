# A C++ job is compiled once into --work-dir/jobs/, named by the hash of its
# source and compiler command, and reused by the next run; a changed source is
# compiled again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

command -v "${CXX:-c++}" > /dev/null || skip "no C++ compiler (${CXX:-c++}) on PATH"
make_store "$T/store" 20
cp "$TM_SOURCE/examples/cxx/record_count.cpp" "$T/job.cpp"

run() {  # without -q: the "compiled" note is what we look for
  rc=0
  "$TM_BIN/tm-mapreduce" --data-dir "$T/store" --job "$T/job.cpp" --work-dir "$T/w" \
    > "$T/out" 2> "$T/err" || rc=$?
  check_eq "exit status" 0 "$rc"
  check_eq "output" "records	20" "$(cat "$T/out")"
}
run
check_contains "first run compiles" "tm-mapreduce: compiled $T/job.cpp into $T/w/jobs/" "$(cat "$T/err")"
so=$(ls "$T"/w/jobs/*.so)
[ "$(echo "$so" | wc -l)" = 1 ] || fail "one shared object expected, got: $so"
touch -d '2000-01-01' "$so"  # a rewrite would show as a new mtime
stamped=$(stat -c %Y "$so")

run
case "$(cat "$T/err")" in *compiled*) fail "second run compiled again: $(cat "$T/err")" ;; esac
check_eq "the cached object is untouched" "$stamped" "$(stat -c %Y "$so")"

# A changed source (here, a comment) is another object.
echo "// changed" >> "$T/job.cpp"
run
check_contains "changed source compiles" "compiled" "$(cat "$T/err")"
check_eq "two objects in the cache" 2 "$(ls "$T"/w/jobs/*.so | wc -l)"
[ -z "$(ls "$T"/w/jobs | grep -v '\.so$' || true)" ] || fail "left in the cache: $(ls "$T/w/jobs")"
