# bench/lib.sh: what the benchmarks share, sourced by bench/*.sh: CPU time of
# a command, the machine's load, waiting for a quiet machine, medians; the
# test data's specs and a converted corpus made from it.
# Needs IDLE_MAX and IDLE_WAIT set, RUN_DIR for timed/cpu_of, and note().

CLK_TCK=$(getconf CLK_TCK)

machine_cpu() {  # "busy total steal iowait" clock ticks over all cores, from /proc/stat
  # user nice system idle iowait irq softirq steal: busy leaves out idle, iowait and
  # steal (time the hypervisor gave to someone else); guest time is inside user.
  awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6 - $9, t, $9, $6; exit }' /proc/stat
}

share_pct() {  # "busy total steal iowait" before, after, field: that field's share of the total, %
  awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f\n", (y[2] - x[2]) ? 100 * (y[f] - x[f]) / (y[2] - x[2]) : 0 }'
}

# Waits (up to IDLE_WAIT seconds) until the machine is quiet: at most IDLE_MAX %
# busy or stolen over one second.
wait_idle() {
  local start=$SECONDS a b busy
  while :; do
    a=$(machine_cpu); sleep 1; b=$(machine_cpu)
    busy=$(( $(share_pct "$a" "$b" 1) + $(share_pct "$a" "$b" 3) ))
    ((busy <= IDLE_MAX)) && return 0
    if ((SECONDS - start >= IDLE_WAIT)); then
      note "machine still ${busy}% busy before the run after ${IDLE_WAIT}s: figures will be disturbed"
      return 0
    fi
  done
}

# timed NAME CMD...: runs CMD and writes its CPU time to $RUN_DIR/NAME.times.
# CMD is the only child of the subshell, so the subshell's `times` (second line:
# its reaped children) is CMD's own user and sys time, whatever else runs.
timed() {
  local name=$1
  shift
  (
    rc=0
    "$@" || rc=$?
    times > "$RUN_DIR/$name.times"
    exit "$rc"
  )
}
cpu_of() {  # NAME: "user sys" seconds of a timed command of the current run
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); v[i] = a[1] * 60 + a[2] }
                 printf "%.3f %.3f\n", v[1], v[2] }' "$RUN_DIR/$1.times"
}

median() {  # of the numbers on stdin
  sort -g |
    awk '{ a[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# The real data the corpora are made from (../shared/testdata): its raw logs
# and the three Histograms.json revisions its pings name.
testdata_dir() { echo "$1/peer/process_incoming/worker/common/test/data"; }

# link_specs TESTDATA DIR: DIR/<revision>.json for each Histograms.json of the
# test data, the layout --spec-url file://DIR/{rev}.json reads.
link_specs() {
  local data spec
  data=$(testdata_dir "$1")
  mkdir -p "$2"
  for spec in a55c55edf302.json.FIREFOX_AURORA_23_BASE 8d3810543edc.json.FIREFOX_AURORA_24_BASE \
              ad0ae007aa9e.json.FIREFOX_AURORA_25_BASE; do
    ln -sf "$data/$spec" "$2/${spec%%.*}.json"
  done
}

# converted_corpus BIN_DIR MB TESTDATA WORK OUT: at least MB MB of raw records
# (bench/make-corpus.sh) through BIN_DIR's tm-validate | tm-convert into OUT,
# the records tm-partition stores; WORK/specs holds the specs.
converted_corpus() {
  local bin=$1 mb=$2 testdata=$3 work=$4 out=$5
  link_specs "$testdata" "$work/specs"
  TM_BIN=$bin/tm-validate CORPUS_MB=$mb TESTDATA=$testdata CHECK=0 \
    "$(dirname "${BASH_SOURCE[0]}")/make-corpus.sh" "$work/raw.tsv" > /dev/null
  "$bin/tm-validate" -q --spec-url "file://$work/specs/{rev}.json" "$work/raw.tsv" |
    "$bin/tm-convert" -q --spec-url "file://$work/specs/{rev}.json" > "$out"
  rm "$work/raw.tsv"
}
