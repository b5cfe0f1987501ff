#!/bin/sh
# A scheduled job in the style of the old analysis service's slowsql job: the
# SQL statements Firefox reported as slow on one submission day, summed over
# every ping of the store, and written to output/slowsql-DATE.tsv, slowest in
# total first: "thread<TAB>hits<TAB>total_ms<TAB>statement". tm-job runs it in
# the unpacked tarball, with the tm tools on PATH, and publishes output/.
#
# Usage: ./run.sh [STORE [DATE]] (one-day.sh says what they are)
set -eu
. ./one-day.sh
mkdir -p output .tm-mapreduce
tm-mapreduce -q --data-dir "$store" --input-filter filter.json --work-dir .tm-mapreduce \
  --mapper ./mapper.sh --combiner ./sum-pairs.awk --reducer ./sum-pairs.awk -o statements.tsv
{
  printf 'thread\thits\ttotal_ms\tstatement\n'
  # "THREAD SQL<TAB>hits<TAB>ms" -> thread, hits, ms, SQL; the slowest first.
  awk -F '\t' -v OFS='\t' '{ thread = $1; sub(/ .*/, "", thread); sql = substr($1, length(thread) + 2); print thread, $2, $3, sql }' statements.tsv |
    sort -t "$(printf '\t')" -k3,3nr -k4,4
} > "output/slowsql-$date.tsv"
