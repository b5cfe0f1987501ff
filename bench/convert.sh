#!/usr/bin/env bash
# bench/convert.sh: tm-validate | tm-convert over a large corpus of realistic
# pings, against jq.
#
# The corpus is a record stream (tm-records(5)) made by bench/make-corpus.sh from
# the real pings in ../shared/testdata (see there): by default 600 MB, about 10,000
# records of 5-78 KB. Each round measures, one after the other:
#   pipeline  tm-validate --spec-url ... CORPUS | tm-convert --spec-url ... > /dev/null
#   validate  tm-validate --spec-url ... CORPUS > /dev/null
#   convert   tm-convert --spec-url ... CORPUS > /dev/null
#   jq        cut -f9 CORPUS | jq -c . > /dev/null   (the reference: parse and
#             print every payload; only jq's CPU is counted, cut's is shown apart)
# (the order rotates from round to round). For each: wall time and CPU time
# (user+sys of each process, from bash's `times` in a subshell around it), and
# payload MB per CPU second ("MB/s per core"; MB = 10^6 bytes of column 9, the
# uncompressed JSON). The ratios to jq are taken between medians over ROUNDS
# rounds, all measured in the same run. The specs are the Histograms.json files
# of the test data, read through --spec-url file://...; their loading (3 revisions)
# is part of the measured time.
#
# Every tm run is checked as well: exit status 0, and its --stats must count
# every record of the corpus as valid and none rejected. The script exits 1 if
# one is not.
#
# Needs a built tree (cmake --build build), jq, awk, xz, sed, coreutils. Builds
# nothing.
#
# Environment (defaults in brackets):
#   TM_BIN      the directory with tm-validate and tm-convert, or one of the two
#               [<repo>/build]; TM_VALIDATE, TM_CONVERT name them one by one.
#               They are copied first, so that a rebuild during the benchmark
#               changes nothing.
#   CORPUS      a corpus file to use; made there (and kept) if it does not exist
#               [a new one in the temp dir, removed at the end]
#   CORPUS_MB   size of a corpus made here, MB [600]; SEED, MIX and JOBS are
#               passed on to make-corpus.sh
#   TESTDATA    the real data [<repo>/../shared/testdata]
#   JQ          the jq command [jq]
#   ROUNDS      rounds [3]
#   GOAL_RATIO  pipeline MB/s per core over jq's, at least [10]
#   GOAL_MBPS   pipeline MB/s per core, at least [200]
#   COOLDOWN    seconds of pause between runs [1]
#   IDLE_MAX, IDLE_WAIT, RETRIES  a shared machine running something else gives
#               meaningless figures. Before each run, wait up to IDLE_WAIT
#               seconds [120] for the machine to be at most IDLE_MAX % busy [10];
#               a run during which the machine was busier than the measured
#               processes by more than IDLE_MAX % of its cores (other processes,
#               kernel threads), or the hypervisor took more than that (steal),
#               is run again, up to RETRIES runs in all [3]; the last one is
#               kept, flagged.
#   KEEP        1: keep the temp dir [0]
#
# Example: bench/convert.sh
#          CORPUS=/var/tmp/corpus-600.tsv ROUNDS=5 bench/convert.sh
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TM_BIN=${TM_BIN:-$ROOT/build}
[[ -d $TM_BIN ]] || TM_BIN=$(dirname "$TM_BIN")
TM_VALIDATE=${TM_VALIDATE:-$TM_BIN/tm-validate}
TM_CONVERT=${TM_CONVERT:-$TM_BIN/tm-convert}
CORPUS=${CORPUS:-}
CORPUS_MB=${CORPUS_MB:-600}
TESTDATA=${TESTDATA:-$ROOT/../shared/testdata}
JQ=${JQ:-jq}
ROUNDS=${ROUNDS:-3}
GOAL_RATIO=${GOAL_RATIO:-10}
GOAL_MBPS=${GOAL_MBPS:-200}
COOLDOWN=${COOLDOWN:-1}
IDLE_MAX=${IDLE_MAX:-10}
IDLE_WAIT=${IDLE_WAIT:-120}
RETRIES=${RETRIES:-3}
KEEP=${KEEP:-0}

die() { echo "convert.sh: $*" >&2; exit 2; }
note() { echo "convert.sh: $*" >&2; }

for tool in "$JQ" awk xz sed cut sort sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
((BASH_VERSINFO[0] >= 5)) || die "needs bash 5 (EPOCHREALTIME)"
[[ $TM_VALIDATE == /* ]] || TM_VALIDATE=$PWD/$TM_VALIDATE
[[ $TM_CONVERT == /* ]] || TM_CONVERT=$PWD/$TM_CONVERT
[[ -x $TM_VALIDATE ]] || die "no tm-validate at $TM_VALIDATE (cmake --build build, or set TM_BIN)"
[[ -x $TM_CONVERT ]] || die "no tm-convert at $TM_CONVERT (cmake --build build, or set TM_BIN)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $RETRIES =~ ^[1-9][0-9]*$ ]] || die "RETRIES must be a positive integer"
source "$ROOT/bench/lib.sh"
[[ -r $(testdata_dir "$TESTDATA")/telemetry1.log ]] || die "no test data at $TESTDATA (set TESTDATA)"

WORK=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $KEEP == 1 ]]; then note "kept $WORK"; else [[ -n $WORK ]] && rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'note "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tm-bench-convert.XXXXXX")

# Others may rebuild the tree while this runs: measure one copy of the binaries.
mkdir "$WORK/bin"
cp "$TM_VALIDATE" "$WORK/bin/tm-validate"
cp "$TM_CONVERT" "$WORK/bin/tm-convert"
VALIDATE_SOURCE=$TM_VALIDATE CONVERT_SOURCE=$TM_CONVERT
TM_VALIDATE=$WORK/bin/tm-validate
TM_CONVERT=$WORK/bin/tm-convert

# The spec of a revision is $WORK/specs/<hash>.json, as in make-corpus.sh.
link_specs "$TESTDATA" "$WORK/specs"
SPEC_URL="file://$WORK/specs/{rev}.json"

# --- measurements -----------------------------------------------------------------

# check_stats NAME: the --stats of a timed tm run must count every record valid.
PROBLEMS=0
check_stats() {
  local f=$RUN_DIR/$1.json records valid rejected
  if [[ ! -s $f ]]; then note "$1: no --stats written"; PROBLEMS=$((PROBLEMS + 1)); echo "no stats"; return; fi
  records=$(sed -n 's/.*"records":\([0-9]*\),.*/\1/p' "$f")
  valid=$(sed -n 's/.*"valid":\([0-9]*\),.*/\1/p' "$f")
  rejected=$(sed -n 's/.*"rejected":\([0-9]*\),.*/\1/p' "$f")
  if [[ $records != "$NRECORDS" || $valid != "$NRECORDS" || $rejected != 0 ]]; then
    note "$1: $records records, $valid valid, $rejected rejected; the corpus has $NRECORDS records"
    PROBLEMS=$((PROBLEMS + 1))
  fi
  echo "$valid/$records valid, $rejected rejected"
}

# --- the corpus -------------------------------------------------------------------

echo "tm-validate | tm-convert vs jq, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
describe() {  # source copy
  local build_type
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$1")/CMakeCache.txt" 2>/dev/null || true)
  echo "$1 (built $(date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ)${build_type:+, $build_type}, sha256 $(sha256sum < "$2" | cut -c1-12))"
}
echo "  tm-validate: $(describe "$VALIDATE_SOURCE" "$TM_VALIDATE")"
echo "  tm-convert: $(describe "$CONVERT_SOURCE" "$TM_CONVERT")"
# (GIT_OPTIONAL_LOCKS=0: git status must not take the index lock from someone's commit.)
changes=$(GIT_OPTIONAL_LOCKS=0 git -C "$ROOT" status --porcelain -- lib tools 2>/dev/null | wc -l)
echo "  source now at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( ((changes == 0)) || echo " + $changes changed or new file(s) in lib/ or tools/")"
echo "  jq: $("$JQ" --version 2>&1)"

if [[ -z $CORPUS ]]; then
  CORPUS=$WORK/corpus.tsv
fi
if [[ ! -e $CORPUS ]]; then
  TM_BIN=$TM_VALIDATE CORPUS_MB=$CORPUS_MB TESTDATA=$TESTDATA CHECK=0 "$ROOT/bench/make-corpus.sh" "$CORPUS" |
    sed '$d; s/^/  /'
fi
[[ -r $CORPUS ]] || die "cannot read $CORPUS"
# Counting the payload bytes also brings the corpus into the page cache; cut's
# CPU here is what cut costs in the jq run.
RUN_DIR=$WORK
NRECORDS=$(wc -l < "$CORPUS")
CORPUS_BYTES=$(wc -c < "$CORPUS")
timed cut cut -f 9 "$CORPUS" | wc -c > "$WORK/payload.count"
PAYLOAD_BYTES=$(( $(cat "$WORK/payload.count") - NRECORDS ))  # less the newlines
read -r u s < <(cpu_of cut)
CUT_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
PAYLOAD_MB=$(awk -v b="$PAYLOAD_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "  corpus: $CORPUS: $CORPUS_BYTES bytes, $NRECORDS records, $PAYLOAD_BYTES bytes ($PAYLOAD_MB MB) of payload JSON"
echo "  cut -f9 alone: $CUT_CPU s CPU"
((NRECORDS > 0)) || die "empty corpus"
echo

# --- one run ----------------------------------------------------------------------

RESULTS=$WORK/results.tsv
printf 'target\tround\twall_s\tcpu_s\tcpu_a_s\tcpu_b_s\tmbps_core\tmbps_wall\tbusy_pct\tother_pct\tsteal_pct\n' > "$RESULTS"
NOISY=0
REDONE=0
RUN=0
DISTURBED=0

run_one() {  # target round final
  local target=$1 round=$2 final=$3 m0 m1 t0 t1 rc=0 check="" names=()
  RUN=$((RUN + 1))
  RUN_DIR=$WORK/run-$RUN
  mkdir "$RUN_DIR"
  wait_idle
  m0=$(machine_cpu)
  t0=$EPOCHREALTIME
  case $target in
    pipeline)
      timed validate "$TM_VALIDATE" -q --stats "$RUN_DIR/validate.json" --spec-url "$SPEC_URL" "$CORPUS" |
        timed convert "$TM_CONVERT" -q --stats "$RUN_DIR/convert.json" --spec-url "$SPEC_URL" > /dev/null || rc=$?
      names=(validate convert) ;;
    validate|convert)
      timed "$target" "$WORK/bin/tm-$target" -q --stats "$RUN_DIR/$target.json" --spec-url "$SPEC_URL" "$CORPUS" > /dev/null || rc=$?
      names=("$target") ;;
    jq)
      timed cut cut -f 9 "$CORPUS" | timed jq "$JQ" -c . > /dev/null || rc=$?
      names=(jq cut) ;;
  esac
  t1=$EPOCHREALTIME
  m1=$(machine_cpu)
  ((rc == 0)) || { note "$target failed (status $rc) in round $round"; PROBLEMS=$((PROBLEMS + 1)); }

  local n u s cpu=() all=0
  for n in "${names[@]}"; do
    read -r u s < <(cpu_of "$n")
    cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')")
  done
  all=$(awk -v a="${cpu[0]}" -v b="${cpu[1]:-0}" 'BEGIN { printf "%.3f", a + b }')
  local measured=${cpu[0]}   # what the figures are about: jq without cut; the tools together
  [[ $target == pipeline ]] && measured=$all
  local wall mbps mbps_wall busy steal other
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  mbps=$(awk -v mb="$PAYLOAD_MB" -v c="$measured" 'BEGIN { printf "%.1f", (c > 0 ? mb / c : 0) }')
  mbps_wall=$(awk -v mb="$PAYLOAD_MB" -v w="$wall" 'BEGIN { printf "%.1f", (w > 0 ? mb / w : 0) }')
  busy=$(share_pct "$m0" "$m1" 1)
  steal=$(share_pct "$m0" "$m1" 3)
  # The machine's busy time that the processes measured here did not use: other
  # processes, kernel threads, interrupts.
  other=$(awk -v a="$m0" -v b="$m1" -v c="$all" -v hz="$CLK_TCK" 'BEGIN { split(a, x, " "); split(b, y, " ");
            t = y[2] - x[2]; o = t ? 100 * ((y[1] - x[1]) - c * hz) / t : 0; printf "%.0f\n", (o < 0 ? 0 : o) }')
  DISTURBED=0
  ((other <= IDLE_MAX && steal <= IDLE_MAX)) || DISTURBED=1

  case $target in
    pipeline) check="validate $(check_stats validate); convert $(check_stats convert)" ;;
    validate|convert) check=$(check_stats "$target") ;;
  esac
  local detail
  case $target in
    pipeline) detail="CPU ${cpu[0]} + ${cpu[1]} s" ;;
    jq) detail="CPU ${cpu[0]} s (cut ${cpu[1]} s, not counted)" ;;
    *) detail="CPU ${cpu[0]} s" ;;
  esac
  local flag=""
  if ((DISTURBED)); then
    if ((final)); then flag=" [disturbed: other ${other}%, steal ${steal}%; kept]"; NOISY=$((NOISY + 1))
    else flag=" [disturbed: other ${other}%, steal ${steal}%; run again]"; REDONE=$((REDONE + 1)); fi
  fi
  printf '  round %d %-8s wall %7.2f s  %-36s %7.1f MB/s per core  %7.1f MB/s wall  machine %3s%% busy, other %s%%, steal %s%%%s%s\n' \
    "$round" "$target" "$wall" "$detail" "$mbps" "$mbps_wall" "$busy" "$other" "$steal" "${check:+  | $check}" "$flag"
  sleep "$COOLDOWN"
  if ((DISTURBED && !final)); then return 0; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$round" "$wall" "$measured" "${cpu[0]}" "${cpu[1]:-}" \
    "$mbps" "$mbps_wall" "$busy" "$other" "$steal" >> "$RESULTS"
}

# --- main -------------------------------------------------------------------------

TARGETS=(pipeline validate convert jq)
for ((round = 1; round <= ROUNDS; round++)); do
  for ((i = 0; i < ${#TARGETS[@]}; i++)); do
    target=${TARGETS[(i + round - 1) % ${#TARGETS[@]}]}
    for ((attempt = 1; attempt <= RETRIES; attempt++)); do
      run_one "$target" "$round" $((attempt == RETRIES))
      ((DISTURBED)) || break
    done
  done
done

col_values() {  # target field-name: the values of one column
  awk -F'\t' -v t="$1" -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == t { print $c[f] }' "$RESULTS"
}
JQ_MBPS=$(col_values jq mbps_core | median)
echo
echo "Medians over $ROUNDS round(s); load average now $(cut -d' ' -f1-3 /proc/loadavg)."
echo "MB/s per core: payload MB ($PAYLOAD_MB MB of JSON in column 9) per CPU second (user+sys; the"
echo "pipeline's is both processes' together); MB/s wall: per second of elapsed time."
printf '%-8s | %8s | %8s | %13s | %11s | %9s\n' target "wall s" "CPU s" "MB/s per core" "MB/s wall" "x jq"
printf '%s\n' "---------+----------+----------+---------------+-------------+----------"
for target in "${TARGETS[@]}"; do
  w=$(col_values "$target" wall_s | median)
  c=$(col_values "$target" cpu_s | median)
  m=$(col_values "$target" mbps_core | median)
  mw=$(col_values "$target" mbps_wall | median)
  r=$(awk -v a="$m" -v b="$JQ_MBPS" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
  printf '%-8s | %8.2f | %8.2f | %13.1f | %11.1f | %9s\n' "$target" "$w" "$c" "$m" "$mw" "$r"
  [[ $target == pipeline ]] && { PIPE_MBPS=$m; PIPE_RATIO=$r; }
done
echo
echo "Goals for the pipeline: >= ${GOAL_RATIO}x jq's MB/s per core, and >= $GOAL_MBPS MB/s per core."
if awk -v r="$PIPE_RATIO" -v g="$GOAL_RATIO" 'BEGIN { exit !(r >= g) }'; then
  echo "  ${PIPE_RATIO}x jq: goal met"
else
  echo "  ${PIPE_RATIO}x jq: goal NOT met"
fi
if awk -v m="$PIPE_MBPS" -v g="$GOAL_MBPS" 'BEGIN { exit !(m >= g) }'; then
  echo "  $PIPE_MBPS MB/s per core: goal met"
else
  echo "  $PIPE_MBPS MB/s per core: goal NOT met"
fi
if ((PROBLEMS == 0)); then
  echo "  every tm run: exit 0, all $NRECORDS records valid, 0 rejected"
else
  echo "  $PROBLEMS problem(s) reported above"
fi
((REDONE == 0)) || echo "  $REDONE run(s) disturbed by other load (other processes, or steal) were run again"
((NOISY == 0)) || echo "  $NOISY run(s) kept although disturbed by other load (RETRIES exhausted): their figures are disturbed"
if [[ $KEEP == 1 ]]; then echo "  per-run figures: $RESULTS"; fi
((PROBLEMS == 0)) || exit 1
