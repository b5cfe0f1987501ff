#!/usr/bin/env bash
# bench/receive.sh: tm-receive against nginx on loopback, with wrk.
#
# nginx answers `return 200 "OK"` to every POST and throws the body away: it is
# the ceiling for "an HTTP server on this machine". tm-receive stores every
# submission in a raw log before answering. Both get the same load: wrk, keep-alive
# connections, a POST to /submit/telemetry/<unique id>/saved-session/Firefox/23.0/
# release/20130814063812 per request, with one of two bodies:
#   18k   a ~75 KB telemetry-like JSON document (histograms, info fields), gzip'd
#         to ~18 KB, generated here, byte for byte the same on every run
#   100b  a 100-byte JSON document
# For each body, ROUNDS rounds each run nginx and tm-receive once (the order
# alternates between rounds); the table gives the median per target. After each
# tm-receive run the server is stopped with SIGTERM, and the records in its
# finished raw logs (counted with tm-cat) are checked against the 2xx answers wrk
# received: every answered submission must be stored. The script exits 1 if one
# is missing.
#
# Everything listens on 127.0.0.1 only. Needs wrk, nginx, curl, gzip, awk, and a
# built tree (cmake --build build).
#
# Environment (defaults in brackets):
#   TM_BIN        tm-receive binary [<repo>/build/tm-receive]; tm-cat is taken
#                 from the same directory, or from TM_CAT. Both are copied first,
#                 so that a rebuild during the benchmark changes nothing.
#   WRK, NGINX    the wrk and nginx commands [wrk, nginx]
#   DURATION      wrk duration per run [10s]
#   ROUNDS        rounds per body [3]
#   WRK_THREADS   wrk threads [2]
#   CONNECTIONS   wrk connections [64]
#   WRK_TIMEOUT   wrk request timeout [2s]
#   BODIES        bodies to run ["18k 100b"]
#   LOG_DIR_BASE  directory under which tm-receive's log dirs are made [the temp
#                 dir, i.e. $TMPDIR or /tmp]; e.g. /dev/shm for tmpfs
#   SERVER_THREADS  tm-receive -t and nginx worker_processes [2]: the same
#                 number of server threads for both
#   COOLDOWN      seconds of pause between runs [2]
#   IDLE_MAX, IDLE_WAIT, RETRIES  a shared machine running something else
#                 gives meaningless figures. Before each run, wait up to IDLE_WAIT
#                 seconds [120] for the machine to be at most IDLE_MAX % busy [10];
#                 a run during which processes outside this script used more than
#                 IDLE_MAX % of the machine, or the hypervisor took more than that
#                 (steal time), is run again, up to RETRIES runs in all
#                 [3]; the last one is kept, flagged.
#   GOAL          target ratio tm-receive/nginx, req/s [0.7]
#   KEEP          1: keep the temp dir and the logs [0]
#
# Example: DURATION=10s ROUNDS=3 bench/receive.sh
#          LOG_DIR_BASE=/dev/shm bench/receive.sh
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TM_BIN=${TM_BIN:-$ROOT/build/tm-receive}
TM_CAT=${TM_CAT:-$(dirname "$TM_BIN")/tm-cat}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WRK_THREADS=${WRK_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_TIMEOUT=${WRK_TIMEOUT:-2s}
BODIES=${BODIES:-18k 100b}
LOG_DIR_BASE=${LOG_DIR_BASE:-}
SERVER_THREADS=${SERVER_THREADS:-2}
COOLDOWN=${COOLDOWN:-2}
IDLE_MAX=${IDLE_MAX:-10}
IDLE_WAIT=${IDLE_WAIT:-120}
RETRIES=${RETRIES:-3}
GOAL=${GOAL:-0.7}
KEEP=${KEEP:-0}
WRK=${WRK:-wrk}
NGINX=${NGINX:-nginx}
readonly ADDR=127.0.0.1
readonly SUBMIT_TAIL=saved-session/Firefox/23.0/release/20130814063812

die() { echo "receive.sh: $*" >&2; exit 2; }
note() { echo "receive.sh: $*" >&2; }

for tool in "$WRK" "$NGINX" curl gzip awk sort; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $TM_BIN == /* ]] || TM_BIN=$PWD/$TM_BIN
[[ $TM_CAT == /* ]] || TM_CAT=$PWD/$TM_CAT
[[ -x $TM_BIN ]] || die "no tm-receive at $TM_BIN (cmake --build build, or set TM_BIN)"
[[ -x $TM_CAT ]] || die "no tm-cat at $TM_CAT (set TM_CAT)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $RETRIES =~ ^[1-9][0-9]*$ ]] || die "RETRIES must be a positive integer"

# --- processes and clean-up -------------------------------------------------------

WORK="" LOGS="" NGINX_PID="" TM_PID="" WRK_PID=""

alive() {  # running, not a zombie
  local state
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

stop_pid() {  # pid signal seconds: signal, wait that long, then SIGKILL; reap
  local pid=$1 sig=$2 secs=$3 i
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    note "pid $pid still running after SIG$sig and ${secs}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n $WRK_PID ]] && { stop_pid "$WRK_PID" TERM 5 || true; }
  [[ -n $TM_PID ]] && { stop_pid "$TM_PID" TERM 30 || true; }
  [[ -n $NGINX_PID ]] && { stop_pid "$NGINX_PID" TERM 10 || true; }
  if [[ $KEEP == 1 ]]; then
    note "kept ${WORK:-} ${LOGS:-}"
  else
    [[ -n $LOGS ]] && rm -rf "$LOGS"
    [[ -n $WORK ]] && rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'note "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tm-bench.XXXXXX")
if [[ -n $LOG_DIR_BASE ]]; then
  [[ -d $LOG_DIR_BASE ]] || die "LOG_DIR_BASE $LOG_DIR_BASE is not a directory"
  LOGS=$(mktemp -d "$LOG_DIR_BASE/tm-bench-logs.XXXXXX")
else
  LOGS=$(mktemp -d "$WORK/logs.XXXXXX")
fi

# Others may rebuild the tree while this runs: measure one copy of the binaries.
mkdir "$WORK/bin"
cp "$TM_BIN" "$WORK/bin/tm-receive"
cp "$TM_CAT" "$WORK/bin/tm-cat"
TM_BIN_SOURCE=$TM_BIN
TM_BIN=$WORK/bin/tm-receive
TM_CAT=$WORK/bin/tm-cat

# --- bodies -----------------------------------------------------------------------

# A saved-session ping as Firefox 23 sent them: info fields, simple measurements,
# ~370 histograms (range, bucket_count, type, the non-empty buckets and their
# neighbours, sums), slow SQL. Park-Miller PRNG, exact in awk's doubles.
cat > "$WORK/telemetry.awk" <<'AWK'
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function ri(n) { return int(rnd() * n) }
function pick(list,   a, n) { n = split(list, a, " "); return a[1 + ri(n)] }
BEGIN {
  seed = 20130814
  prefixes = "A11Y CACHE CANVAS CERT CHECK COMPOSITE CYCLE_COLLECTOR DNS FX GC GFX HTTP IMAGE JS LOCALDOMSTORAGE MEMORY NETWORK PLACES PLUGIN SPDY SSL STARTUP TELEMETRY TLS URLCLASSIFIER WORD_CACHE XUL"
  middles = "PAGE_LOAD SESSION_RESTORE TAB_SWITCH CONNECT_TIME LOOKUP_TIME SUB_CACHE DISK_CACHE MEMORY_CACHE TRANSACTION SWEEP MARK COMPACT DECODE DRAW PAINT HEAP_ALLOCATED RESIDENT VSIZE REQUEST FIRST_SENT OPEN_TO_FIRST SENT"
  suffixes = "MS US COUNT RATIO SIZE_KB HIT MISS FLAG TOTAL LATENCY V2 V3 BYTES"
  printf "{\"ver\":1,\"info\":{\"reason\":\"saved-session\",\"OS\":\"WINNT\",\"appID\":\"{ec8030f7-c20a-464f-9b0e-13a3a9e97384}\","
  printf "\"appVersion\":\"23.0\",\"appName\":\"Firefox\",\"appBuildID\":\"20130814063812\",\"appUpdateChannel\":\"release\","
  printf "\"platformBuildID\":\"20130814063812\",\"locale\":\"en-US\",\"cpucount\":4,\"memsize\":8107,\"arch\":\"x86-64\","
  printf "\"version\":\"6.1\",\"hasMMX\":true,\"hasSSE\":true,\"hasSSE2\":true,\"hasSSE3\":true,\"hasSSSE3\":true,\"hasSSE4A\":false,"
  printf "\"hasSSE4_1\":true,\"hasSSE4_2\":true,\"hasEDSP\":false,\"hasARMv6\":false,\"hasARMv7\":false,\"hasNEON\":false,"
  printf "\"isWow64\":false,\"adapterDescription\":\"NVIDIA GeForce GT 640M\",\"adapterVendorID\":\"0x10de\",\"adapterDeviceID\":\"0x0fd2\","
  printf "\"adapterRAM\":\"1024\",\"adapterDriver\":\"nvd3dumx,nvwgf2umx,nvwgf2umx nvd3dum,nvwgf2um,nvwgf2um\",\"adapterDriverVersion\":\"9.18.13.1106\","
  printf "\"adapterDriverDate\":\"2-8-2013\",\"DWriteEnabled\":true,\"DWriteVersion\":\"6.2.9200.16492\",\"flashVersion\":\"11.8.800.94\","
  printf "\"addons\":\"{972ce4c6-7e08-4474-a285-3208198ce6fd}:23.0,%%7B%s%%7D:1.4.%d,firebug%%40software.joehewitt.com:1.11.4\"},", "d10d0bf8-f5b5-c8b4-a8b2-2b9879e08c5d", ri(9)
  printf "\"simpleMeasurements\":{\"uptime\":%d,\"main\":%d,\"firstPaint\":%d,\"sessionRestored\":%d,\"createTopLevelWindow\":%d,", 30 + ri(900), 100 + ri(300), 2000 + ri(3000), 2500 + ri(3000), 600 + ri(400)
  printf "\"AMI_startup_begin\":%d,\"XPI_startup_begin\":%d,\"XPI_startup_end\":%d,\"startupInterrupted\":0,\"js\":{\"setTimeout\":%d},", 400 + ri(200), 450 + ri(200), 700 + ri(300), ri(5000)
  printf "\"maximalNumberOfConcurrentThreads\":%d,\"startupCrashDetectionBegin\":%d,\"startupCrashDetectionEnd\":%d},", 30 + ri(40), 300 + ri(100), 30000 + ri(9000)
  printf "\"histograms\":{"
  for (h = 0; h < 370; h++) {
    name = pick(prefixes) "_" pick(middles) "_" pick(suffixes)
    if (name in seen) name = name "_" h
    seen[name] = 1
    type = ri(4)   # 0 exponential, 1 linear, 2 boolean, 3 flag
    if (type >= 2) { lo = 0; hi = 1; n = 3 } else { lo = 1; hi = (type ? 100 : 10000) * (1 + ri(6)); n = type ? 10 + ri(40) : 20 + ri(30) }
    printf "%s\"%s\":{\"range\":[%d,%d],\"bucket_count\":%d,\"histogram_type\":%d,\"values\":{", h ? "," : "", name, lo, hi, n, type
    centre = ri(n); width = 1 + ri(4); sum = 0; first = 1; b = 0
    for (i = 0; i < n; i++) {
      if (type == 0) bound = (i == 0) ? 0 : int(exp(log(hi) * i / (n - 1)) + 0.5)
      else bound = (i == 0) ? 0 : int(lo + (hi - lo) * (i - 1) / (n - 2))
      if (bound <= b && i > 0) bound = b + 1
      b = bound
      d = i - centre; if (d < 0) d = -d
      if (d > width + 1) continue
      c = (d > width) ? 0 : int((1 + ri(40000)) / (1 + d * d))
      sum += c * bound
      printf "%s\"%d\":%d", first ? "" : ",", bound, c
      first = 0
    }
    printf "},\"sum\":%d", sum
    if (type == 0) printf ",\"log_sum\":%.6f,\"log_sum_squares\":%.6f", log(1 + sum), log(1 + sum) * log(1 + sum) * (1 + rnd())
    else printf ",\"sum_squares_lo\":%d,\"sum_squares_hi\":0", sum * (1 + ri(50))
    printf "}"
  }
  printf "},\"slowSQL\":{\"mainThread\":{},\"otherThreads\":{"
  for (i = 0; i < 12; i++)
    printf "%s\"SELECT h.url, h.title, f.url FROM moz_places h LEFT JOIN moz_favicons f ON h.favicon_id = f.id WHERE h.id = :id /* places.sqlite #%d */\":[%d,%d]", i ? "," : "", i, 1 + ri(20), 100 + ri(5000)
  printf "}},\"chromeHangs\":{\"memoryMap\":[],\"stacks\":[],\"durations\":[]},\"lateWrites\":{\"memoryMap\":[],\"stacks\":[]},\"addonHistograms\":{}}"
}
AWK
awk -f "$WORK/telemetry.awk" > "$WORK/body-18k.json"
gzip -n -9 -c "$WORK/body-18k.json" > "$WORK/body-18k.json.gz"
printf '%s' '{"ver":1,"info":{"reason":"saved-session","appName":"Firefox"},"simpleMeasurements":{"uptime":1234}}' \
  > "$WORK/body-100b.json"
[[ $(wc -c < "$WORK/body-100b.json") -eq 100 ]] || die "small body is not 100 bytes"

body_file() { case $1 in 18k) echo "$WORK/body-18k.json.gz" ;; 100b) echo "$WORK/body-100b.json" ;; *) die "unknown body $1" ;; esac; }
body_encoding() { case $1 in 18k) echo gzip ;; *) echo identity ;; esac; }
for b in $BODIES; do body_file "$b" >/dev/null; done

# --- wrk script -------------------------------------------------------------------

# Each request gets a path of its own: <run>-<thread>-...-<counter>, UUID-shaped.
# done() prints one machine-readable line.
cat > "$WORK/submit.lua" <<'LUA'
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()
  run = tonumber(args[2])
  tail = args[4]
  counter = 0
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json; charset=UTF-8"
  if args[3] == "gzip" then wrk.headers["Content-Encoding"] = "gzip" end
end
function request()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", run, tid, counter)
  return wrk.format(nil, "/submit/telemetry/" .. id .. "/" .. tail)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d status=%d timeout=%d connect=%d read=%d write=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.timeout, e.connect, e.read, e.write,
    latency:percentile(50), latency:percentile(99)))
end
LUA

# --- measurements -----------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)

cpu_ticks() {  # utime+stime of the given processes (all their threads), in clock ticks
  local p
  for p; do cat "/proc/$p/stat" 2>/dev/null || true; done |
    awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%d\n", s }'
}

machine_cpu() {  # "busy total steal iowait" clock ticks over all cores, from /proc/stat
  # user nice system idle iowait irq softirq steal: busy leaves out idle, iowait and
  # steal (time the hypervisor gave to someone else); guest time is inside user.
  awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6 - $9, t, $9, $6; exit }' /proc/stat
}

share_pct() {  # "busy total steal iowait" before, after, field: that field's share of the total, %
  awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f\n", (y[2] - x[2]) ? 100 * (y[f] - x[f]) / (y[2] - x[2]) : 0 }'
}

busy_pct() { share_pct "$1" "$2" 1; }  # percentage of all cores busy

# The machine is shared: wait (up to IDLE_WAIT seconds) until it is quiet before
# a run, so that someone else's load does not end up in the figures. Sets
# PRE_BUSY to the last one-second sample.
PRE_BUSY=0
wait_idle() {
  local start=$SECONDS a b
  while :; do
    a=$(machine_cpu); sleep 1; b=$(machine_cpu)
    PRE_BUSY=$(( $(busy_pct "$a" "$b") + $(share_pct "$a" "$b" 3) ))  # busy or stolen
    ((PRE_BUSY <= IDLE_MAX)) && return 0
    if ((SECONDS - start >= IDLE_WAIT)); then
      note "machine still ${PRE_BUSY}% busy before the run after ${IDLE_WAIT}s: figures will be disturbed"
      return 0
    fi
  done
}

# CPU ticks used so far by every process outside this script's process tree and
# not a kernel thread ("pid ticks name" lines; utime+stime+cutime+cstime, so that
# a child that ran and was reaped in between still shows in its parent). Another
# benchmark or a compiler on the same cores shows here.
foreign_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v me=$$ '{
      pid = $1 + 0; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      ppid[pid] = f[2] + 0; t[pid] = f[12] + f[13] + f[14] + f[15]
      c = $0; sub(/^[0-9]+ \(/, "", c); sub(/\) [^)]*$/, "", c); gsub(/[ \t]/, "_", c); name[pid] = c
    }
    END {
      for (p in t) {
        q = p + 0; mine = 0   # numbers: array keys are strings, and "12" < "2"
        for (n = 0; n < 100 && q > 2; n++) { if (q == me + 0) { mine = 1; break }; q = ppid[q] + 0 }
        if (!mine && q != 2 && p + 0 != 2) print p, t[p], name[p]
      }
    }'
}

# "percent name": the share of all cores that foreign processes used between two
# foreign_ticks snapshots, and the name of the one that used most. A process gone
# in between was reaped by a foreign parent, whose cutime then took all its
# ticks: its ticks from before are taken off again.
foreign_pct() {  # foreign_ticks files before, after; "busy total" before, after
  awk -v a="$3" -v b="$4" 'NR == FNR { t0[$1] = $2; n0[$1] = $3; next }
    { d = $2 - ((($1 in t0) && n0[$1] == $3 && t0[$1] <= $2) ? t0[$1] : 0); s += d; seen[$1] = 1
      if (d > top) { top = d; topname = $3 } }
    END {
      for (p in t0) if (!(p in seen)) s -= t0[p]
      if (s < 0) s = 0
      split(a, x, " "); split(b, y, " ")
      printf "%.0f %s\n", (y[2] - x[2]) ? 100 * s / (y[2] - x[2]) : 0, top ? topname : "-" }' "$1" "$2"
}

# user+sys of this shell's reaped children, ms (bash `times`, 2nd line). `times`
# must run in this shell, not in a $(...) subshell: hence the variable.
CHILDREN_CPU_MS=0
children_cpu_ms() {
  times > "$WORK/times"
  CHILDREN_CPU_MS=$(awk 'NR == 2 {
    s = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); s += a[1] * 60 + a[2] }
    printf "%d\n", s * 1000 + 0.5 }' "$WORK/times")
}

median() {  # of the numbers on stdin
  sort -g |
    awk '{ a[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# --- servers ----------------------------------------------------------------------

NGINX_PORT=""
start_nginx() {
  local dir=$WORK/nginx attempt port i
  mkdir -p "$dir"
  for ((attempt = 0; attempt < 20; attempt++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if command -v ss >/dev/null && [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then continue; fi
    cat > "$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $SERVER_THREADS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  client_max_body_size 1m;
  client_body_buffer_size 256k;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  server {
    listen $ADDR:$port;
    location / { return 200 "OK"; }
  }
}
EOF
    : > "$dir/error.log"
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/stderr" &
    NGINX_PID=$!
    for ((i = 0; i < 50; i++)); do
      alive "$NGINX_PID" || break
      if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST --data-binary @"$WORK/body-100b.json" \
              "http://$ADDR:$port/submit/telemetry/probe/$SUBMIT_TAIL" 2>/dev/null) == 200 ]]; then
        NGINX_PORT=$port
        return 0
      fi
      sleep 0.1
    done
    stop_pid "$NGINX_PID" TERM 5 || true
    NGINX_PID=""
    grep -q 'Address already in use' "$dir/error.log" "$dir/stderr" || { cat "$dir/error.log" "$dir/stderr" >&2; die "nginx did not start"; }
  done
  die "no free port for nginx"
}

nginx_pids() { echo "$NGINX_PID"; pgrep -P "$NGINX_PID" || true; }

TM_PORT=""
start_tm() {  # log dir
  local err=$WORK/tm-receive.err i
  : > "$err"
  "$TM_BIN" -a "$ADDR" -p 0 -d "$1" -t "$SERVER_THREADS" 2>"$err" &
  TM_PID=$!
  for ((i = 0; i < 100; i++)); do
    TM_PORT=$(sed -n "s|^tm-receive: listening on http://$ADDR:\([0-9][0-9]*\)/.*|\1|p" "$err" | head -n 1)
    [[ -n $TM_PORT ]] && return 0
    alive "$TM_PID" || break
    sleep 0.1
  done
  cat "$err" >&2
  die "tm-receive did not start"
}

# --- one run ----------------------------------------------------------------------

RESULTS=$WORK/results.tsv
printf 'body\ttarget\tround\treq_s\tp99_us\trequests\tstatus\ttimeout\tconnect\tread\twrite\tsrv_cpu_us_req\twrk_cpu_us_req\tbusy_pct\tsteal_pct\tiowait_pct\tother_cpu_us_req\tstored\tok2xx\tunanswered\tlost\n' > "$RESULTS"
LOST_TOTAL=0
PROBLEMS=0
NOISY=0
REDONE=0
RUN=0
DISTURBED=0

# One wrk run against one target. Sets DISTURBED=1 if other processes used more
# than IDLE_MAX % of the machine meanwhile; such a run is only kept (and flagged)
# when `final` is 1, else the caller runs it again. The records check counts either way.
run_one() {  # body target round final
  local body=$1 target=$2 round=$3 final=$4 port logdir="" pids=()
  RUN=$((RUN + 1))
  if [[ $target == tm-receive ]]; then
    logdir=$LOGS/$body-r$round-$RUN
    start_tm "$logdir"
    port=$TM_PORT
    pids=("$TM_PID")
  else
    port=$NGINX_PORT
    mapfile -t pids < <(nginx_pids)
  fi
  sync
  wait_idle
  local srv0 m0 w0 srv1 m1 w1 out=$WORK/wrk-$body-$target-r$round-$RUN.out
  foreign_ticks > "$WORK/foreign.0"
  srv0=$(cpu_ticks "${pids[@]}")
  m0=$(machine_cpu)
  children_cpu_ms
  w0=$CHILDREN_CPU_MS
  "$WRK" -t "$WRK_THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout "$WRK_TIMEOUT" --latency \
    -s "$WORK/submit.lua" "http://$ADDR:$port/" -- \
    "$(body_file "$body")" "$RUN" "$(body_encoding "$body")" "$SUBMIT_TAIL" > "$out" 2>&1 &
  WRK_PID=$!
  local wrk_rc=0
  wait "$WRK_PID" || wrk_rc=$?
  WRK_PID=""
  children_cpu_ms
  w1=$CHILDREN_CPU_MS
  m1=$(machine_cpu)
  srv1=$(cpu_ticks "${pids[@]}")
  foreign_ticks > "$WORK/foreign.1"
  if ((wrk_rc != 0)) || ! grep -q '^WRK_RESULT ' "$out"; then
    cat "$out" >&2
    die "wrk failed ($wrk_rc) against $target"
  fi

  local requests duration_us status timeout connect read write p99_us
  read -r requests duration_us status timeout connect read write p99_us < <(
    sed -n 's/^WRK_RESULT //p' "$out" | tr ' ' '\n' |
      awk -F= '{ v[$1] = $2 } END { print v["requests"], v["duration_us"], v["status"], v["timeout"], v["connect"], v["read"], v["write"], v["p99_us"] }')
  # wrk counts a request in `requests` when its whole answer arrived; `status` are
  # those with a status > 399, `timeout` those that took longer than --timeout
  # (taken as not 2xx here, to be safe). connect/read/write errors are never in
  # `requests`: the connection broke before an answer was complete.
  local ok2xx=$((requests - status - timeout))
  local req_s srv_us wrk_us busy other_us foreign foreign_top steal iowait
  req_s=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')
  srv_us=$(awk -v a="$srv0" -v b="$srv1" -v r="$requests" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", r ? (b - a) * 1e6 / hz / r : 0 }')
  wrk_us=$(awk -v a="$w0" -v b="$w1" -v r="$requests" 'BEGIN { printf "%.1f", r ? (b - a) * 1e3 / r : 0 }')
  busy=$(busy_pct "$m0" "$m1")
  steal=$(share_pct "$m0" "$m1" 3)
  iowait=$(share_pct "$m0" "$m1" 4)
  read -r foreign foreign_top < <(foreign_pct "$WORK/foreign.0" "$WORK/foreign.1" "$m0" "$m1")
  # The machine's busy time not charged to the server, to wrk or to other
  # processes: interrupts and softirqs not run on their behalf, kernel threads
  # (page-cache writeback), this script.
  other_us=$(awk -v a="$m0" -v b="$m1" -v s="$srv_us" -v w="$wrk_us" -v f="$foreign" -v r="$requests" -v hz="$CLK_TCK" \
    'BEGIN { split(a, x, " "); split(b, y, " ");
             printf "%.1f", r ? ((y[1] - x[1]) - f / 100 * (y[2] - x[2])) * 1e6 / hz / r - s - w : 0 }')
  # Time the hypervisor gave to other guests is as bad as a process of ours.
  DISTURBED=0
  ((foreign <= IDLE_MAX && steal <= IDLE_MAX)) || DISTURBED=1

  local stored="-" unanswered="-" lost="-" check=""
  if [[ $target == tm-receive ]]; then
    local rc=0
    stop_pid "$TM_PID" TERM 30 || rc=$?
    TM_PID=""
    ((rc == 0)) || { note "tm-receive exited with status $rc"; PROBLEMS=$((PROBLEMS + 1)); }
    local summary unfinished=0 f files=()
    summary=$(sed -n 's/^tm-receive: stopped: \([0-9]*\) submissions stored.*/\1/p' "$WORK/tm-receive.err")
    if grep -v -e '^tm-receive: listening on ' -e '^tm-receive: stopped: ' "$WORK/tm-receive.err" | grep -q .; then
      note "tm-receive said:"; sed 's/^/    /' "$WORK/tm-receive.err" >&2
    fi
    for f in "$logdir"/*; do
      [[ -e $f ]] || continue
      if [[ $f == *.finished ]]; then files+=("$f"); else unfinished=$((unfinished + 1)); fi
    done
    if ((unfinished)); then
      note "$unfinished log(s) in $logdir not finished after SIGTERM"
      PROBLEMS=$((PROBLEMS + 1))
    fi
    stored=0
    if ((${#files[@]})); then
      if ! stored=$("$TM_CAT" "${files[@]}" 2>"$WORK/tm-cat.err" | wc -l); then
        note "tm-cat failed:"; cat "$WORK/tm-cat.err" >&2
        PROBLEMS=$((PROBLEMS + 1))
      fi
      if [[ -s $WORK/tm-cat.err ]]; then note "tm-cat said:"; cat "$WORK/tm-cat.err" >&2; fi
    fi
    stored=$((stored + 0))
    if [[ -n $summary && $summary != "$stored" ]]; then
      note "tm-receive reported $summary stored, tm-cat counts $stored"
      PROBLEMS=$((PROBLEMS + 1))
    fi
    if ((stored >= ok2xx)); then lost=0; unanswered=$((stored - ok2xx)); else lost=$((ok2xx - stored)); unanswered=0; fi
    LOST_TOTAL=$((LOST_TOTAL + lost))
    check="stored $stored, 2xx answers $ok2xx, lost $lost"
    ((unanswered == 0)) || check+=", $unanswered stored but unanswered (in flight when wrk stopped)"
    [[ $KEEP == 1 ]] || rm -rf "$logdir"
  fi
  local errs=""
  ((status == 0)) || errs+=" non-2xx $status"
  ((timeout + connect + read + write == 0)) || errs+=" socket errors: connect $connect read $read write $write timeout $timeout"
  local load=""
  ((foreign <= IDLE_MAX)) || load="other processes used ${foreign}% of the machine (most: $foreign_top)"
  ((steal <= IDLE_MAX)) || load+="${load:+, }the hypervisor took ${steal}% (steal)"
  if ((DISTURBED)); then
    if ((final)); then
      errs+=" $load: disturbed, kept"
      NOISY=$((NOISY + 1))
    else
      errs+=" $load: disturbed, run again"
      REDONE=$((REDONE + 1))
    fi
  fi
  printf '  round %d %-4s %-10s %9.1f req/s  p99 %7.2f ms  server %5.1f CPU-us/req  wrk %5.1f CPU-us/req  machine %3s%% busy (steal %s%%, iowait %s%%), other %5.1f CPU-us/req%s%s\n' \
    "$round" "$body" "$target" "$req_s" "$(awk -v u="$p99_us" 'BEGIN { print u / 1000 }')" "$srv_us" "$wrk_us" "$busy" "$steal" "$iowait" "$other_us" \
    "${errs:+ [$errs ]}" "${check:+  | $check}"
  sleep "$COOLDOWN"
  if ((DISTURBED && !final)); then return 0; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$body" "$target" "$round" "$req_s" "$p99_us" "$requests" "$status" "$timeout" "$connect" "$read" "$write" \
    "$srv_us" "$wrk_us" "$busy" "$steal" "$iowait" "$other_us" "$stored" "$ok2xx" "$unanswered" "$lost" >> "$RESULTS"
}

# --- main -------------------------------------------------------------------------

col_values() {  # body target field-name: the values of one column
  awk -F'\t' -v b="$1" -v t="$2" -v f="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $1 == b && $2 == t { print $c[f] }' "$RESULTS"
}
sum_column() { col_values "$@" | awk '{ s += $1 } END { printf "%d\n", s }'; }

echo "tm-receive vs nginx, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$TM_BIN_SOURCE")/CMakeCache.txt" 2>/dev/null || true)
echo "  tm-receive: $TM_BIN_SOURCE, -t $SERVER_THREADS (built $(date -u -r "$TM_BIN_SOURCE" +%Y-%m-%dT%H:%M:%SZ)${build_type:+, $build_type}, sha256 $(sha256sum < "$TM_BIN" | cut -c1-12); source at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- lib tools 2>/dev/null || echo ' + local changes in lib/ or tools/'))"
echo "  nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), worker_processes $SERVER_THREADS; wrk: $({ "$WRK" -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')"
echo "  load: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --timeout $WRK_TIMEOUT --latency, keep-alive, $ROUNDS round(s) per body"
echo "  log dir: $LOGS ($(df -T "$LOGS" | awk 'NR == 2 { print $2 " on " $1 ", mounted on " $7 }'))"
for b in $BODIES; do
  f=$(body_file "$b")
  if [[ $b == 18k ]]; then
    echo "  body 18k: $(wc -c < "$f") bytes gzip'd ($(wc -c < "$WORK/body-18k.json") bytes of JSON), sha256 $(sha256sum < "$f" | cut -c1-16)"
  else
    echo "  body $b: $(wc -c < "$f") bytes of JSON, sha256 $(sha256sum < "$f" | cut -c1-16)"
  fi
done
echo

start_nginx
echo "nginx on $ADDR:$NGINX_PORT (pid $NGINX_PID)"

for body in $BODIES; do
  echo "body $body:"
  for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2)); then order="nginx tm-receive"; else order="tm-receive nginx"; fi
    for target in $order; do
      for ((attempt = 1; attempt <= RETRIES; attempt++)); do
        run_one "$body" "$target" "$round" $((attempt == RETRIES))
        ((DISTURBED)) || break
      done
    done
  done
done

echo
echo "Medians over $ROUNDS round(s). us/req: CPU microseconds per completed request, used by the server's"
echo "processes (all threads), by wrk, and by everything else on the machine (softirqs, kernel threads)."
printf '%-5s | %-10s | %9s | %7s | %13s | %10s | %12s | %5s | %s\n' body target "req/s" "p99 ms" "server us/req" "wrk us/req" "other us/req" ratio "stored vs 2xx (all rounds)"
printf '%s\n' "------+------------+-----------+---------+---------------+------------+--------------+-------+---------------------------"
verdicts=()
for body in $BODIES; do
  ng=$(col_values "$body" nginx req_s | median)
  tm=$(col_values "$body" tm-receive req_s | median)
  ratio=$(awk -v a="$tm" -v b="$ng" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
  for target in nginx tm-receive; do
    rs=$(col_values "$body" "$target" req_s | median)
    p99=$(awk -v u="$(col_values "$body" "$target" p99_us | median)" 'BEGIN { printf "%.2f", u / 1000 }')
    su=$(col_values "$body" "$target" srv_cpu_us_req | median)
    wu=$(col_values "$body" "$target" wrk_cpu_us_req | median)
    ou=$(col_values "$body" "$target" other_cpu_us_req | median)
    if [[ $target == tm-receive ]]; then
      r=$ratio
      c="stored $(sum_column "$body" "$target" stored), 2xx answers $(sum_column "$body" "$target" ok2xx), lost $(sum_column "$body" "$target" lost)"
      u=$(sum_column "$body" "$target" unanswered)
      ((u == 0)) || c+="; $u stored but unanswered (in flight when wrk stopped)"
    else
      r="" c=""
    fi
    n2=$(sum_column "$body" "$target" status)
    se=$(( $(sum_column "$body" "$target" timeout) + $(sum_column "$body" "$target" connect) + $(sum_column "$body" "$target" read) + $(sum_column "$body" "$target" write) ))
    ((n2 == 0)) || c+="${c:+; }$n2 non-2xx"
    ((se == 0)) || c+="${c:+; }$se socket errors"
    printf '%-5s | %-10s | %9.0f | %7s | %13s | %10s | %12s | %5s | %s\n' "$body" "$target" "$rs" "$p99" "$su" "$wu" "$ou" "$r" "$c"
  done
  if awk -v r="$ratio" -v g="$GOAL" 'BEGIN { exit !(r >= g) }'; then
    verdicts+=("body $body: ratio $ratio >= $GOAL: goal met")
  else
    verdicts+=("body $body: ratio $ratio < $GOAL: goal NOT met")
  fi
done
echo
echo "Goal: tm-receive/nginx req/s ratio >= $GOAL on both bodies, no record lost."
printf '  %s\n' "${verdicts[@]}"
if ((LOST_TOTAL > 0)); then
  echo "  LOST: $LOST_TOTAL answered submission(s) missing from the raw logs"
else
  echo "  no answered submission missing from the raw logs"
fi
((PROBLEMS == 0)) || echo "  $PROBLEMS problem(s) reported above"
((REDONE == 0)) || echo "  $REDONE run(s) disturbed by other load (processes outside this script, or steal) were run again"
((NOISY == 0)) || echo "  $NOISY run(s) kept although disturbed by other load (RETRIES exhausted): their figures are disturbed"
if [[ $KEEP == 1 ]]; then echo "  per-run figures: $RESULTS"; fi
((LOST_TOTAL == 0 && PROBLEMS == 0)) || exit 1
