# Every tool behaves alike on the command line (STYLE.md rules 24 and 26):
#   --help          exit 0, "Usage" on stdout, nothing on stderr
#   --version       exit 0, "<tool> (tm) <version>" on stdout, nothing on stderr
#   --no-such-flag  exit 2, nothing on stdout, "<tool>: ..." and
#                   "Try '<tool> --help' for more information." on stderr
# It checks every tm-* executable of the build, so a new tool is covered as
# soon as it is built. All problems are listed before the test fails.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

built_tools

# run TOOL ARGS...: runs the tool with no input and a time limit; sets rc and
# leaves its output in $T/out and $T/err.
run() {
  rc=0
  timeout 20 "$TM_BIN/$1" "${@:2}" < /dev/null > "$T/out" 2> "$T/err" || rc=$?
}

for tool in "${tools[@]}"; do
  run "$tool" --help
  [ "$rc" = 0 ] || problem "$tool --help: exit status $rc, expected 0"
  grep -q Usage "$T/out" || problem "$tool --help: no 'Usage' on stdout"
  [ ! -s "$T/err" ] || problem "$tool --help: wrote to stderr: $(head -3 "$T/err")"

  run "$tool" --version
  [ "$rc" = 0 ] || problem "$tool --version: exit status $rc, expected 0"
  version=$(head -1 "$T/out")
  [[ "$version" =~ ^"$tool (tm) "[0-9][0-9A-Za-z.+~-]*$ ]] ||
    problem "$tool --version: printed '$version', expected '$tool (tm) <version>'"
  [ ! -s "$T/err" ] || problem "$tool --version: wrote to stderr: $(head -3 "$T/err")"

  run "$tool" --no-such-flag
  [ "$rc" = 2 ] || problem "$tool --no-such-flag: exit status $rc, expected 2"
  [ ! -s "$T/out" ] || problem "$tool --no-such-flag: wrote to stdout: $(head -3 "$T/out")"
  err=$(cat "$T/err")
  case "$err" in
    "$tool: "*) ;;
    *) problem "$tool --no-such-flag: stderr does not start with '$tool: ': $err" ;;
  esac
  case "$err" in
    *"Try '$tool --help' for more information."*) ;;
    *) problem "$tool --no-such-flag: stderr lacks \"Try '$tool --help' for more information.\": $err" ;;
  esac
done

[ "$problems" = 0 ] || fail "$problems problem(s) in the usage of ${tools[*]}"
echo "usage conventions hold for ${tools[*]}"
