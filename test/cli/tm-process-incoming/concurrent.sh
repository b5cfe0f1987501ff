# Runs at the same time never take the same log: four runs started at once
# over the same incoming directory publish every record exactly once, and
# between them claim each log once. A live run's logs (its lock held) are
# left alone by the others, and it finishes them itself. Three runs started
# at once after a run was killed adopt its logs between them, each log once.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 80 5KiB
save_logs
logs=$(find "$T/logs" -name '*.finished' | wc -l)
[ "$logs" -ge 6 ] || fail "expected at least 6 logs, got $logs"

# Four at once. A claim is one rename(2) by mv; an mv that waits 0.1-0.3 s first
# (and notes which run tried to take which log) makes each run's claims take
# long enough for the others to start and try to take the same logs.
mkdir "$T/slow"
printf '#!/bin/sh\ncase "$2" in %q/logs/*) echo "$PPID $2" >> %q/attempts ;; esac\nsleep 0.$(($$ %% 3 + 1))\nexec %s "$@"\n' \
  "$T" "$T" "$(command -v mv)" > "$T/slow/mv"
chmod +x "$T/slow/mv"
any_claimed() { [ -n "$(find "$T/work" -name '*.finished' -print -quit 2> /dev/null)" ]; }
restore_logs
pids=()
for i in 1 2 3 4; do
  PATH=$T/slow:$PATH timeout 50 "$PROCESS" "${ARGS[@]}" > "$T/out.$i" 2> "$T/err.$i" &
  pids+=($!)
  [ "$i" != 1 ] || wait_until "the first run's first claim" any_claimed
done
for i in 1 2 3 4; do
  rc=0
  wait "${pids[$((i - 1))]}" || rc=$?
  [ "$rc" = 0 ] || { cat "$T/err.$i" >&2; fail "run $i exited $rc"; }
done
expect_published "$T/bucket"
nothing_left
check_eq "four at once: each log claimed and published once" "[$logs,$logs,0]" \
  "$(stats '[(map(.claimed) | add), (map(.published) | add), (map(.adopted) | add)]')"
check_eq "four at once: every record counted once" 85 "$(stats 'map(.records) | add')"
raced=$(cut -d ' ' -f 2 "$T/attempts" | sort | uniq -d | wc -l)
[ "$raced" -gt 0 ] || fail "the runs did not race: no log was tried by two runs"
echo "four at once: $raced logs tried by more than one run; claims by run: $(stats 'map(.claimed)')" >&2

# A live run, stopped after freezing its first log: another run takes only
# new logs, and leaves the live run's alone.
restore_logs
TM_PROCESS_INCOMING_STOP_AT=frozen start_process
wait_until "the first run to stop" is_stopped "$PROC"
live=$(find "$T/work" -mindepth 1 -maxdepth 1 -name 'run-*')
check_eq "the live run claimed every log" "$logs" "$(find "$live" -name '*.finished' | wc -l)"
mv "$T/saved" "$T/saved.1"
BAD=0 post_pings 81 90 5KiB
new_logs=$(find "$T/logs" -name '*.finished' | wc -l)
timeout 50 "$PROCESS" "${ARGS[@]}" > "$T/out.2" 2> "$T/err.2" || fail "the second run failed: $(cat "$T/err.2")"
check_eq "the second run: only the new logs" "[{\"claimed\":$new_logs,\"adopted\":0,\"published\":$new_logs}]" \
  "$(stats 'map({claimed, adopted, published})')"
check_eq "the live run's logs untouched" "$logs" "$(find "$live" -name '*.finished' | wc -l)"
kill -CONT "$PROC"
rc=0
wait "$PROC" || rc=$?
[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "the live run exited $rc"; }
expect_published "$T/bucket"
nothing_left
check_eq "the live run published its own" "[{\"claimed\":$logs,\"adopted\":0,\"published\":$logs}]" \
  "$(stats 'map({claimed, adopted, published}) | .[1:]')"
rm -rf "$T/saved" && mv "$T/saved.1" "$T/saved"
head -n 80 "$T/valid.ids" > "$T/valid.ids.80" && mv "$T/valid.ids.80" "$T/valid.ids"

# Three at once after a killed run: its logs are adopted once between them.
restore_logs
TM_PROCESS_INCOMING_STOP_AT=claimed start_process
wait_until "the run to stop" is_stopped "$PROC"
kill_group "$PROC"
pids=()
for i in 1 2 3; do
  timeout 50 "$PROCESS" "${ARGS[@]}" > "$T/out.$i" 2> "$T/err.$i" &
  pids+=($!)
done
for i in 1 2 3; do
  rc=0
  wait "${pids[$((i - 1))]}" || rc=$?
  [ "$rc" = 0 ] || { cat "$T/err.$i" >&2; fail "adopting run $i exited $rc"; }
done
expect_published "$T/bucket"
nothing_left
check_eq "adopted once between them" "[$logs,$logs]" \
  "$(stats '[(map(.adopted) | add), (map(.published) | add)]')"
