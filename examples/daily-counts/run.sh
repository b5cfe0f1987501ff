#!/bin/sh
# A scheduled job in the style of the old analysis service's daily jobs
# (slowsql, main-thread-io, ...): count the records a store holds for one
# submission day, with the record-count example job (mapper.sh is
# ../record-count/mapper.sh, sum.awk is ../sum.awk), and write
# output/records-DATE.csv ("records,N"). tm-job runs it in the unpacked
# tarball, with the tm tools on PATH, and publishes output/.
#
# Usage: ./run.sh [STORE [DATE]] (one-day.sh says what they are)
set -eu
. ./one-day.sh
mkdir -p output .tm-mapreduce
tm-mapreduce -q --data-dir "$store" --input-filter filter.json --work-dir .tm-mapreduce \
  --mapper ./mapper.sh --reducer ./sum.awk --format csv -o "output/records-$date.csv"
