#!/usr/bin/env bash
# bench/partition.sh: tm-partition against xz compressing the same bytes.
#
# The input is a converted record stream (tm-records(5)): by default made here
# from bench/make-corpus.sh (the real pings of ../shared/testdata, varied) through
# tm-validate | tm-convert. tm-partition stores it in the default schema's
# partitions (about a hundred on that corpus) as xz files of "<uuid>\t<json>"
# lines; the reference is `xz -LEVEL -T1` compressing exactly those lines
# (cut -f1,9 of the input, in input order) into one stream: the single-core
# limit for the compression alone. Each round measures, for each level of
# LEVELS, tm-partition and then xz, and reports CPU time (user+sys), input MB
# per CPU second (MB = 10^6 bytes of store lines), records/s, what came out,
# and the ratio of tm-partition's speed to xz's. Goal: >= GOAL (0.9) at every
# level. Every run is checked: the manifest must count every record and every
# byte.
#
# Environment (defaults in brackets):
#   TM_BIN      the build directory [<repo>/build]; the binaries are copied first
#   CORPUS      a converted record stream to use [made here, CORPUS_MB of raw records]
#   CORPUS_MB   size of the raw corpus made here, MB [200]
#   TESTDATA    the real data [<repo>/../shared/testdata]
#   LEVELS      xz levels ["0 6"]
#   ROUNDS      rounds [1]
#   MAX_OPEN    tm-partition --max-open [its default]
#   GOAL        tm-partition's MB/s over xz's, at least [0.9]
#   IDLE_MAX, IDLE_WAIT  before each run, wait up to IDLE_WAIT s [120] for the
#               machine to be at most IDLE_MAX % busy [10]
#   KEEP        1: keep the temp dir [0]
#
# Example: bench/partition.sh
#          CORPUS=/var/tmp/converted.tsv ROUNDS=3 bench/partition.sh
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TM_BIN=${TM_BIN:-$ROOT/build}
CORPUS=${CORPUS:-}
CORPUS_MB=${CORPUS_MB:-200}
TESTDATA=${TESTDATA:-$ROOT/../shared/testdata}
LEVELS=${LEVELS:-0 6}
ROUNDS=${ROUNDS:-1}
MAX_OPEN=${MAX_OPEN:-}
GOAL=${GOAL:-0.9}
IDLE_MAX=${IDLE_MAX:-10}
IDLE_WAIT=${IDLE_WAIT:-120}
KEEP=${KEEP:-0}

die() { echo "partition.sh: $*" >&2; exit 2; }
note() { echo "partition.sh: $*" >&2; }

for tool in xz awk cut sort; do command -v "$tool" >/dev/null || die "$tool not found"; done
for tool in tm-partition tm-validate tm-convert; do
  [[ -x $TM_BIN/$tool ]] || die "no $tool in $TM_BIN (cmake --build build, or set TM_BIN)"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tm-bench-partition.XXXXXX")
cleanup() {
  local rc=$?
  trap - EXIT
  if [[ $KEEP == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$WORK/bin"
for tool in tm-partition tm-validate tm-convert; do cp "$TM_BIN/$tool" "$WORK/bin/"; done
source "$ROOT/bench/lib.sh"

echo "tm-partition vs xz, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  source at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $(xz --version | head -1)"

if [[ -z $CORPUS ]]; then
  [[ -r $(testdata_dir "$TESTDATA")/telemetry1.log ]] || die "no test data at $TESTDATA (set TESTDATA or CORPUS)"
  converted_corpus "$WORK/bin" "$CORPUS_MB" "$TESTDATA" "$WORK" "$WORK/converted.tsv"
  CORPUS=$WORK/converted.tsv
fi
cut -f 1,9 "$CORPUS" > "$WORK/lines"
NRECORDS=$(wc -l < "$CORPUS")
LINE_BYTES=$(wc -c < "$WORK/lines")
LINE_MB=$(awk -v b="$LINE_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
PARTITIONS=$(awk -F'\t' '{ print $3, $4, $6, $5, $7, substr($2, 1, 10) }' "$CORPUS" | sort -u | wc -l)
echo "  input: $CORPUS: $NRECORDS records, $LINE_MB MB of store lines, $PARTITIONS partitions of the default schema"
echo

RESULTS=$WORK/results.tsv
: > "$RESULTS"
PROBLEMS=0
RUN=0
for ((round = 1; round <= ROUNDS; round++)); do
  for level in $LEVELS; do
    for tool in tm-partition xz; do
      RUN=$((RUN + 1))
      RUN_DIR=$WORK/run-$RUN
      mkdir "$RUN_DIR"
      rm -rf "$WORK/out" "$WORK/xz.out"
      wait_idle
      if [[ $tool == tm-partition ]]; then
        timed cmd "$WORK/bin/tm-partition" -q --level "$level" ${MAX_OPEN:+--max-open "$MAX_OPEN"} \
          --out "$WORK/out" --manifest "$RUN_DIR/manifest" "$CORPUS"
        read -r records bytes < <(awk -F'\t' '{ r += $2; b += $3 } END { printf "%d %d\n", r, b }' "$RUN_DIR/manifest")
        if [[ $records != "$NRECORDS" || $bytes != "$LINE_BYTES" ]]; then
          note "level $level: the manifest counts $records records, $bytes bytes; the input has $NRECORDS, $LINE_BYTES"
          PROBLEMS=$((PROBLEMS + 1))
        fi
        out_bytes=$(du -sb "$WORK/out" | cut -f1)
        files=$(wc -l < "$RUN_DIR/manifest")
      else
        timed cmd xz "-$level" -T1 -c "$WORK/lines" > "$WORK/xz.out"
        out_bytes=$(wc -c < "$WORK/xz.out")
        files=1
      fi
      read -r u s < <(cpu_of cmd)
      cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
      mbps=$(awk -v mb="$LINE_MB" -v c="$cpu" 'BEGIN { printf "%.1f", mb / c }')
      rps=$(awk -v n="$NRECORDS" -v c="$cpu" 'BEGIN { printf "%.0f", n / c }')
      out_mb=$(awk -v b="$out_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
      printf '  round %d level %d %-12s CPU %7.2f s  %6.1f MB/s  %6s records/s  out %6.1f MB in %d file(s)\n' \
        "$round" "$level" "$tool" "$cpu" "$mbps" "$rps" "$out_mb" "$files"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$level" "$tool" "$cpu" "$mbps" "$rps" "$out_mb" "$files" >> "$RESULTS"
    done
  done
done

echo
echo "Medians over $ROUNDS round(s). MB/s: MB of store lines ($LINE_MB MB) per CPU second (user+sys)."
printf '%-5s | %-12s | %8s | %8s | %10s | %8s | %6s | %8s\n' level tool "CPU s" "MB/s" "records/s" "out MB" files "x xz"
printf '%s\n' "------+--------------+----------+----------+------------+----------+--------+---------"
MET=1
for level in $LEVELS; do
  col() { awk -F'\t' -v l="$level" -v t="$1" -v f="$2" '$1 == l && $2 == t { print $f }' "$RESULTS" | median; }
  xz_mbps=$(col xz 4)
  for tool in tm-partition xz; do
    m=$(col "$tool" 4)
    r=$(awk -v a="$m" -v b="$xz_mbps" 'BEGIN { printf "%.2f", a / b }')
    printf '%-5s | %-12s | %8.2f | %8.1f | %10.0f | %8.1f | %6.0f | %8s\n' "$level" "$tool" "$(col "$tool" 3)" "$m" \
      "$(col "$tool" 5)" "$(col "$tool" 6)" "$(col "$tool" 7)" "$r"
    if [[ $tool == tm-partition ]] && ! awk -v r="$r" -v g="$GOAL" 'BEGIN { exit !(r >= g) }'; then MET=0; fi
  done
done
echo
if ((MET)); then echo "Goal (tm-partition >= ${GOAL}x xz at every level): met"; else echo "Goal (tm-partition >= ${GOAL}x xz at every level): NOT met"; fi
if ((PROBLEMS == 0)); then echo "Every run stored all $NRECORDS records."; else echo "$PROBLEMS problem(s) above"; exit 1; fi
