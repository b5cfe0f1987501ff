# tm-upload --delete-after killed with SIGKILL mid-run, then run again: a
# killed upload loses nothing (every file gone from the source is in the
# bucket, byte for byte, at every moment) and duplicates nothing (the re-run
# sends only what is missing: the objects already there are skipped, and their
# files removed). A multipart file is among them.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/helpers/s3.sh"
need_s3
start_s3

n=12
for i in $(seq -w 1 $n); do random_file "$T/src/s/f$i.lzma" $((40000 + 1000 * 10#$i)); done
random_file "$T/src/s/big.lzma" $((11 << 20))
n=$((n + 1))
cp -a "$T/src" "$T/pristine"
up() {  # up URL: the job, with the multipart file in 5 MiB parts
  "$UPLOAD" -j 2 --delete-after --multipart-threshold 5MiB --part-size 5MiB --endpoint "$1" \
    "$T/src" s3://tm/sk/
}

# Nothing lost: what left the source is in the bucket, the same.
check_nothing_lost() {
  local f
  for f in $(cd "$T/pristine" && find . -type f | sed 's|^\./||'); do
    [ -e "$T/src/$f" ] && continue
    aws_s3 s3 cp --quiet "s3://tm/sk/$f" "$T/got" || fail "$1: $f removed but not in the bucket"
    cmp -s "$T/got" "$T/pristine/$f" || fail "$1: $f removed but its object differs"
  done
}

start_proxy --delay 0.25
"$UPLOAD" -j 2 --delete-after --multipart-threshold 5MiB --part-size 5MiB --endpoint "$PROXY_URL" \
  "$T/src" s3://tm/sk/ 2> "$T/err" &
pid=$!
disown "$pid"  # no "Killed" notice from bash; its death is checked with kill -0
for _ in $(seq 200); do
  [ "$(proxy_count '^PUT /tm/sk/s/f[0-9]*\.lzma$')" -ge 3 ] && break
  sleep 0.05
done
kill -KILL "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.02; done
kill -0 "$pid" 2> /dev/null && fail "tm-upload survived SIGKILL"
left=$(find "$T/src" -type f | wc -l)
[ "$left" -lt $n ] && [ "$left" -gt 0 ] || fail "the kill did not land mid-run: $left of $n files left"
check_nothing_lost "right after the kill"
sleep 0.5  # the proxy finishes what it was forwarding when tm-upload died
check_nothing_lost "once the proxy is idle"
stop_proxy

start_proxy
before=$(s3_keys sk/ | wc -l)
up "$PROXY_URL" 2> "$T/err"
check_contains "re-run" "tm-upload: $left files: $((left - (before - (n - left)))) uploaded, $((before - (n - left))) skipped, 0 failed" \
  "$(cat "$T/err")"
check_eq "re-run: whole-object PUTs and multipart uploads only for what was missing" \
  $((n - before)) $(($(proxy_count '^PUT /tm/sk/s/f[0-9]*\.lzma$') + $(proxy_count '^POST .*\?uploads=$')))
check_eq "every file removed" 0 "$(find "$T/src" -type f | wc -l)"
check_same_tree "after the re-run" "$T/pristine" sk/
echo "SIGKILL then re-run: $((n - before)) uploaded, none twice, nothing lost"
