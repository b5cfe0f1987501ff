# A log is finished when it passes --max-log-size; every record is in exactly one log.
source "$(dirname "$0")/../lib.sh"
start_receiver --max-log-size 2000 --threads 1
for i in $(seq 30); do
  check_eq "post $i" 200 "$(http_code --data-binary "$(printf 'record %03d %0200d' "$i" 0)" "$URL/submit/telemetry/id-$i")"
done
# 30 records of ~230 bytes: a log is finished after every 9th record, before shutdown.
count=$(finished_logs | wc -l)
check_eq "logs finished by size while running" 3 "$count"
for f in $(finished_logs); do
  size=$(stat -c %s "$f")
  [ "$size" -ge 2000 ] && [ "$size" -lt 2300 ] || fail "$f has $size bytes"
done
check_contains "rotations counted" 'tm_receive_log_rotations_total{cause="size"} 3' "$(http "$URL/metrics")"
stop_receiver
check_eq "record count" 30 "$(stored_records | wc -l)"
check_eq "each once" 30 "$(stored_records | cut -f2 | sort -u | wc -l)"
echo "rotated by size"
