# SIGKILL to the whole process group of a run at each point between its steps
# (stopped there by the test-only TM_PROCESS_INCOMING_STOP_AT): after the
# claim, after a log's outputs are frozen, after they are published but before
# the log is deleted, after the commit but before its clean-up. Each time the
# log stays claimed until it is committed, and the next run publishes every
# record exactly once, loses none, and leaves nothing in incoming or the work
# directory, and its line in the stats log counts every record once.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

BAD=1 post_pings 1 60 10KiB
save_logs

for point in claimed frozen published committed; do
  restore_logs
  TM_PROCESS_INCOMING_STOP_AT=$point start_process
  wait_until "the run to stop at $point" is_stopped "$PROC"
  case $point in
    claimed | frozen) check_eq "$point: nothing published yet" 0 "$(bucket_files)" ;;
    published | committed)
      [ "$(bucket_files)" -gt 0 ] || fail "$point: the first log is not published"
      # The objects published so far, by inode: the next run must skip them
      # (same size and SHA-256), not send them again.
      find "$T/bucket" -type f -printf '%i %p\n' | sort > "$T/before"
      ;;
  esac
  kill_group "$PROC"
  if [ "$point" = committed ]; then
    # The first log is published and deleted, but the run died before
    # recording it: the next run records its counts.
    republish "$point" 1
  else
    republish "$point"
  fi
  if [ -f "$T/before" ]; then
    find "$T/bucket" -type f -printf '%i %p\n' | sort > "$T/after"
    comm -23 "$T/before" "$T/after" > "$T/changed"
    [ ! -s "$T/changed" ] || fail "$point: objects published again: $(head -3 "$T/changed")"
    rm "$T/before"
  fi
done
