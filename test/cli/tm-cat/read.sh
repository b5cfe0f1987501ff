# tm-cat prints one line per record, reads stdin, reports damage without failing,
# and fails on a file it cannot read.
source "$(dirname "$0")/../lib.sh"
log=$SHARED/peer/process_incoming/worker/common/test/data/telemetry1.log
[ -f "$log" ] || skip "../shared/testdata is absent"

out=$("$TM_BIN/tm-cat" "$log" 2> "$T/err")
check_eq "line" "2013-09-10T14:21:51.255Z	17caa68c-25f5-450a-9cce-7d31318846d8/idle-daily/Firefox/23.0.1/release/20130814063812	-	18255" "$out"
# The log ends in a stray newline byte, reported, not fatal.
check_contains "skip reported" "tm-cat: $log: byte 18355: skipped 1 byte: not a record separator" "$(cat "$T/err")"

check_eq "stdin" "$out" "$("$TM_BIN/tm-cat" - < "$log" 2>/dev/null)"
check_eq "stdin by default" "$out" "$("$TM_BIN/tm-cat" < "$log" 2>/dev/null)"

body=$("$TM_BIN/tm-cat" -b "$log" 2>/dev/null | cut -f5)
check_contains "inflated body" '"revision":"http://hg.mozilla.org/releases/mozilla-release/rev/a55c55edf302"' "$body"

# Damage in the middle: the records around it survive.
{ head -c 100 "$log"; printf 'GARBAGE'; cat "$log"; } > "$T/damaged"
rc=0; "$TM_BIN/tm-cat" "$T/damaged" > "$T/out" 2> "$T/err" || rc=$?
check_eq "damage is not failure" 0 "$rc"
check_eq "the whole record after the damage" 1 "$(wc -l < "$T/out")"
check_contains "damage reported" "skipped" "$(cat "$T/err")"

rc=0; "$TM_BIN/tm-cat" "$T/missing" > "$T/out" 2> "$T/err" || rc=$?
check_eq "missing file exit" 1 "$rc"
check_eq "missing file message" "tm-cat: $T/missing: No such file or directory" "$(cat "$T/err")"
echo "tm-cat reads the old server's log"
