# On a terminal, progress is shown on stderr (files, bytes, records/s, eta)
# and the summary at the end; not when stderr is not a terminal; never with -q.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

command -v script > /dev/null || skip "script(1) (util-linux) is not installed"
make_store "$T/store" 100
# The mapper sleeps, so that the job lasts past the first progress update.
job=("$TM_BIN/tm-mapreduce" --data-dir "$T/store" --mapper "sleep 1.2; cat" --num-mappers 1 -o "$T/out")
script -qec "$(printf '%q ' "${job[@]}")" "$T/tty" > /dev/null
check_contains "progress on a terminal" "tm-mapreduce: 4/4 files, 0.0/0.0 MB, " "$(cat "$T/tty")"
check_contains "eta" "records/s, eta" "$(cat "$T/tty")"
check_contains "summary" "4 files (0 failed), 100 records" "$(cat "$T/tty")"

"${job[@]}" 2> "$T/err"
check_eq "no progress when stderr is not a terminal" 1 "$(grep -c . "$T/err")"
check_contains "the summary alone" "4 files (0 failed), 100 records" "$(cat "$T/err")"
script -qec "$(printf '%q ' "${job[@]}" -q)" "$T/tty-q" > /dev/null
check_eq "-q: nothing" "" "$(grep -v '^Script ' "$T/tty-q" | tr -d '\r\n')"
