# SIGTERM (or SIGINT) while reading: every record read so far is in a
# complete, renamed file, the manifest lists them, and the process dies of the
# signal. Two processes write one tree at once without a clash.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

records 50 saved-session > "$T/in.tsv"
mkfifo "$T/fifo"
"$TM_BIN/tm-partition" -q --out "$T/s" --manifest "$T/m" "$T/fifo" 2> "$T/err" &
pid=$!
exec 3> "$T/fifo"
cat "$T/in.tsv" >&3
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
exec 3>&-
check_eq "died of SIGTERM" 143 "$rc"
check_eq "all 50 records read are stored, in finished files" "$(expected_lines "$T/in.tsv")" "$(store_lines "$T/s")"
check_eq "the manifest lists them" 1 "$(wc -l < "$T/m")"
no_temporary_files "$T/s"

# Two at once into one tree: names never clash, nothing is lost.
records 200 saved-session > "$T/a.tsv"
records 200 saved-session | sed 's/^doc-/other-/' > "$T/b.tsv"
"$TM_BIN/tm-partition" -q --out "$T/both" --max-size 2000 "$T/a.tsv" &
p1=$!
"$TM_BIN/tm-partition" -q --out "$T/both" --max-size 2000 "$T/b.tsv" &
p2=$!
wait "$p1"
wait "$p2"
check_eq "two writers: every record of both" "$(cat "$T/a.tsv" "$T/b.tsv" | cut -f1,9 | sort)" "$(store_lines "$T/both")"
no_temporary_files "$T/both"
