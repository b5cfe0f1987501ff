#!/usr/bin/env bash
# bench/mapreduce.sh: tm-mapreduce over a store of realistic records, against
# `xz -dc` of the same files (the single-core limit: every job must at least
# decompress them) and `xz -dc | jq` answering the same question.
#
# The store is made here (unless STORE is given): bench/make-corpus.sh (the
# real pings of ../shared/testdata, varied) -> tm-validate | tm-convert ->
# tm-partition at xz level 0, at least STORE_MB MB of store lines.
# Runs, each timed by CPU (user+sys of the whole command) and wall time:
#   xz -dc                    of every store file, to /dev/null
#   xz -dc | cut | jq         the OS distribution (jq -r .info.OS | sort | uniq -c)
#   C++ record count          examples/cxx/record_count.cpp, 1 and 2 mappers
#   C++ OS distribution       examples/cxx/os_distribution.cpp, 1 and 2 mappers
#   streaming record count    examples/record-count/mapper.sh + sum.awk, 1 mapper
#   streaming OS distribution examples/os-distribution/mapper.sh (jq) + sum.awk, 1 mapper
#   distinct keys             bench/jobs/distinct_keys.cpp: KEYS distinct keys
#                             reduced within --memory 256M; peak RSS reported
# Goals (issue 5): the C++ job with 1 mapper >= 0.8x the speed of xz -dc
# (wall time, one core each); 2 mappers >= 1.8x 1 mapper (wall); the reduce
# over KEYS (20 million) distinct keys completes within the 256 MB budget.
#
# Environment (defaults in brackets):
#   TM_BIN    the build directory [<repo>/build]
#   STORE     a store directory to use [made here]
#   STORE_MB  MB of store lines to make, at least [1100]
#   KEYS      distinct keys of the last run [20000000]
#   TESTDATA  the real data [<repo>/../shared/testdata]
#   KEEP      1: keep the temp dir [0]
#   IDLE_MAX, IDLE_WAIT  a run starts once the machine is at most IDLE_MAX %
#             busy, or after IDLE_WAIT s with a note [10, 300]
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TM_BIN=${TM_BIN:-$ROOT/build}
STORE=${STORE:-}
STORE_MB=${STORE_MB:-1100}
KEYS=${KEYS:-20000000}
TESTDATA=${TESTDATA:-$ROOT/../shared/testdata}
KEEP=${KEEP:-0}

die() { echo "mapreduce.sh: $*" >&2; exit 2; }
note() { echo "  note: $*"; }
# Each run waits (up to IDLE_WAIT s) for a quiet machine: others' work on 2
# cores would be measured as ours.
IDLE_MAX=${IDLE_MAX:-10}
IDLE_WAIT=${IDLE_WAIT:-300}
source "$ROOT/bench/lib.sh"
for tool in xz jq awk; do command -v "$tool" >/dev/null || die "$tool not found"; done
for tool in tm-mapreduce tm-partition tm-validate tm-convert; do
  [[ -x $TM_BIN/$tool ]] || die "no $tool in $TM_BIN (cmake --build build, or set TM_BIN)"
done
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/tm-bench-mapreduce.XXXXXX")
cleanup() { local rc=$?; trap - EXIT; [[ $KEEP == 1 ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"; exit "$rc"; }
trap cleanup EXIT

echo "tm-mapreduce vs xz -dc, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load average $(cut -d' ' -f1-3 /proc/loadavg); source at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

if [[ -z $STORE ]]; then
  [[ -r $(testdata_dir "$TESTDATA")/telemetry1.log ]] || die "no test data at $TESTDATA (set TESTDATA or STORE)"
  # Converted records are about 0.69 of the raw ones.
  converted_corpus "$TM_BIN" $((STORE_MB * 100 / 68)) "$TESTDATA" "$WORK" "$WORK/converted.tsv"
  "$TM_BIN/tm-partition" -q --out "$WORK/store" --max-open 128 "$WORK/converted.tsv"
  rm "$WORK/converted.tsv"
  STORE=$WORK/store
fi
mapfile -t FILES < <(find "$STORE" -name '*.lzma' | sort)
LINES_BYTES=$(xz -dc "${FILES[@]}" | wc -c)
RECORDS=$(xz -dc "${FILES[@]}" | wc -l)
MB=$(awk -v b="$LINES_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "  store: $STORE: ${#FILES[@]} files, $RECORDS records, $MB MB of store lines, $(du -sm "$STORE" | cut -f1) MB compressed"
echo

# run NAME CMD...: wall and CPU seconds (the command's and its children's), peak RSS
declare -A WALL CPU
run() {
  local name=$1; shift
  wait_idle
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" > "$WORK/out.$name" 2> "$WORK/err.$name" ||
    { cat "$WORK/err.$name" >&2; die "$name failed"; }
  read -r wall user sys rss < "$WORK/time"
  WALL[$name]=$wall
  CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  printf '  %-26s wall %7.2f s  CPU %7.2f s  %7.1f MB/s wall  peak RSS %6.0f MB\n' "$name" "$wall" "${CPU[$name]}" \
    "$(awk -v mb="$MB" -v w="$wall" 'BEGIN { print mb / w }')" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}
MR=("$TM_BIN/tm-mapreduce" -q --data-dir "$STORE" --work-dir "$WORK")
run xz-dc sh -c 'xz -dc "$@" > /dev/null' sh "${FILES[@]}"
run xz-dc-jq-os sh -c 'xz -dc "$@" | cut -f2 | jq -r ".info.OS // \"UNKNOWN\"" | sort | uniq -c' sh "${FILES[@]}"
# The first C++ run compiles the job into --work-dir's cache; measured after.
"${MR[@]}" --job "$ROOT/examples/cxx/record_count.cpp" > /dev/null
"${MR[@]}" --job "$ROOT/examples/cxx/os_distribution.cpp" > /dev/null
for m in 1 2; do
  run "cxx-count-m$m" "${MR[@]}" --num-mappers "$m" --job "$ROOT/examples/cxx/record_count.cpp"
  run "cxx-os-m$m" "${MR[@]}" --num-mappers "$m" --job "$ROOT/examples/cxx/os_distribution.cpp"
done
run stream-count-m1 "${MR[@]}" --num-mappers 1 --mapper "$ROOT/examples/record-count/mapper.sh" \
  --combiner "$ROOT/examples/sum.awk" --reducer "$ROOT/examples/sum.awk"
run stream-os-m1 "${MR[@]}" --num-mappers 1 --mapper "$ROOT/examples/os-distribution/mapper.sh" \
  --combiner "$ROOT/examples/sum.awk" --reducer "$ROOT/examples/sum.awk"
check() { [[ $2 == "$3" ]] || die "$1: expected $2, got $3"; }
check "C++ count" "records	$RECORDS" "$(cat "$WORK/out.cxx-count-m1")"
check "streaming count" "records	$RECORDS" "$(cat "$WORK/out.stream-count-m1")"
check "C++ OS = jq OS" "$(awk '{ print $2 "\t" $1 }' "$WORK/out.xz-dc-jq-os" | sort)" "$(sort "$WORK/out.cxx-os-m2")"
per_record=$(( (KEYS + RECORDS - 1) / RECORDS ))
TM_BENCH_KEYS_PER_RECORD=1 "${MR[@]}" --job "$ROOT/bench/jobs/distinct_keys.cpp" > /dev/null  # compiles it
TM_BENCH_KEYS_PER_RECORD=$per_record run distinct-keys "${MR[@]}" --num-mappers 2 --memory 256M \
  --job "$ROOT/bench/jobs/distinct_keys.cpp"
DISTINCT=$(wc -l < "$WORK/out.distinct-keys")
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
r1=$(ratio "${WALL[xz-dc]}" "${WALL[cxx-os-m1]}")
r2=$(ratio "${WALL[cxx-os-m1]}" "${WALL[cxx-os-m2]}")
echo "C++ OS distribution, 1 mapper: ${r1}x the speed of xz -dc (goal >= 0.8)"
echo "C++ OS distribution, 2 mappers: ${r2}x 1 mapper (goal >= 1.8)"
echo "C++ record count, 1 mapper: $(ratio "${WALL[xz-dc]}" "${WALL[cxx-count-m1]}")x xz -dc; 2 mappers $(ratio "${WALL[cxx-count-m1]}" "${WALL[cxx-count-m2]}")x 1 mapper"
echo "xz -dc | jq (OS distribution): $(ratio "${WALL[xz-dc-jq-os]}" "${WALL[cxx-os-m1]}")x slower than the C++ job with 1 mapper"
echo "distinct keys: $DISTINCT keys reduced with --memory 256M (goal: $KEYS within 256 MB; peak RSS above)"
