# --max-size finishes a file at that many uncompressed bytes and starts the
# next; --max-files finishes the least recently written file to open another;
# --max-open ends the least recently used xz stream. Whatever the limits,
# every record is stored once, in complete files.
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

# Three partitions written in turn. One encoder (--max-open 1): one file per
# partition, each a series of xz streams; one file at a time (--max-files 1):
# a file each time the partition changes.
for i in $(seq 30); do
  records 1 "r$((i % 3))" | sed "s/^doc-r[0-9]-1/doc-$i/"
done > "$T/turns.tsv"
"$TM_BIN/tm-partition" -q --out "$T/o" --max-open 1 --manifest "$T/m1" "$T/turns.tsv"
check_eq "--max-open 1: every record once" "$(expected_lines "$T/turns.tsv")" "$(store_lines "$T/o")"
check_eq "--max-open 1: one file per partition" 3 "$(wc -l < "$T/m1")"
# Lines are compressed a MiB at a time: records of 1.1 MB each make the one
# encoder move at every record.
big=$(head -c 1100000 /dev/zero | tr '\0' 'x')
for i in $(seq 6); do
  printf 'big-%d\t2014-03-08T12:00:00.000Z\tr%d\tFirefox\t1\tnightly\t1\t\t{"ver":2,"s":"%s"}\n' "$i" $((i % 3)) "$big"
done > "$T/big.tsv"
"$TM_BIN/tm-partition" -q --out "$T/b" --max-open 1 "$T/big.tsv"
check_eq "--max-open 1, big records: every record once" "$(expected_lines "$T/big.tsv" | sha256sum)" "$(store_lines "$T/b" | sha256sum)"
streams=$(cd "$T/b" && find . -name '*.lzma' -exec xz --robot -l {} \; | awk -F'\t' '$1 == "totals" { n += $2 } END { print n }')
check_eq "--max-open 1: a stream each time the encoder moved" 6 "$streams"
check_eq "--max-open 1: still one file per partition" 3 "$(find "$T/b" -type f | wc -l)"
check_eq "--max-open 1: manifest's compressed bytes are the files' sizes" \
  "$(cd "$T/o" && cat $(cut -f1 "$T/m1") | wc -c)" "$(awk -F'\t' '{ n += $4 } END { print n }' "$T/m1")"
"$TM_BIN/tm-partition" -q --out "$T/f" --max-files 1 --manifest "$T/mf" "$T/turns.tsv"
check_eq "--max-files 1: every record once" "$(expected_lines "$T/turns.tsv")" "$(store_lines "$T/f")"
check_eq "--max-files 1: a file each time the partition changes" 30 "$(wc -l < "$T/mf")"
"$TM_BIN/tm-partition" -q --out "$T/o3" --max-open 3 --manifest "$T/m3" "$T/turns.tsv"
check_eq "--max-open 3: one file per partition" 3 "$(wc -l < "$T/m3")"
check_eq "--max-open 3: one stream each" 3 \
  "$(cd "$T/o3" && find . -name '*.lzma' -exec xz --robot -l {} \; | awk -F'\t' '$1 == "totals" { n += $2 } END { print n }')"
