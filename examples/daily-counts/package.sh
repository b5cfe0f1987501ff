#!/bin/sh
# Builds the code tarball of the daily-counts job: run.sh, one-day.sh, and the
# record-count example job it runs.
# Usage: examples/daily-counts/package.sh [TARBALL]  (default: daily-counts.tar.gz)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../package-job.sh" "${1:-daily-counts.tar.gz}" "$here/run.sh" "$here/../one-day.sh" \
  "$here/../record-count/mapper.sh" "$here/../sum.awk"
