# Every tool has a man page, and the page documents every long option that the
# tool's --help lists (STYLE.md rules 24 and 27); every man page renders
# without a groff warning. It checks every tm-* executable of the build and
# every page in man/. All problems are listed before the test fails; if they
# all pass but groff is missing, the rendering part is skipped visibly (77).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

MAN_DIR=$TM_SOURCE/man
# Sections that rule 27 asks of every page of a tool.
REQUIRED_SECTIONS=("NAME" "SYNOPSIS" "DESCRIPTION" "OPTIONS" "EXIT STATUS" "EXAMPLES" "SEE ALSO")

built_tools

# documents TEXT OPTION: whether TEXT (a page's roff source without its
# comment lines, so that a mention in a comment does not count) has OPTION as
# a whole word, its hyphens written '-' or '\-'. "--fsync" must not be found
# inside "--fsync-interval". (No pipe into grep -q: with pipefail, the writer's
# SIGPIPE would make a match look like a failure.)
documents() {
  local pattern
  pattern=$(printf '%s' "$2" | sed 's/-/\\\\?-/g')
  grep -Eq -- "${pattern}(\$|[^-a-z0-9\\\\]|\\\\[^-])" "$1"
}

checked=0
for tool in "${tools[@]}"; do
  page=$MAN_DIR/$tool.1
  if [ ! -f "$page" ]; then
    problem "$tool: no man page $page"
    continue
  fi
  sed -e '/^[.'\'']\\"/d' "$page" > "$T/page.roff"
  for section in "${REQUIRED_SECTIONS[@]}"; do
    grep -Eq "^\\.SH +\"?$section\"?\$" "$T/page.roff" || problem "$page: no .SH $section section"
  done
  help=$(timeout 20 "$TM_BIN/$tool" --help < /dev/null 2>&1) || problem "$tool --help failed"
  options=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/-*$//' | sort -u || true)
  [ -n "$options" ] || problem "$tool --help lists no long option"
  for option in $options; do
    checked=$((checked + 1))
    documents "$T/page.roff" "$option" || problem "$page does not document $option (listed by $tool --help)"
  done
done

# Rendering: no warning from groff at its strictest, for every page.
pages=("$MAN_DIR"/*.[1-9])
[ -e "${pages[0]}" ] || fail "no man pages in $MAN_DIR"
rendered=no
if command -v groff > /dev/null; then
  rendered=yes
  for page in "${pages[@]}"; do
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || problem "$page: groff failed"
    [ -z "$warnings" ] || problem "$page: groff warns:
$warnings"
  done
fi

[ "$problems" = 0 ] || fail "$problems problem(s) in the man pages"
echo "$checked long options of ${tools[*]} documented in their man pages"
[ "$rendered" = yes ] || skip "groff is not installed: ${#pages[@]} man pages not checked for rendering warnings"
echo "${#pages[@]} man pages render without warnings"
