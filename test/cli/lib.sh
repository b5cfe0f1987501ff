# Shared helpers for the shell tests: sourced by test/cli/<tool>/<case>.sh.
# Each test gets a fresh temporary directory ($T) and its servers are killed on exit.
set -euo pipefail
export LC_ALL=C

TM_BIN=${TM_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
TM_SOURCE=${TM_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SHARED=${TM_SHARED_TESTDATA:-$TM_SOURCE/../shared/testdata}
T=$(mktemp -d "${TMPDIR:-/tmp}/tm-cli.XXXXXX")
RECEIVER_PID=
cleanup() {
  if [ -n "$RECEIVER_PID" ]; then kill -KILL "$RECEIVER_PID" 2>/dev/null || true; fi
  for m in "${MOUNTS[@]:-}"; do [ -n "$m" ] && umount "$m" 2>/dev/null || true; done
  rm -rf "$T"
}
MOUNTS=()
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIPPED: $*" >&2; exit 77; }
check_eq() {  # check_eq WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}
check_contains() {  # check_contains WHAT NEEDLE HAYSTACK
  case "$3" in *"$2"*) ;; *) fail "$1: '$2' not in '$3'" ;; esac
}

# Our traffic goes to 127.0.0.1 only, never through a proxy.
http() { curl -s --noproxy '*' --max-time 30 "$@"; }
# http_code ARGS...: prints the status code alone.
http_code() { http -o /dev/null -w '%{http_code}' "$@"; }

# start_receiver ARGS...: starts tm-receive on a free port of 127.0.0.1 with its
# logs in $LOG_DIR (default $T/logs); sets RECEIVER_PID and URL.
start_receiver() {
  local dir=${LOG_DIR:-$T/logs}
  mkdir -p "$dir"
  : > "$T/receiver.err"
  "$TM_BIN/tm-receive" -a 127.0.0.1 -p 0 -d "$dir" "$@" 2> "$T/receiver.err" &
  RECEIVER_PID=$!
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/receiver.err")
    [ -n "$port" ] && break
    kill -0 "$RECEIVER_PID" 2>/dev/null || { cat "$T/receiver.err" >&2; fail "tm-receive died"; }
    sleep 0.05
  done
  [ -n "$port" ] || fail "tm-receive did not start"
  URL="http://127.0.0.1:$port"
}

# stop_receiver: SIGTERM, then the exit status must be 0.
stop_receiver() {
  kill -TERM "$RECEIVER_PID"
  local rc=0
  wait "$RECEIVER_PID" || rc=$?
  RECEIVER_PID=
  [ "$rc" = 0 ] || { cat "$T/receiver.err" >&2; fail "tm-receive exited $rc"; }
}

finished_logs() { find "${1:-$T/logs}" -name '*.finished' | sort; }
unfinished_logs() { find "${1:-$T/logs}" -name 'telemetry.log.*' ! -name '*.finished' | sort; }

# Every record of the finished logs, one line each (tm-cat -b); tm-cat must
# find nothing damaged.
stored_records() {
  local logs
  logs=$(finished_logs "${1:-$T/logs}")
  [ -n "$logs" ] || return 0
  # shellcheck disable=SC2086
  "$TM_BIN/tm-cat" -b $logs 2> "$T/cat.err"
  [ ! -s "$T/cat.err" ] || { cat "$T/cat.err" >&2; fail "tm-cat reported damage"; }
}

# built_tools: sets tools=(every tm-* executable of the build); fails if one of
# the suite's tools is missing, so a build that lost one does not pass quietly.
# Also sets up problem(), for tests that list every problem before failing.
built_tools() {
  tools=()
  local exe tool
  for exe in "$TM_BIN"/tm-*; do
    if [ -f "$exe" ] && [ -x "$exe" ]; then tools+=("$(basename "$exe")"); fi
  done
  for tool in tm-cat tm-receive tm-job tm-process-incoming tm-schedule; do
    case " ${tools[*]:-} " in *" $tool "*) ;; *) fail "$tool not built in $TM_BIN" ;; esac
  done
  problems=0
}
problem() { echo "FAIL: $*" >&2; problems=$((problems + 1)); }
