#!/bin/sh
# Builds the code tarball of the slowsql job: run.sh, one-day.sh, its mapper
# and its reducer.
# Usage: examples/slowsql/package.sh [TARBALL]  (default: slowsql.tar.gz)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../package-job.sh" "${1:-slowsql.tar.gz}" "$here/run.sh" "$here/../one-day.sh" \
  "$here/mapper.sh" "$here/sum-pairs.awk"
