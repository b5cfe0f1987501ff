# Helpers of the tm-process-incoming tests, sourced after ../lib.sh. (Not a
# *.sh: every *.sh here is a test.)

PROCESS=$TM_SOURCE/scripts/tm-process-incoming
SPEC="file://$TM_SOURCE/scripts/demo-data/Histograms.json"
REVISION=https://hg.mozilla.org/releases/mozilla-release/rev/a55c55edf302

# ping N [REVISION]: a saved-session ping of Firefox 23, as scripts/demo makes
# them, with a histogram checked against scripts/demo-data/Histograms.json.
ping() {
  local n=$1 revision=${2:-$REVISION} channels=(release beta aurora nightly)
  printf '{"ver":1,"info":{"reason":"saved-session","OS":"Linux","appID":"{ec8030f7-c20a-464f-9b0e-13a3a9e97384}","appVersion":"23.0","appName":"Firefox","appBuildID":"20130814063812","appUpdateChannel":"%s","platformBuildID":"20130814063812","revision":"%s","locale":"en-US","cpucount":%d,"memsize":%d},"simpleMeasurements":{"uptime":%d},"histograms":{"CYCLE_COLLECTOR":{"range":[1,10000],"bucket_count":50,"histogram_type":0,"values":{"0":0,"1":%d,"2":3,"3":0},"sum":%d}}}' \
    "${channels[$((n % 4))]}" "$revision" $((n % 8 + 1)) $((2048 + n * 512)) $((100 + n)) $((n % 5 + 1)) $((n * 13))
}
doc_id() { printf '%08x-0000-4000-8000-%012x' "$1" "$1"; }

# post_pings FIRST LAST [MAX_LOG_SIZE]: runs a real tm-receive (one thread, so
# logs rotate at MAX_LOG_SIZE, default 20KiB) with its logs in $LOG_DIR
# (default $T/logs), posts the valid pings FIRST..LAST with one curl, then
# stops it, which finishes every log. Their doc ids are appended to
# $T/valid.ids. With BAD=1 it also posts one reject of each kind below, once,
# and appends "reason<TAB>doc id" lines to $T/rejected.ids.
post_pings() {
  local first=$1 last=$2 size=${3:-20KiB} n id
  mkdir -p "$T/pings"
  : > "$T/curl.cfg"
  # request URL BODY-FILE [gzip]: one request of the curl config.
  request() {
    {
      [ ! -s "$T/curl.cfg" ] || echo next
      echo "url = \"$URL/submit/telemetry/$1\""
      echo "data-binary = \"@$2\""
      [ -z "${3:-}" ] || echo 'header = "Content-Encoding: gzip"'
      echo 'output = "/dev/null"'
      echo 'write-out = "%{http_code}\n"'
      echo 'noproxy = "*"'
    } >> "$T/curl.cfg"
  }
  start_receiver -t 1 --max-log-size "$size"
  for ((n = first; n <= last; n++)); do
    id=$(doc_id "$n")
    ping "$n" | gzip -c > "$T/pings/$n.gz"
    request "$id/saved-session/Firefox/23.0/release/20130814063812" "$T/pings/$n.gz" gzip
    echo "$id" >> "$T/valid.ids"
  done
  if [ "${BAD:-0}" = 1 ]; then
    id=$(doc_id $((last + 1))); echo 'not json {' > "$T/pings/bad_json"
    request "$id/saved-session/Firefox/23.0/release/20130814063812" "$T/pings/bad_json"
    printf 'bad_json\t%s\n' "$id" >> "$T/rejected.ids"
    id=$(doc_id $((last + 2))); : > "$T/pings/empty"
    request "$id/saved-session/Firefox/23.0/release/20130814063812" "$T/pings/empty"
    printf 'empty_data\t%s\n' "$id" >> "$T/rejected.ids"
    id=$(doc_id $((last + 3))); ping $((last + 3)) > "$T/pings/path"
    request "$id/saved-session/Firefox" "$T/pings/path"
    printf 'invalid_path\t%s\n' "$id/saved-session/Firefox" >> "$T/rejected.ids"
    id=$(doc_id $((last + 4))); ping $((last + 4)) not-a-revision > "$T/pings/revision"
    request "$id/saved-session/Firefox/23.0/release/20130814063812" "$T/pings/revision"
    printf 'unknown_revision\t%s\n' "$id" >> "$T/rejected.ids"
    id=$(doc_id $((last + 5))); ping $((last + 5)) | sed 's/"values":{"0":0/"values":{"0":-1/' > "$T/pings/payload"
    request "$id/saved-session/Firefox/23.0/release/20130814063812" "$T/pings/payload"
    printf 'bad_payload\t%s\n' "$id" >> "$T/rejected.ids"
  fi
  local codes
  codes=$(curl -s -K "$T/curl.cfg" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')
  stop_receiver
  local expected=$((last - first + 1))
  [ "${BAD:-0}" != 1 ] || expected=$((expected + 5))
  check_eq "pings answered 200" "200:$expected " "$codes"
}

# store_ids BUCKET: the doc ids of every record published in the store under
# BUCKET (not its rejects/), read back with xz -dc, sorted, duplicates kept.
store_ids() {
  find "$1" -path "$1/rejects" -prune -o -type f -name '*.lzma' -print0 |
    xargs -0 -r xz -dc | cut -f 1 | sort
}
# rejects_ids BUCKET: "reason<TAB>doc id" of every published reject, sorted.
rejects_ids() {
  find "$1/rejects" -type f -name '*.xz' -print0 2>/dev/null | xargs -0 -r xz -dc | cut -f 1,3 | sort
}
# expect_published BUCKET: every valid ping published exactly once, every
# rejected one once with its reason; nothing else.
expect_published() {
  check_eq "the store: every valid record exactly once" "$(sort "$T/valid.ids")" "$(store_ids "$1")"
  if [ -f "$T/rejected.ids" ]; then
    check_eq "the rejects, with their reasons" "$(sort "$T/rejected.ids")" "$(rejects_ids "$1")"
  fi
}
# nothing_left: no input left in incoming, no unit or run left in the work
# dir (where the stats log and the cache of specs stay).
nothing_left() {
  local left
  left=$(find "$T/logs" -mindepth 1 | head -5)
  [ -z "$left" ] || fail "left in incoming: $left"
  left=$(find "$T/work" -mindepth 1 ! -name stats.jsonl ! -path "$T/work/specs*" | head -5)
  [ -z "$left" ] || fail "left in the work dir: $left"
}

# The usual arguments: $T/logs into file://$T/bucket/, work in $T/work.
ARGS=()
set_args() {
  ARGS=(--incoming "$T/logs" --work-dir "$T/work" --destination "file://$T/bucket/"
    --spec-url "$SPEC")
}
set_args

# run_process ARGS...: a run to its end, with ARGS after the usual ones; sets
# rc, its output in $T/out and $T/err.
run_process() {
  rc=0
  timeout 50 "$PROCESS" "${ARGS[@]}" "$@" > "$T/out" 2> "$T/err" || rc=$?
}

# start_process ARGS...: a run in the background, in a process group of its
# own (setsid), so that the whole group can be killed; sets PROC (its id, and
# the group's).
start_process() {
  setsid "$PROCESS" "${ARGS[@]}" "$@" > "$T/out" 2> "$T/err" &
  PROC=$!
  # setsid(1) calls setsid(2) a moment after the fork.
  wait_until "the run in a process group of its own" own_group "$PROC"
}
own_group() { [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d ' ' -f 3)" = "$1" ]; }

# wait_until WHAT COMMAND...: polls COMMAND until it succeeds (30 s at most).
wait_until() {
  local what=$1
  shift
  for _ in $(seq 600); do
    if "$@"; then return 0; fi
    sleep 0.05
  done
  cat "$T/err" >&2
  fail "waited 30 s for: $what"
}
is_stopped() { [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d ' ' -f 1)" = T ]; }
# kill_group PID: SIGKILL to the whole process group, then reaps the run.
kill_group() {
  kill -KILL -- "-$1"
  wait "$1" 2> /dev/null || true
}

# wrap TOOL BODY: a directory of the real tools ($T/bin, which becomes TM_BIN
# for the runs started after) where TOOL is a bash script running BODY; in
# BODY, $REAL is the real tool.
wrap() {
  local real_bin=$TM_BIN exe
  mkdir -p "$T/bin"
  for exe in "$real_bin"/tm-*; do
    [ -x "$exe" ] && ln -sf "$exe" "$T/bin/"
  done
  rm -f "$T/bin/$1"
  printf '#!/usr/bin/env bash\nREAL=%q\nT=%q\n%s\n' "$real_bin/$1" "$T" "$2" > "$T/bin/$1"
  chmod +x "$T/bin/$1"
}

# stats SELECTOR: jq SELECTOR over the lines of the stats log as one array.
stats() { jq -s -c "$1" "$T/work/stats.jsonl"; }

# save_logs: keeps a copy of the finished logs of $T/logs (and of the ids
# files), for scenarios that each start again from them with restore_logs.
save_logs() {
  rm -rf "$T/saved" && mkdir "$T/saved"
  cp -a "$T/logs" "$T/valid.ids" "$T/saved/"
  [ ! -f "$T/rejected.ids" ] || cp -a "$T/rejected.ids" "$T/saved/"
}
restore_logs() {
  rm -rf "$T/logs" "$T/work" "$T/bucket" "$T/bin" "$T/stalled" "$T/release" "$T/orphan-done"
  cp -a "$T/saved/logs" "$T/logs"
}

# bucket_files: how many objects the bucket holds (0 if there is none).
bucket_files() { find "$T/bucket" -type f 2> /dev/null | wc -l; }
# claimed_logs: the logs held in run directories of the work dir.
claimed_logs() { find "$T/work" -path '*/run-*' ! -path '*/.done-*' -name '*.finished' 2> /dev/null | wc -l; }

# republish WHAT [COMMITTED]: after a killed run that had published and
# deleted COMMITTED logs (default 0), a run to its end publishes everything
# exactly once, adopts all the other logs, and leaves nothing behind; its line
# in the stats log counts every record once, those of the COMMITTED logs
# included (the killed run recorded nothing).
republish() {
  local what=$1 committed=${2:-0} logs
  logs=$(($(find "$T/saved/logs" -name '*.finished' | wc -l) - committed))
  check_eq "$what: the killed run's logs are all claimed" "$logs" "$(claimed_logs)"
  check_eq "$what: nothing in incoming" "" "$(find "$T/logs" -mindepth 1 -print -quit)"
  run_process
  [ "$rc" = 0 ] || { cat "$T/err" >&2; fail "$what: the next run exited $rc"; }
  expect_published "$T/bucket"
  nothing_left
  check_eq "$what: the next run adopted every log" \
    "[{\"adopted\":$logs,\"claimed\":0,\"published\":$logs,\"recovered\":$committed}]" \
    "$(stats 'map({adopted, claimed, published, recovered})')"
  local rejected=0
  [ ! -f "$T/rejected.ids" ] || rejected=$(wc -l < "$T/rejected.ids")
  check_eq "$what: every record counted once" \
    "[$(($(wc -l < "$T/valid.ids") + rejected)),$(wc -l < "$T/valid.ids")]" \
    "$(stats '[(map(.records) | add), (map(.valid) | add)]')"
}
