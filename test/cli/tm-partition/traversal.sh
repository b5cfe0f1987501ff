# No dimension value can write outside --out: the old store let a crafted
# appVersion of ../../x escape its tree.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

mkdir -p "$T/a/b/out"
n=0
for value in '../../x' '..' '.' '/etc/passwd' 'a/../../b' '.hidden' '../' '\\..\\..' 'x/./y' \
             '..%2F..%2Fz' "$(printf 'tab\\there')" 'é/..' ''; do
  n=$((n + 1))
  for column in 3 4 5 6 7; do
    # the value in one dimension column at a time (escaped as the record stream does)
    printf 'doc-%d-%d\t2014-03-08T12:00:00.000Z\tr\tFirefox\t1.0\tnightly\t20140301030201\t\t{"ver":2}\n' "$n" "$column" |
      V=$value awk -F'\t' -v OFS='\t' -v c="$column" '{ $c = ENVIRON["V"]; print }'
  done
done > "$T/hostile.tsv"
mkdir "$T/rejects"
"$TM_BIN/tm-partition" -q --out "$T/a/b/out" --max-open 3 --rejects "$T/rejects/r" "$T/hostile.tsv"
check_eq "none rejected" "" "$(cat "$T/rejects/r")"

check_eq "nothing outside --out" "out" "$(ls -A "$T/a/b")"
check_eq "nothing outside --out (above it)" "b" "$(ls -A "$T/a")"
check_eq "every record stored" "$(wc -l < "$T/hostile.tsv")" "$(store_lines "$T/a/b/out" | wc -l)"
bad=$(cd "$T/a/b/out" && find . -mindepth 1 | tr '/' '\n' | grep -Ex '\.\.?|\..+|' | grep -v '^\.$' | sort -u || true)
check_eq "no '.', '..' or hidden path component" "" "$bad"
real=$(cd "$T/a/b/out" && find . -type l)
check_eq "no links made" "" "$real"
