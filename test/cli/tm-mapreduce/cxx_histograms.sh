# examples/cxx/histogram_labels.cpp labels buckets with the lower bounds of
# the Histograms.json of each record's revision, fetched through --spec-url
# (here file://) and kept under --work-dir; a revision without a spec and an
# unknown histogram are counted as unlabelled.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

command -v "${CXX:-c++}" > /dev/null || skip "no C++ compiler (${CXX:-c++}) on PATH"
mkdir -p "$T/specs"
# LIN: linear, 1..4 in 5 buckets -> lower bounds 0 1 2 3 4; B: boolean -> 0 1 2.
cat > "$T/specs/aaaaaa1.json" <<'JSON'
{"LIN": {"kind": "linear", "low": 1, "high": 4, "n_buckets": 5, "description": "l"},
 "B": {"kind": "boolean", "description": "b"}}
JSON
rev() { printf 'https://hg.mozilla.org/releases/mozilla-release/rev/%s' "$1"; }
rec() {  # rec ID REVISION HISTOGRAMS
  printf '%s\t2014-03-08T12:00:00.000Z\tsaved-session\tFirefox\t29.0a1\tnightly\t20140301030201\t\t{"ver":2,"info":{"revision":"%s"},"histograms":%s}\n' \
    "$1" "$(rev "$2")" "$3"
}
{
  rec h1 aaaaaa1 '{"LIN":[0,2,0,1,0,9,1,2,3],"B":[1,0,0,0,0]}'
  rec h2 aaaaaa1 '{"LIN":[0,1,0,0,5,9,1,2,3],"U":[1,2],"O":{"values":{"0":1}}}'
  rec h3 bbbbbb2 '{"LIN":[1,1,1,1,1,5,1,2,3]}'
} > "$T/h.tsv"
"$TM_BIN/tm-partition" -q --out "$T/store" "$T/h.tsv"

mr --data-dir "$T/store" --job "$TM_SOURCE/examples/cxx/histogram_labels.cpp" --work-dir "$T/w" \
  --spec-url "file://$T/specs/{rev}.json" --num-mappers 2
check_eq "exit status" 0 "$rc"
check_eq "labelled buckets" "B/0	1
LIN/1	3
LIN/3	1
LIN/4	5
unlabelled/LIN	1
unlabelled/U	1" "$(cat "$T/out")"
[ -f "$T/w/specs/releases/mozilla-release/aaaaaa1/Histograms.json" ] ||
  fail "the spec is not kept under --work-dir: $(find "$T/w" -type f)"
