# The command line, as every tm tool has it: --help on stdout (exit 0),
# --version, usage errors as one line plus "Try ..." (exit 2), failures to
# start (exit 1); and every long option of --help is in the man page.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

run() {
  rc=0
  timeout 20 "$PROCESS" "$@" < /dev/null > "$T/out" 2> "$T/err" || rc=$?
}
try="Try 'tm-process-incoming --help' for more information."

run --help
check_eq "--help: exit status" 0 "$rc"
check_contains "--help: usage" "Usage: tm-process-incoming --incoming DIR --destination URL" "$(cat "$T/out")"
check_eq "--help: nothing on stderr" "" "$(cat "$T/err")"
cp "$T/out" "$T/help"
run -h
check_eq "-h is --help" "$(cat "$T/help")" "$(cat "$T/out")"

run --version
check_eq "--version: exit status" 0 "$rc"
check_eq "--version" "tm-process-incoming (tm) $("$TM_BIN/tm-cat" --version | sed 's/.* //')" "$(cat "$T/out")"
check_eq "--version: nothing on stderr" "" "$(cat "$T/err")"

mkdir "$T/in"
usage_error() {  # usage_error MESSAGE ARGS...
  local message=$1
  shift
  run "$@"
  check_eq "$*: exit status" 2 "$rc"
  check_eq "$*: nothing on stdout" "" "$(cat "$T/out")"
  check_eq "$*: stderr" "tm-process-incoming: $message
$try" "$(cat "$T/err")"
}
dest=(--destination "file://$T/bucket/")
usage_error "unknown option: --no-such-flag" --no-such-flag
usage_error "--incoming is required" "${dest[@]}"
usage_error "--destination is required" --incoming "$T/in"
usage_error "--incoming: a value is required" "${dest[@]}" --incoming
usage_error "--incoming: the value is empty" "${dest[@]}" --incoming=
usage_error "unexpected argument: extra" --incoming "$T/in" "${dest[@]}" extra
usage_error "--level: not a level from 0 to 9: 12" --incoming "$T/in" "${dest[@]}" --level 12
usage_error "--max-inputs: not a number: x" --incoming "$T/in" "${dest[@]}" --max-inputs=x
usage_error "--offline: takes no value" --incoming "$T/in" "${dest[@]}" --offline=yes
usage_error "unknown option: -x" --incoming "$T/in" "${dest[@]}" -x

run --incoming "$T/no-such-dir" "${dest[@]}"
check_eq "a missing incoming directory: exit status" 1 "$rc"
check_eq "a missing incoming directory: stderr" \
  "tm-process-incoming: $T/no-such-dir: not a directory" "$(cat "$T/err")"

# Claims must be renames: a work directory on another file system is refused
# (when there is one to try: /dev/shm, a tmpfs, unless $T is on it too).
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
  other=$(mktemp -d /dev/shm/tm-cli.XXXXXX)
  echo x > "$T/in/telemetry.log.v1.host.1.1.finished"
  run --incoming "$T/in" "${dest[@]}" --work-dir "$other/work"
  rm -rf "$other"
  check_eq "another file system: exit status" 1 "$rc"
  check_contains "another file system: said" "not on the file system of $T/in" "$(cat "$T/err")"
  check_eq "another file system: the log left in incoming" "telemetry.log.v1.host.1.1.finished" \
    "$(ls "$T/in")"
fi

# Every long option of --help is in the man page (comments aside).
sed -e '/^[.'\'']\\"/d' "$TM_SOURCE/man/tm-process-incoming.1" > "$T/page"
for option in $(grep -oE -- '--[a-z][a-z0-9-]*' "$T/help" | sort -u); do
  pattern=$(printf '%s' "$option" | sed 's/-/\\\\?-/g')
  grep -Eq -- "${pattern}(\$|[^-a-z0-9\\\\]|\\\\[^-])" "$T/page" || fail "$option is not in the man page"
done
if command -v groff > /dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$TM_SOURCE/man/tm-process-incoming.1" 2>&1)
  check_eq "the man page renders without a warning" "" "$warnings"
fi
