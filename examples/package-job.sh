#!/bin/sh
# Builds the code tarball of a job for tm-job: the files given, side by side
# at the tarball's top level, executable, owned by root. Each example job's
# package.sh calls it with its files.
# Usage: examples/package-job.sh TARBALL FILE...
set -eu
out=$1
shift
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
stage=$(mktemp -d "${TMPDIR:-/tmp}/tm-job-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
names=
for f in "$@"; do
  cp "$f" "$stage/"
  names="$names $(basename "$f")"
done
chmod 755 "$stage"/*
# shellcheck disable=SC2086 # the names are ours, without spaces
tar -czf "$out" -C "$stage" --owner=0 --group=0 --numeric-owner $names
