# Inputs, outputs and exit statuses: stdin, record streams, -o replaced whole,
# an interrupt leaves no partial output, --max-rejects, unreadable inputs.
source "$(dirname "$0")/../lib.sh"

good='doc-1	2013-09-10T14:21:51.255Z	idle-daily	Firefox	23.0.1	release	20130814063812		{"ver":1,"info":{"reason":"idle-daily","appName":"Firefox","appVersion":"23.0.1","appUpdateChannel":"release","appBuildID":"20130814063812"}}'
spaced='doc-2	2013-09-10T14:21:52.000Z						1.2.3.4	{ "ver" : 2 , "info" : { "appName" : "Fennec" } , "x" : [ 1e5 , 0.50 ] }'
printf '%s\n%s\nnot a record\n' "$good" "$spaced" > "$T/in.tsv"

out=$("$TM_BIN/tm-validate" -q < "$T/in.tsv")
check_eq "stdin, and a record stream is passed on as it came" "$good" "$(printf '%s\n' "$out" | head -1)"
check_eq "compacted, numbers as written, dimensions from info where it has them" \
  'doc-2	2013-09-10T14:21:52.000Z		Fennec				1.2.3.4	{"ver":2,"info":{"appName":"Fennec"},"x":[1e5,0.50]}' \
  "$(printf '%s\n' "$out" | tail -1)"
check_eq "'-' is stdin" "$out" "$("$TM_BIN/tm-validate" -q - < "$T/in.tsv")"
check_eq "idempotent" "$out" "$(printf '%s\n' "$out" | "$TM_BIN/tm-validate" -q)"

"$TM_BIN/tm-validate" --rejects "$T/rej" "$T/in.tsv" > /dev/null 2> "$T/err"
check_eq "a line that is not a record" "corrupted_data	$T/in.tsv: line 3: expected 9 tab-separated columns, found 1" \
  "$(cut -f1,2 "$T/rej")"
check_eq "its bytes kept" "not a record" "$(cut -f11 "$T/rej")"

# -o: the file appears whole at the end, and a re-run replaces it.
"$TM_BIN/tm-validate" -q -o "$T/valid.tsv" "$T/in.tsv"
check_eq "-o" "$out" "$(cat "$T/valid.tsv")"
"$TM_BIN/tm-validate" -q -o "$T/valid.tsv" "$T/in.tsv"
check_eq "re-run replaces" 2 "$(wc -l < "$T/valid.tsv")"

# An interrupt: no partial output, no temporary file, death by the signal.
mkfifo "$T/fifo"
rm -f "$T/valid.tsv"
"$TM_BIN/tm-validate" -q -o "$T/valid.tsv" --rejects "$T/rej2" "$T/fifo" 2> "$T/err" &
pid=$!
exec 3> "$T/fifo"
printf '%s\n' "$good" >&3
sleep 0.3
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
exec 3>&-
check_eq "killed by SIGTERM" 143 "$rc"
check_eq "nothing left behind" "fifo in.tsv rej" "$(ls "$T" | grep -v '^err$' | xargs)"

# --max-rejects: all records are still sorted, then exit 1.
rc=0
"$TM_BIN/tm-validate" -q --max-rejects 0 -o "$T/valid.tsv" "$T/in.tsv" 2> "$T/err" || rc=$?
check_eq "--max-rejects exit" 1 "$rc"
check_eq "--max-rejects message" "tm-validate: 1 records rejected, more than --max-rejects 0" "$(cat "$T/err")"
check_eq "--max-rejects still writes" 2 "$(wc -l < "$T/valid.tsv")"
"$TM_BIN/tm-validate" -q --max-rejects 1 "$T/in.tsv" > /dev/null

# An input that cannot be read fails the run; the others are still read.
rc=0
"$TM_BIN/tm-validate" -q "$T/missing" "$T/in.tsv" > "$T/out" 2> "$T/err" || rc=$?
check_eq "missing input exit" 1 "$rc"
check_eq "missing input message" "tm-validate: $T/missing: No such file or directory" "$(cat "$T/err")"
check_eq "the other input read" 2 "$(wc -l < "$T/out")"

# A full disk on the output is a failure, and the output is not left half written.
rc=0
"$TM_BIN/tm-validate" -q "$T/in.tsv" > /dev/full 2> "$T/err" || rc=$?
check_eq "write error exit" 1 "$rc"
check_contains "write error message" "No space left on device" "$(cat "$T/err")"

check_eq "empty input" "" "$("$TM_BIN/tm-validate" -q < /dev/null)"
echo "tm-validate reads, writes and exits as documented"
