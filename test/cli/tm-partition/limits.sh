# --max-size finishes a file at that many uncompressed bytes and starts the
# next; --max-open finishes the least recently written file to open another.
# Either way every record is stored once, in complete files.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

records 100 saved-session > "$T/in.tsv"
line_bytes=$(head -1 "$T/in.tsv" | cut -f1,9 | wc -c)  # about 75 bytes a line
"$TM_BIN/tm-partition" -q --out "$T/s" --max-size 1000 --manifest "$T/m" "$T/in.tsv"
check_eq "every record once" "$(expected_lines "$T/in.tsv")" "$(store_lines "$T/s")"
files=$(wc -l < "$T/m")
[ "$files" -ge $((100 * line_bytes / 1100)) ] || fail "--max-size 1000: only $files files for $((100 * line_bytes)) bytes"
check_eq "no file much past --max-size" "" \
  "$(awk -F'\t' -v max=1000 -v line="$line_bytes" '$3 >= max + line + 10 { print $1 }' "$T/m")"
check_eq "each file valid" "" "$(cd "$T/s" && find . -name '*.lzma' -exec xz -t {} \; 2>&1)"
no_temporary_files "$T/s"

# Three partitions written in turn, one file open at a time.
for i in $(seq 30); do
  records 1 "r$((i % 3))" | sed "s/^doc-r[0-9]-1/doc-$i/"
done > "$T/turns.tsv"
"$TM_BIN/tm-partition" -q --out "$T/o" --max-open 1 --manifest "$T/m1" "$T/turns.tsv"
check_eq "--max-open 1: every record once" "$(expected_lines "$T/turns.tsv")" "$(store_lines "$T/o")"
check_eq "--max-open 1: a file each time the partition changes" 30 "$(wc -l < "$T/m1")"
"$TM_BIN/tm-partition" -q --out "$T/o3" --max-open 3 --manifest "$T/m3" "$T/turns.tsv"
check_eq "--max-open 3: one file per partition" 3 "$(wc -l < "$T/m3")"
