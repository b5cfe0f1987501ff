# The old system's real store file (../shared/testdata): its records, stored by
# tm-partition, land in the old store's path for them, byte for byte.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

real=$SHARED/peer/analysis/example/test/ss-ff-n-22.lzma
[ -r "$real" ] || skip "no ../shared/testdata ($real)"
xz -dc "$real" |
  awk -F'\t' -v OFS='\t' '{ print $1, "2013-10-11T00:00:00.000Z", "saved-session", "Firefox", "22.0a1", "nightly", "20130226031002", "", $2 }' \
  > "$T/real.tsv"
"$TM_BIN/tm-partition" -q --out "$T/real" "$T/real.tsv"
check_eq "the old store's path for its records" \
  "$(sed -n 's|^\(saved_session/Firefox/nightly/22.0a1/20130226031002.20131011.v2.log\)\..*|\1|p' "$SHARED/peer/analysis/example/test/input.txt")" \
  "$(cd "$T/real" && find . -type f | sed 's|^\./||; s/\.[0-9a-f]\{32\}\.lzma$//')"
check_eq "the old store's lines, byte for byte" \
  "$(xz -dc "$real" | sort | sha256sum)" "$(store_lines "$T/real" | sha256sum)"
