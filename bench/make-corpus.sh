#!/usr/bin/env bash
# bench/make-corpus.sh: a large record stream (tm-records(5)) of realistic pings,
# for bench/convert.sh.
#
# Usage: bench/make-corpus.sh [OUTPUT]
#
# The pings come from the real data in ../shared/testdata (read here, never
# copied into the repository); see its README:
#   v1   the Firefox 23.0.1 idle-daily ping (ver 1, 328 histograms, revision
#        a55c55edf302) of process_incoming/.../telemetry1.log
#   v2   the five already converted saved-session records (ver 2) of
#        analysis/example/test/ss-ff-n-22.lzma and ss-ff-n-28.lzma. Their
#        revisions (73f0c5b00572, 518f5bff0ae4) are not among our specs: they are
#        rewritten to 8d3810543edc (22.0a1) and ad0ae007aa9e (28.0a1). Every
#        histogram of theirs that those revisions define has the number of
#        buckets its definition gives there; the others (12-32 per record) are
#        unknown histograms, counted and carried through.
#   v4   the Firefox 39 unified saved-session ping (version 4) of
#        test/unicode.v1.packed (the gzip'd copy). Its revision eab4a81e4457 is not
#        among our specs: it is rewritten to ad0ae007aa9e. Its four histograms are
#        not defined there, so they are carried through as unknown histograms: the
#        v4 records exercise the unified-ping path, not histogram conversion.
# build/tm-validate turns them into records (compact payloads, dimensions from the
# payload) and must accept all seven before anything is generated.
#
# Every record of the corpus is one of these templates, varied deterministically
# (a Park-Miller PRNG of our own, exact in awk's doubles: the same CORPUS_MB,
# MIX, SEED and JOBS give the same corpus): a document id of its own; a random time of day on the template's date;
# a build id with another day of the build's month (everywhere the payload
# states it, and in column 7); in v4, its own ping id and one of 997 client ids;
# every non-zero histogram count scaled by a factor per histogram (1/3 to 3) and
# jittered per bucket (+-25 %), bucket keys and array lengths untouched, and the
# histogram's sum, log_sum, log_sum_squares and sum_squares_lo/hi scaled by the
# change of its total count (histograms with a total count of 1, such as flags,
# are left alone); the top-level integers of simpleMeasurements scaled by one
# factor per record (0.5 to 2). So every record stays valid for tm-validate.
#
# Environment (defaults in brackets):
#   CORPUS_MB   size to reach, in MB of 10^6 bytes [600]
#   MIX         records per cycle of each kind ["v1=6 v2=3 v4=1"]; the v2 kind
#               takes its five templates in turn
#   SEED        PRNG seed [20130910]
#   TESTDATA    the real data [<repo>/../shared/testdata]
#   TM_BIN      tm-validate, or the directory it is in [<repo>/build]
#   JOBS        generator processes; each writes every JOBS-th cycle of MIX [2]
#   CHECK       1: run tm-validate over the corpus and fail unless it rejects 0
#               records [1]
#
# OUTPUT defaults to corpus.tsv in a new temp dir. Written as OUTPUT.tmp and
# renamed. Prints the size and the record count; the last line is for scripts:
#   corpus=PATH bytes=N records=N payload_bytes=N v1=N v2=N v4=N
# Needs bash, awk (mawk or gawk), xz, sed, coreutils.
#
# Example: CORPUS_MB=600 bench/make-corpus.sh /tmp/corpus.tsv
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS_MB=${CORPUS_MB:-600}
MIX=${MIX:-v1=6 v2=3 v4=1}
SEED=${SEED:-20130910}
TESTDATA=${TESTDATA:-$ROOT/../shared/testdata}
TM_BIN=${TM_BIN:-$ROOT/build}
CHECK=${CHECK:-1}
JOBS=${JOBS:-2}

die() { echo "make-corpus.sh: $*" >&2; exit 2; }
note() { echo "make-corpus.sh: $*" >&2; }

for tool in awk xz sed cut; do command -v "$tool" >/dev/null || die "$tool not found"; done
[[ -d $TM_BIN ]] && TM_BIN=$TM_BIN/tm-validate
[[ -x $TM_BIN ]] || die "no tm-validate at $TM_BIN (cmake --build build, or set TM_BIN)"
[[ $CORPUS_MB =~ ^[1-9][0-9]*$ ]] || die "CORPUS_MB must be a positive integer"
[[ $SEED =~ ^[1-9][0-9]*$ ]] || die "SEED must be a positive integer"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer"
source "$ROOT/bench/lib.sh"
PEER=$TESTDATA/peer
DATA=$(testdata_dir "$TESTDATA")
[[ -r $DATA/telemetry1.log ]] || die "no test data at $TESTDATA (set TESTDATA)"

OUT=${1:-}
if [[ -z $OUT ]]; then
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/tm-corpus.XXXXXX")/corpus.tsv
fi
[[ -d $(dirname "$OUT") ]] || die "no directory for $OUT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tm-corpus-work.XXXXXX")
cleanup() {
  local rc=$?
  rm -rf "$WORK"
  ((rc == 0)) || rm -f "$OUT.tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'note "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the templates -----------------------------------------------------------

# The spec of a revision is $WORK/specs/<hash>.json (the repository is ignored).
link_specs "$TESTDATA" "$WORK/specs"
validate() { "$TM_BIN" --spec-url "file://$WORK/specs/{rev}.json" "$@"; }

# v1: the raw log's one record (its stray last byte is a reject, expected).
validate -q --rejects "$WORK/v1.rejects" "$DATA/telemetry1.log" | sed 's/^/v1\t/' > "$WORK/templates"
# v2: store lines "<uuid>\t<json>" made records: the date is that of the store
# file each came from (input.txt), the dimensions are left empty for tm-validate
# to fill in from the payload.
{
  xz -dc "$PEER/analysis/example/test/ss-ff-n-22.lzma" |
    sed 's#/rev/73f0c5b00572"#/rev/8d3810543edc"#' |
    awk -F'\t' -v OFS='\t' '{ print $1, "2013-10-11T00:00:00.000Z", "", "", "", "", "", "", $2 }'
  xz -dc "$PEER/analysis/example/test/ss-ff-n-28.lzma" |
    sed 's#/rev/518f5bff0ae4"#/rev/ad0ae007aa9e"#' |
    awk -F'\t' -v OFS='\t' '{ print $1, "2013-10-29T00:00:00.000Z", "", "", "", "", "", "", $2 }'
} | validate -q | sed 's/^/v2\t/' >> "$WORK/templates"
# v4: rejected for its revision first; the rejects stream gives the record back.
validate -q --rejects "$WORK/v4.rejects" "$PEER/test/unicode.v1.packed" > /dev/null || true
awk -F'\t' '$1 == "unknown_revision" { print; exit }' "$WORK/v4.rejects" | cut -f 3- |
  sed 's#/rev/eab4a81e4457"#/rev/ad0ae007aa9e"#' | validate -q | sed 's/^/v4\t/' >> "$WORK/templates"
counts=$(cut -f 1 "$WORK/templates" | sort | uniq -c | awk '{ printf "%s%s=%d", (NR > 1 ? " " : ""), $2, $1 }')
[[ $counts == "v1=1 v2=5 v4=1" ]] || die "expected templates v1=1 v2=5 v4=1 from the test data, got: $counts"

# --- the generator -----------------------------------------------------------

cat > "$WORK/corpus.awk" <<'AWK'
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function ri(n) { return int(rnd() * n) }
function bad(msg) { printf "make-corpus.sh: template %d: %s\n", T, msg > "/dev/stderr"; failed = 1; exit 1 }

# While parsing: the token P[s..e] becomes a slot of kind x (its text v, its
# histogram h); the text before it, since the last slot, is its literal.
function slot(x, s, e, v, h) {
  ++ns; tlit[ns] = substr(P, last, s - last); tkind[ns] = x; tval[ns] = v; thist[ns] = h
  last = e + 1
  if (x == "C") { hcount[h] += v; if (hstat[h]) bad("a histogram's statistics come before its counts") }
  if (x == "S" || x == "L") hstat[h] = 1
  if (x == "H") hhi[h] = v
  return ns
}

# Is the value being read at depth d inside the histograms that tm-validate
# checks (histograms, or payload.histograms/keyedHistograms for version 4)?
# Sets HD, the depth of the object that holds the histograms by name.
function in_histograms(d) {
  if (d >= 2 && ckey[1] == "histograms") { HD = 2; return 1 }
  if (d >= 3 && ckey[1] == "payload" && (ckey[2] == "histograms" || ckey[2] == "keyedHistograms")) { HD = 3; return 1 }
  return 0
}

# Splits the compact JSON P of template T into literals and slots: the slots
# that emit() varies, in lit/kind/val/hist[first[T]..end[T]], and tail[T].
function parse(   n, i, j, c, d, tok, s, h, len, k, x, pend) {
  n = split(P, ch, ""); last = 1; d = 0; ns = 0
  for (i = 1; i <= n; ) {
    c = ch[i]
    if (c == "{") { d++; ctype[d] = "{"; ckey[d] = ""; wantkey[d] = 1; cobj[d] = ++nobj; i++; continue }
    if (c == "[") { d++; ctype[d] = "["; cobj[d] = ++nobj; nel[d] = 0; i++; continue }
    if (c == "}" || c == "]") {
      if (c == "]" && nel[d] > 0) {  # a converted (ver 2) histogram: counts, then 5 statistics
        len = nel[d]; h = cobj[d]
        if (len < 6) bad("a histogram array of length " len)
        for (k = 1; k <= len; k++) {
          s = el[d, k]
          if (k <= len - 5) { tkind[s] = "C"; hcount[h] += tval[s] }
          else if (k == len - 1) tkind[s] = "L"
          else if (k == len) { tkind[s] = "H"; hhi[h] = tval[s] }
          else tkind[s] = "S"
        }
      }
      d--; i++; continue
    }
    if (c == ",") { if (ctype[d] == "{") wantkey[d] = 1; i++; continue }
    if (c == ":") { i++; continue }
    if (c == "\"") {
      for (j = i + 1; ch[j] != "\""; j++) if (ch[j] == "\\") j++
      tok = substr(P, i + 1, j - i - 1)
      if (ctype[d] == "{" && wantkey[d]) {
        ckey[d] = tok; wantkey[d] = 0
        if (tok == "values" && in_histograms(d) && d > HD) hasvalues[cobj[d]] = 1
      } else if (tok == basebuild[T]) slot("B", i, j, tok, 0)
      else if (tok == basedoc[T]) slot("D", i, j, tok, 0)
      else if (ctype[d] == "{" && ckey[d] == "clientId") slot("U", i, j, tok, 0)
      i = j + 1; continue
    }
    for (j = i; j <= n && ch[j] != "," && ch[j] != "}" && ch[j] != "]"; j++) ;
    tok = substr(P, i, j - i)
    if (tok ~ /^-?[0-9]/ && in_histograms(d)) {
      if (ctype[d] == "[" && d == HD + 1 && ctype[HD] == "{") {
        if (tok !~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/) bad("not a number: " tok)
        s = slot("A", i, j - 1, tok, cobj[d]); el[d, ++nel[d]] = s
      } else if (ctype[d] == "{" && d > HD + 1 && ckey[d - 1] == "values" && ckey[d] ~ /^[0-9]+$/) {
        if (tok !~ /^[0-9]+$/) bad("a count that is not a non-negative integer: " tok)
        slot("C", i, j - 1, tok, cobj[d - 1])
      } else if (ctype[d] == "{" && hasvalues[cobj[d]]) {
        k = ckey[d]
        if (k == "sum" || k == "log_sum" || k == "log_sum_squares") slot("S", i, j - 1, tok, cobj[d])
        else if (k == "sum_squares_lo") slot("L", i, j - 1, tok, cobj[d])
        else if (k == "sum_squares_hi") slot("H", i, j - 1, tok, cobj[d])
      }
    } else if (tok ~ /^[0-9]+$/ && d >= 2 && ctype[d] == "{" && ctype[d - 1] == "{" &&
               ((d == 2 && ckey[1] == "simpleMeasurements") || (d == 3 && ckey[1] == "payload" && ckey[2] == "simpleMeasurements"))) {
      slot("M", i, j - 1, tok, 0)
    }
    i = j
  }
  if (d != 0) bad("unbalanced JSON")
  # What emit() would write unchanged goes into the literals: zero counts, the
  # statistics of -1 (absent) and every number of a histogram left alone.
  first[T] = nall + 1; pend = ""
  for (k = 1; k <= ns; k++) {
    x = tkind[k]; h = thist[k]
    if (x == "C" || x == "S" || x == "L" || x == "H") {
      if (hcount[h] <= 1 || (x == "C" && tval[k] == 0) || (x != "C" && tval[k] + 0 < 0)) {
        pend = pend tlit[k] tval[k]; continue
      }
      if (!(h in hseen)) { hseen[h] = 1; hlist[T, ++nhist[T]] = h }
    }
    ++nall; lit[nall] = pend tlit[k]; kind[nall] = x; val[nall] = tval[k]; hist[nall] = h; pend = ""
    if (x == "S" && tval[k] ~ /[.eE]/) kind[nall] = "F"
  }
  end[T] = nall
  tail[T] = pend substr(P, last)
  fixed[T] = length(tail[T])
  for (k = first[T]; k <= nall; k++) fixed[T] += length(lit[k])
}

# Writes one record from template t; returns its length in bytes, newline included.
function emit(t,   k, e, h, v, x, out, bytes, build, doc, time, r, hi, tot) {
  doc = sprintf("%08x-%04x-4%03x-%04x-%06x%06x", nrec, ri(65536), ri(4096), 32768 + ri(16384), ri(16777216), ri(16777216))
  time = sprintf("%sT%02d:%02d:%02d.%03dZ", date[t], ri(24), ri(60), ri(60), ri(1000))
  build = substr(basebuild[t], 1, 6) sprintf("%02d", 1 + ri(28)) substr(basebuild[t], 9)
  smf = 0.5 + 1.5 * rnd()
  for (k = nhist[t]; k > 0; k--) {
    h = hlist[t, k]
    scale[h] = exp(1.0986123 * (2 * rnd() - 1))   # 1/3 to 3
    newcount[h] = 0
  }
  out = doc "\t" time "\t" head[t] "\t" build "\t" ip[t] "\t"
  print out
  bytes = length(out) + fixed[t] + 1
  e = end[t]
  for (k = first[t]; k <= e; k++) {
    x = kind[k]
    if (x == "C") {
      h = hist[k]
      out = int(val[k] * scale[h] * (0.75 + 0.5 * rnd()) + 0.5); newcount[h] += out
      if (out > 2147483647) out = sprintf("%.0f", out)   # mawk prints such numbers as 6.5e+09
    } else if (x == "S") {
      h = hist[k]; out = sprintf("%.0f", val[k] * newcount[h] / hcount[h])
    } else if (x == "F") {
      h = hist[k]; out = sprintf("%.6f", val[k] * newcount[h] / hcount[h])
    } else if (x == "L") {   # lo and hi are one 64-bit sum of squares, hi after lo
      h = hist[k]; hi = hhi[h] + 0; if (hi < 0) hi = 0
      tot = (val[k] + hi * 4294967296) * newcount[h] / hcount[h]
      newhi[h] = int(tot / 4294967296)
      out = sprintf("%.0f", tot - newhi[h] * 4294967296)
    } else if (x == "H") {
      h = hist[k]; out = (h in newhi) ? newhi[h] : val[k]; delete newhi[h]
    } else if (x == "M") out = sprintf("%.0f", val[k] * smf)
    else if (x == "B") out = "\"" build "\""
    else if (x == "D") out = "\"" doc "\""
    else if (x == "U") out = "\"" client[ri(997) + 1] "\""
    else out = val[k]
    print lit[k], out
    bytes += length(out)
  }
  print tail[t], "\n"
  return bytes
}

BEGIN { FS = "\t"; OFS = ""; ORS = "" }
{
  T = NR
  if (NF != 10) bad("not a record: " NF - 1 " columns")
  basedoc[T] = $2; date[T] = substr($3, 1, 10)
  head[T] = $4 "\t" $5 "\t" $6 "\t" $7; basebuild[T] = $8; ip[T] = $9
  if (basebuild[T] !~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/) bad("build id " basebuild[T])
  P = $10; parse()
  nof[$1]++; tmpl[$1, nof[$1]] = T
}
END {
  if (failed) exit 1
  seed = seed0 + 0
  for (k = 1; k <= 997; k++)
    client[k] = sprintf("%08x-%04x-4%03x-%04x-%06x%06x", ri(2147483647), ri(65536), ri(4096), 32768 + ri(16384), ri(16777216), ri(16777216))
  # A smooth weighted round-robin over the kinds of MIX: the order of one cycle,
  # and which occurrence of its kind each place is.
  nk = split(mix, m, " "); total = 0
  for (k = 1; k <= nk; k++) {
    split(m[k], kv, "="); kn[k] = kv[1]; kw[k] = kv[2] + 0; total += kw[k]; credit[k] = 0
    if (!(kn[k] in nof)) { printf "make-corpus.sh: MIX names %s: no such kind\n", kn[k] > "/dev/stderr"; exit 1 }
  }
  for (c = 1; c <= total; c++) {
    best = 0
    for (k = 1; k <= nk; k++) { credit[k] += kw[k]; if (!best || credit[k] > credit[best]) best = k }
    credit[best] -= total; cycle[c] = best; occ[c] = seen[best]++
  }
  # This worker writes the cycles job, job + jobs, ... (records total * cycle + 1
  # to total * (cycle + 1)) until it has its share of the bytes, with a PRNG
  # stream of its own.
  bytes = 0; other = 0; nout = 0
  seed = (seed0 + 1000003 * (job + 1)) % 2147483647; if (seed == 0) seed = 1
  for (cyc = job; bytes < target / jobs; cyc += jobs) {
    for (c = 1; c <= total && bytes < target / jobs; c++) {
      nrec = cyc * total + c; k = cycle[c]; kd = kn[k]
      t = tmpl[kd, (cyc * kw[k] + occ[c]) % nof[kd] + 1]; used[kd]++; nout++
      bytes += emit(t)
      other += 36 + 24 + length(head[t]) + 14 + length(ip[t]) + 5 + 1  # id, time, 4 dims (3 tabs), build, ip, 5 tabs, newline
    }
  }
  printf "bytes=%.0f records=%d payload_bytes=%.0f", bytes, nout, bytes - other > summary
  for (k = 1; k <= nk; k++) printf " %s=%d", kn[k], used[kn[k]] > summary
  printf "\n" > summary
}
AWK

[[ $MIX =~ ^([a-z0-9]+=[0-9]+ ?)+$ ]] || die "MIX must look like \"v1=6 v2=3 v4=1\""
start=$SECONDS
pids=()
for ((job = 0; job < JOBS; job++)); do
  awk -v seed0="$SEED" -v target="$((CORPUS_MB * 1000000))" -v mix="$MIX" -v jobs="$JOBS" -v job="$job" \
    -v summary="$WORK/summary.$job" -f "$WORK/corpus.awk" "$WORK/templates" > "$WORK/part.$job" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || die "the generator failed"; done
parts=() summaries=()
for ((job = 0; job < JOBS; job++)); do parts+=("$WORK/part.$job"); summaries+=("$WORK/summary.$job"); done
cat "${parts[@]}" > "$OUT.tmp"
rm -f "${parts[@]}"
# The workers' counts, added up: "bytes=N records=N payload_bytes=N v1=N ...".
summary=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (!(kv[1] in s)) name[++n] = kv[1]; s[kv[1]] += kv[2] } }
  END { for (i = 1; i <= n; i++) printf "%s%s=%.0f", (i > 1 ? " " : ""), name[i], s[name[i]]; printf "\n" }' "${summaries[@]}")
# Trust, but verify: the generator's own byte count.
actual=$(wc -c < "$OUT.tmp")
[[ " $summary " == *" bytes=$actual "* ]] || die "generator counted $summary, the file has $actual bytes"
mv "$OUT.tmp" "$OUT"
gen_secs=$((SECONDS - start))

records=$(sed 's/.* records=\([0-9]*\).*/\1/' <<<"$summary")
payload=$(sed 's/.* payload_bytes=\([0-9]*\).*/\1/' <<<"$summary")
echo "corpus: $OUT"
echo "  $actual bytes ($(awk -v b="$actual" 'BEGIN { printf "%.1f", b / 1e6 }') MB), $records records, $payload bytes of payload JSON; ${summary#*payload_bytes=* }; generated in ${gen_secs}s (seed $SEED, mix \"$MIX\")"

if [[ $CHECK == 1 ]]; then
  start=$SECONDS
  validate -q --stats "$WORK/check.json" "$OUT" > /dev/null
  read -r valid rejected < <(sed 's/.*"valid":\([0-9]*\),"rejected":\([0-9]*\),.*/\1 \2/' "$WORK/check.json")
  if [[ $valid != "$records" || $rejected != 0 ]]; then
    cat "$WORK/check.json" >&2
    die "tm-validate: $valid valid, $rejected rejected of $records records"
  fi
  echo "  checked: tm-validate accepts all $records records, rejects 0 ($((SECONDS - start))s)"
fi
echo "corpus=$OUT $summary"
