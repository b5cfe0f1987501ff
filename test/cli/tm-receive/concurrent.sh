# 16 clients at once, 50 distinct bodies each: every body is stored exactly
# once and byte for byte, whatever the interleaving.
source "$(dirname "$0")/../lib.sh"
start_receiver --max-log-size 64KiB
mkdir "$T/bodies"
client() {
  local c=$1 codes=""
  for i in $(seq 50); do
    # Distinct bodies of varied length, binary included (gzip of text).
    printf 'client %02d request %02d %s' "$c" "$i" "$(head -c $((c * 97 + i * 13)) /dev/zero | tr '\0' x)" | gzip -c > "$T/bodies/$c-$i"
    codes+=$(http_code -H 'Content-Encoding: gzip' --data-binary @"$T/bodies/$c-$i" "$URL/submit/telemetry/$c-$i/saved-session/Firefox/23.0/release/20130814063812")
  done
  echo "$codes" > "$T/codes-$c"
}
for c in $(seq 16); do client "$c" & done
wait $(jobs -p | grep -v "^$RECEIVER_PID$")
for c in $(seq 16); do check_eq "client $c answers" "$(printf '200%.0s' $(seq 50))" "$(cat "$T/codes-$c")"; done
stop_receiver
[ "$(finished_logs | wc -l)" -gt 1 ] || fail "expected several logs"
# Compare each stored body, inflated, with what was sent.
stored_records | awk -F'\t' '{print $2 "\t" $5}' | sort > "$T/stored"
for f in "$T"/bodies/*; do n=${f##*/}; printf '%s/saved-session/Firefox/23.0/release/20130814063812\t%s\n' "$n" "$(gzip -dc "$f")"; done | sort > "$T/sent"
check_eq "stored count" 800 "$(wc -l < "$T/stored")"
cmp -s "$T/sent" "$T/stored" || { diff "$T/sent" "$T/stored" | head >&2; fail "stored bodies differ from the sent ones"; }
# And byte-exact in the raw form: the gzip bytes themselves.
sum_sent=$(cat "$T"/bodies/* | wc -c)
sum_stored=$(stored_records | awk -F'\t' '{s += $4} END {print s}')
check_eq "stored body bytes" "$sum_sent" "$sum_stored"
echo "800 bodies from 16 clients stored exactly once"
