# Shared by the tm-* shell tools in scripts/ (tm-process-incoming, tm-job,
# tm-schedule): diagnostics and exit statuses as the C++ tools have them, and
# where the tm binaries are. Source it; it sets nothing else.

TM_PROG=${TM_PROG:-$(basename "$0")}

# "tm-x: what went wrong" on stderr.
tm_warn() { echo "$TM_PROG: $*" >&2; }
# The job failed: exit 1.
tm_die() { tm_warn "$@"; exit 1; }
# A usage error: exit 2, pointing at --help, as coreutils and our C++ tools do.
tm_usage_error() {
  tm_warn "$@"
  echo "Try '$TM_PROG --help' for more information." >&2
  exit 2
}

# tm_tool NAME: the path of the tm binary NAME. $TM_BIN wins (tests and the
# demo set it); then the build tree of a source checkout (scripts/../build);
# then the bin/ of an installed suite (these files are in libexec/tm/lib);
# then $PATH.
tm_tool() {
  local lib
  lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  local dir
  for dir in "${TM_BIN:-}" "$lib/../../build" "$lib/../../../bin"; do
    if [ -n "$dir" ] && [ -x "$dir/$1" ]; then
      echo "$(cd "$dir" && pwd)/$1"
      return
    fi
  done
  command -v "$1" || tm_die "$1: not found (build the suite, or set TM_BIN to its directory)"
}

# --version: the suite's version, from any of its binaries.
tm_print_version() {
  local cat version
  cat=$(tm_tool tm-cat) || exit 1
  version=$("$cat" --version) || exit 1
  echo "$TM_PROG (tm) ${version##* }"
}
