# SIGKILL to a run's process group while a tool is half way through, held
# there by a wrapper in TM_BIN: tm-partition with some files of the store
# finished and others being written, tm-upload with half of a log's store
# files published. Then a tool outliving its run: only the run's shell is
# killed during an upload; the tool still holds the run's lock, so a new run
# leaves its logs alone until it is over, and the run after publishes them.
# Each time every record ends up published exactly once, none lost, nothing
# left behind.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 60 10KiB
save_logs

# Mid-partition: the first 20 records, in files finished at 2 KiB, then the
# input stays open.
restore_logs
wrap tm-partition 'exec "$REAL" --max-size 2KiB "$@" < <(head -n 20; exec sleep 600)'
TM_BIN=$T/bin start_process
finished_part() { [ -n "$(find "$T/work" -path '*/partial/store/*' -name '[!.]*.lzma' -print -quit)" ]; }
wait_until "tm-partition to finish a file" finished_part
kill_group "$PROC"
check_eq "mid-partition: nothing published" 0 "$(bucket_files)"
republish mid-partition

# Mid-upload: half of the first log's store files published.
# upload_half: the wrapper's body; $1 what it does once half is published.
upload_half() {
  cat <<'BODY'
manifest='' args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --files-from ]; then manifest=$2; args+=("$1" "$T/half.tsv"); shift 2; continue; fi
  args+=("$1"); shift
done
if [ -n "$manifest" ] && [ ! -e "$T/stalled" ]; then
  head -n $(( ($(wc -l < "$manifest") + 1) / 2 )) "$manifest" > "$T/half.tsv"
  "$REAL" "${args[@]}"
  touch "$T/stalled"
BODY
  echo "$1"
  echo 'fi'
  echo 'exec "$REAL" "$@"'
}
restore_logs
wrap tm-upload "$(upload_half 'exec sleep 600')"
TM_BIN=$T/bin start_process
wait_until "half an upload" test -e "$T/stalled"
kill_group "$PROC"
[ "$(bucket_files)" -gt 0 ] || fail "mid-upload: nothing published"
find "$T/bucket" -type f -printf '%i %p\n' | sort > "$T/before"
republish mid-upload
find "$T/bucket" -type f -printf '%i %p\n' | sort > "$T/after"
check_eq "mid-upload: what was published is not sent again" "" "$(comm -23 "$T/before" "$T/after")"

# An orphan: the run's shell alone is killed while tm-upload is half way;
# tm-upload goes on when told to, and publishes the rest of its log.
restore_logs
wrap tm-upload "$(upload_half 'while [ ! -e "$T/release" ] && [ -d "$T" ]; do sleep 0.05; done
  "$REAL" "$@"; status=$?; touch "$T/orphan-done"; exit $status')"
TM_BIN=$T/bin start_process
wait_until "half an upload" test -e "$T/stalled"
kill -KILL "$PROC"
wait "$PROC" 2> /dev/null || true
dead_run=$(find "$T/work" -mindepth 1 -maxdepth 1 -name 'run-*')
[ -n "$dead_run" ] || fail "orphan: no run directory"
# A run now must not take the logs of a directory whose lock the orphan holds.
run_process
check_eq "orphan: a run during it: exit status" 0 "$rc"
check_eq "orphan: a run during it: nothing said" "" "$(cat "$T/err")"
check_eq "orphan: a run during it: nothing recorded" "" "$(cat "$T/work/stats.jsonl" 2> /dev/null)"
check_eq "orphan: its logs still in the dead run's directory" \
  "$(find "$T/saved/logs" -name '*.finished' | wc -l)" \
  "$(find "$dead_run" -name '*.finished' | wc -l)"
touch "$T/release"
wait_until "the orphan to finish" test -e "$T/orphan-done"
lock_free() { flock -n "$dead_run/lock" true; }
wait_until "the orphan to let go of the lock" lock_free
republish orphan
