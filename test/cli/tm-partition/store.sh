# Records land as <uuid>\t<json> lines in the xz file of their partition, laid
# out as the old store was; the manifest lists every finished file.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

{ records 3 saved-session; records 2 idle-daily 23.0.1; } > "$T/in.tsv"
"$TM_BIN/tm-partition" -q --out "$T/store" --manifest "$T/manifest" < "$T/in.tsv"

files=$(cd "$T/store" && find . -type f | sed 's|^\./||' | sort)
check_eq "two partitions, the default layout" \
  "idle_daily/Firefox/nightly/23.0.1/20140301030201.20140308.v2.log.X.lzma
saved_session/Firefox/nightly/29.0a1/20140301030201.20140308.v2.log.X.lzma" \
  "$(printf '%s\n' "$files" | sed 's/\.log\.[0-9a-f]\{32\}\.lzma$/.log.X.lzma/')"
check_eq "every record, once, as <uuid><TAB><json>" "$(expected_lines "$T/in.tsv")" "$(store_lines "$T/store")"
check_eq "each file is one valid xz stream" "" "$(cd "$T/store" && find . -name '*.lzma' -exec xz -t {} \; 2>&1)"
no_temporary_files "$T/store"

check_eq "manifest: the finished files" "$files" "$(cut -f1 "$T/manifest" | sort)"
check_eq "manifest: records" "5" "$(awk -F'\t' '{ n += $2 } END { print n }' "$T/manifest")"
for f in $(cut -f1 "$T/manifest"); do
  line=$(grep -F "$f" "$T/manifest")
  check_eq "manifest: uncompressed bytes of $f" "$(xz -dc "$T/store/$f" | wc -c)" "$(cut -f3 <<< "$line")"
  check_eq "manifest: compressed bytes of $f" "$(wc -c < "$T/store/$f")" "$(cut -f4 <<< "$line")"
done

# A schema: dimensions in its order, OTHER for values it does not allow, a
# field of the payload's info, and the version of a unified ping.
cat > "$T/schema.json" <<'JSON'
{"version": 1, "dimensions": [
  {"field_name": "submission_date", "allowed_values": "*"},
  {"field_name": "reason", "allowed_values": ["saved-session"]},
  {"field_name": "memsize", "allowed_values": {"min": "448", "max": "500"}},
  {"field_name": "appName", "allowed_values": "*"}]}
JSON
printf 'u1\t2014-03-08T23:59:59.999Z\tsaved-session\tFirefox\t29.0a1\tnightly\t1\t\t{"ver":2,"info":{"memsize":460}}\n' > "$T/s.tsv"
printf 'u2\t2014-03-09T00:00:00.000Z\tidle-daily\tFennec\t29.0a1\tnightly\t1\t\t{"ver":2,"info":{"memsize":"501"}}\n' >> "$T/s.tsv"
printf 'u3\t2014-03-09T00:00:00.000Z\tmain\tFirefox\t39.0\tnightly\t1\t\t{"version":4,"info":{}}\n' >> "$T/s.tsv"
"$TM_BIN/tm-partition" -q --schema "$T/schema.json" --out "$T/s" "$T/s.tsv"
check_eq "a schema's layout" \
  "20140308/saved_session/460.Firefox.v2.log.X.lzma
20140309/OTHER/OTHER.Fennec.v2.log.X.lzma
20140309/OTHER/UNKNOWN.Firefox.v4.log.X.lzma" \
  "$(cd "$T/s" && find . -type f | sed 's|^\./||; s/\.log\.[0-9a-f]\{32\}\.lzma$/.log.X.lzma/' | sort)"
