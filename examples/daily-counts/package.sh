#!/bin/sh
# Builds the code tarball of the daily-counts job: run.sh, and the
# record-count example job it runs, at the tarball's top level.
# Usage: examples/daily-counts/package.sh [TARBALL]  (default: daily-counts.tar.gz)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-daily-counts.tar.gz}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
stage=$(mktemp -d "${TMPDIR:-/tmp}/daily-counts.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$here/run.sh" "$stage/run.sh"
cp "$here/../record-count/mapper.sh" "$stage/mapper.sh"
cp "$here/../sum.awk" "$stage/sum.awk"
chmod 755 "$stage/run.sh" "$stage/mapper.sh" "$stage/sum.awk"
tar -czf "$out" -C "$stage" --owner=0 --group=0 --numeric-owner run.sh mapper.sh sum.awk
