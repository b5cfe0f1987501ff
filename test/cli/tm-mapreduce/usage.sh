# Usage errors exit 2 with a one-line reason and the hint; a missing store
# or filter is a failure (1).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

mkdir "$T/store"
usage() {
  rc=0
  "$TM_BIN/tm-mapreduce" "$@" > "$T/out" 2> "$T/err" || rc=$?
  check_eq "exit status of $*" 2 "$rc"
  check_contains "hint of $*" "Try 'tm-mapreduce --help' for more information." "$(cat "$T/err")"
}
usage --mapper cat
usage --data-dir "$T/store"
usage --data-dir "$T/store" --mapper cat --combiner cat
usage --data-dir "$T/store" --mapper cat --format xml
usage --data-dir "$T/store" --mapper cat --num-reducers 0
usage --data-dir "$T/store" --mapper cat --memory lots

mr --data-dir "$T/missing" --mapper cat
check_eq "a missing store" 1 "$rc"
check_contains "a missing store: message" "tm-mapreduce: $T/missing:" "$(cat "$T/err")"
mr --data-dir "$T/store" --mapper cat --input-filter "$T/nofilter.json"
check_eq "a missing filter" 1 "$rc"
check_contains "a missing filter: message" "tm-mapreduce: --input-filter: $T/nofilter.json" "$(cat "$T/err")"
mr --data-dir "$T/store" --mapper cat --reducer cat
check_eq "an empty store is an empty result" 0 "$rc"
check_eq "an empty store: no output" "" "$(cat "$T/out")"
