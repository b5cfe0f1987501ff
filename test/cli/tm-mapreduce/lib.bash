# Helpers of the tm-mapreduce tests, sourced after ../lib.sh.

# records N: N records on stdout (tm-records(5)) spread over two reasons,
# two channels and three OSes: record i (1..N) is doc-i, reason
# saved-session when i is even, else idle-daily; channel nightly when i % 3
# is 0, else aurora; info.OS Linux, WINNT or Darwin for i % 3 = 0, 1, 2;
# memsize 1000+i.
records() {
  awk -v n="$1" 'BEGIN {
    split("Linux WINNT Darwin", os, " ")
    for (i = 1; i <= n; i++) {
      reason = i % 2 ? "idle-daily" : "saved-session"
      channel = i % 3 ? "aurora" : "nightly"
      printf "doc-%d\t2014-03-08T12:00:00.000Z\t%s\tFirefox\t29.0a1\t%s\t20140301030201\t\t{\"ver\":2,\"info\":{\"OS\":\"%s\",\"memsize\":%d},\"n\":%d}\n",
        i, reason, channel, os[i % 3 + 1], 1000 + i, i
    }
  }'
}

# make_store DIR N: a store of N records made by tm-partition (4 partitions).
make_store() {
  records "$2" > "$T/records.tsv"
  "$TM_BIN/tm-partition" -q --out "$1" "$T/records.tsv"
}

# expected_os N: "OS<TAB>count" of `records N`, sorted by OS.
expected_os() {
  records "$1" | sed 's/.*"OS":"\([A-Za-z]*\)".*/\1/' | sort | uniq -c | awk '{ print $2 "\t" $1 }'
}

# mr ARGS...: runs tm-mapreduce with -q; sets rc, output in $T/out, $T/err.
mr() {
  rc=0
  "$TM_BIN/tm-mapreduce" -q "$@" > "$T/out" 2> "$T/err" || rc=$?
}

# no_spills DIR: the work directory holds nothing of ours.
no_spills() {
  local left
  left=$(find "$1" -mindepth 1 | head -5)
  [ -z "$left" ] || fail "left in the work directory: $left"
}

OS_MAPPER="awk -F '\t' '{ match(\$NF, /\"OS\":\"[A-Za-z]*\"/); print substr(\$NF, RSTART + 6, RLENGTH - 7) \"\t1\" }'"
SUM=$TM_SOURCE/examples/sum.awk
