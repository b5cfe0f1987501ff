# tm-cat reads the v2 logs tm-receive writes and escapes bodies onto one line;
# forcing the wrong version loses nothing silently (everything is reported).
source "$(dirname "$0")/../lib.sh"
start_receiver --include-ip
printf 'line one\nline\ttwo\x01' > "$T/body"
http_code --data-binary @"$T/body" "$URL/submit/telemetry/esc" > /dev/null
stop_receiver
log=$(finished_logs)
check_eq "escaped body" "esc	127.0.0.1	18	line one\\nline\\ttwo\\x01" "$("$TM_BIN/tm-cat" -b "$log" | cut -f2-)"
check_eq "forced v2" "esc" "$("$TM_BIN/tm-cat" --format v2 "$log" | cut -f2)"
rc=0; "$TM_BIN/tm-cat" --format v1 "$log" > "$T/out" 2> "$T/err" || rc=$?
check_eq "wrong version is not a crash" 0 "$rc"
[ -s "$T/err" ] || fail "reading v2 as v1 must report skipped bytes"
rc=0; "$TM_BIN/tm-cat" --format v3 "$log" 2> "$T/err" || rc=$?
check_eq "bad format is a usage error" 2 "$rc"
echo "formats read"
