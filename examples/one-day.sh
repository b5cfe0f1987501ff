# Sourced by the run.sh of the daily example jobs (daily-counts, slowsql), in
# their tarball: takes "[STORE [DATE]]" from the job's arguments, sets $store
# and $date, and writes filter.json, the input filter of that submission day.
#   STORE  a store made by tm-partition: a directory, file:///DIR/ or
#          s3://BUCKET/PREFIX/ (default: $TM_STORE)
#   DATE   the submission day, YYYYMMDD, in UTC (default: yesterday)
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
