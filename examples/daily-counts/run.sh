#!/bin/sh
# A scheduled job in the style of the old analysis service's daily jobs
# (slowsql, main-thread-io, ...): count the records a store holds for one
# submission day, with the record-count example job (mapper.sh is
# ../record-count/mapper.sh, sum.awk is ../sum.awk), and write
# output/records-DATE.csv ("records,N"). tm-job runs it in the unpacked
# tarball, with the tm tools on PATH, and publishes output/.
#
# Usage: ./run.sh [STORE [DATE]]
#   STORE  a store made by tm-partition: a directory, file:///DIR/ or
#          s3://BUCKET/PREFIX/ (default: $TM_STORE)
#   DATE   the submission day, YYYYMMDD, in UTC (default: yesterday)
set -eu
store=${1:-${TM_STORE:-}}
date=${2:-$(date -u -d yesterday +%Y%m%d)}
if [ -z "$store" ]; then
  echo "run.sh: no store: give it as the first argument or in TM_STORE" >&2
  exit 2
fi
case "$date" in
  [12][0-9][0-9][0-9][01][0-9][0-3][0-9]) ;;
  *) echo "run.sh: $date: not a date (YYYYMMDD)" >&2; exit 2 ;;
esac

# The store's files of that day only: the filter allows one submission_date.
cat > filter.json << FILTER
{"version": 1, "dimensions": [
  {"field_name": "reason", "allowed_values": "*"},
  {"field_name": "appName", "allowed_values": "*"},
  {"field_name": "appUpdateChannel", "allowed_values": "*"},
  {"field_name": "appVersion", "allowed_values": "*"},
  {"field_name": "appBuildID", "allowed_values": "*"},
  {"field_name": "submission_date", "allowed_values": ["$date"]}]}
FILTER
mkdir -p output .tm-mapreduce
tm-mapreduce -q --data-dir "$store" --input-filter filter.json --work-dir .tm-mapreduce \
  --mapper ./mapper.sh --reducer ./sum.awk --format csv -o "output/records-$date.csv"
