#!/usr/bin/env bash
# bench/upload.sh: tm-upload against `aws s3 cp --recursive`, both uploading
# the same files to the same S3-compatible server on 127.0.0.1 (s3rver).
#
# The files are FILES files of FILE_MB MB each of incompressible bytes (made
# once per run; read once before the first run, so that every run reads them
# from the page cache). Each round uploads them, in rotating order, with
#   tm-upload -j1   tm-upload -j 1 --endpoint ... DIR s3://bench/<run>/
#   tm-upload -j4   tm-upload -j 4 --endpoint ... DIR s3://bench/<run>/
#   aws             /usr/bin/aws --endpoint-url ... s3 cp --recursive --quiet DIR s3://bench/<run>/
#                   (Debian's awscli with its defaults: 10 requests at once,
#                   8 MB multipart threshold and parts)
#   aws-64M         the same with multipart_threshold = 64MB in its config file,
#                   tm-upload's default: s3rver assembles a multipart object by
#                   copying its parts, which costs the server (so the client) time
# each to a fresh prefix, so nothing is skipped. MB/s = MB (10^6 bytes) of file
# data per second of wall time; the client's CPU time (user+sys) is shown too;
# the server's (s3rver, node) is not its own core: on 2 cores the two compete.
# The ratios to aws are of medians over ROUNDS rounds, all in the same run.
#
# Every run is checked: exit status 0, and the bucket must then hold FILES
# objects under the run's prefix whose ETags are the MD5s of the files (s3rver
# computes them from what it stored). The script exits 1 if one is not.
# Each run's objects are removed from s3rver's directory afterwards.
#
# Everything listens on and talks to 127.0.0.1 only. Needs a built tree
# (cmake --build build), s3rver in .deps/ and Debian's awscli (scripts/setup).
#
# Environment (defaults in brackets):
#   TM_BIN      the tm-upload binary, or its directory [<repo>/build]; copied
#               first, so that a rebuild during the benchmark changes nothing
#   FILES       number of files [24]
#   FILE_MB     size of each, MB [16]
#   ROUNDS      rounds [3]
#   WORK        where files and s3rver's data go [a new temp dir, removed at the end]
#   COOLDOWN    seconds of pause between runs [1]
#   IDLE_MAX, IDLE_WAIT  before each run, wait up to IDLE_WAIT seconds [120]
#               for the machine to be at most IDLE_MAX % busy [10] (bench/lib.sh);
#               the machine's load during each run is printed with it
#   KEEP        1: keep the temp dir [0]
#
# Example: bench/upload.sh
#          FILES=40 FILE_MB=10 ROUNDS=5 bench/upload.sh
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TM_BIN=${TM_BIN:-$ROOT/build}
[[ -d $TM_BIN ]] && TM_BIN=$TM_BIN/tm-upload
FILES=${FILES:-24}
FILE_MB=${FILE_MB:-16}
ROUNDS=${ROUNDS:-3}
COOLDOWN=${COOLDOWN:-1}
IDLE_MAX=${IDLE_MAX:-10}
IDLE_WAIT=${IDLE_WAIT:-120}
KEEP=${KEEP:-0}
S3RVER=${S3RVER:-$ROOT/.deps/node_modules/.bin/s3rver}
AWS=/usr/bin/aws  # not pyenv's shim, which PATH may have first

die() { echo "upload.sh: $*" >&2; exit 1; }
note() { echo "  note: $*"; }
[[ -x $TM_BIN ]] || die "no tm-upload at $TM_BIN (cmake --build build)"
[[ -x $S3RVER ]] || die "no s3rver at $S3RVER (scripts/setup)"
[[ -x $AWS ]] || die "no $AWS (scripts/setup)"

WORK=${WORK:-}
if [[ -z $WORK ]]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/tm-bench-upload.XXXXXX"); fi
mkdir -p "$WORK"
S3_PID=
finish() {
  local rc=$?
  if [[ -n $S3_PID ]]; then kill -KILL "$S3_PID" 2> /dev/null; wait "$S3_PID" 2> /dev/null || true; fi
  if [[ $KEEP = 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap finish EXIT

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
export AWS_CONFIG_FILE=$WORK/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/no-aws-credentials
unset AWS_PROFILE AWS_SESSION_TOKEN http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
export no_proxy='*' NO_PROXY='*'

printf '[default]\ns3 =\n  multipart_threshold = 64MB\n' > "$WORK/aws-64M.config"
cp "$TM_BIN" "$WORK/tm-upload"
TM=$WORK/tm-upload

# The files, and their MD5s (what the ETags must be).
mkdir -p "$WORK/files"
for i in $(seq -w 1 "$FILES"); do
  head -c $((FILE_MB * 1000000)) /dev/urandom > "$WORK/files/part-$i.lzma"
done
(cd "$WORK/files" && md5sum -- * | awk '{ print $2 "\t" $1 }' | sort) > "$WORK/md5s"
TOTAL=$((FILES * FILE_MB * 1000000))
cat "$WORK/files"/* > /dev/null  # into the page cache

mkdir -p "$WORK/s3data"
"$S3RVER" -d "$WORK/s3data" -a 127.0.0.1 -p 0 -s --configure-bucket bench > "$WORK/s3rver.log" 2>&1 &
S3_PID=$!
PORT=
for _ in $(seq 200); do
  PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/s3rver.log")
  [[ -n $PORT ]] && break
  sleep 0.05
done
# s3rver -s prints nothing: find its port from the socket it listens on.
if [[ -z $PORT ]]; then
  for _ in $(seq 200); do
    PORT=$(ss -Hltnp 2> /dev/null | awk -v pid="pid=$S3_PID," '$0 ~ pid { sub(/.*:/, "", $4); print $4; exit }')
    [[ -n $PORT ]] && break
    sleep 0.05
  done
fi
[[ -n $PORT ]] || die "s3rver did not start: $(cat "$WORK/s3rver.log")"
URL=http://127.0.0.1:$PORT

RUN_DIR=$WORK
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"  # machine_cpu, share_pct, wait_idle, timed, cpu_of, median

# check PREFIX: FILES objects under PREFIX, their ETags the files' MD5s.
check() {
  "$AWS" --endpoint-url "$URL" s3api list-objects-v2 --bucket bench --prefix "$1/" \
    --query 'Contents[].[Key,ETag]' --output text |
    sed "s|^$1/||; s|\"||g" | sort > "$WORK/etags"
  cmp -s "$WORK/etags" "$WORK/md5s"
}

run() {  # run TARGET ROUND: one upload; appends a line to $WORK/results
  local target=$1 round=$2 prefix="r$2-$1" t0 t1 m0 m1 rc=0 status=ok
  local -a cmd
  case $target in
    tm-j1) cmd=("$TM" -q -j 1 --endpoint "$URL" "$WORK/files" "s3://bench/$prefix/") ;;
    tm-j4) cmd=("$TM" -q -j 4 --endpoint "$URL" "$WORK/files" "s3://bench/$prefix/") ;;
    aws) cmd=("$AWS" --endpoint-url "$URL" s3 cp --recursive --quiet "$WORK/files" "s3://bench/$prefix/") ;;
    aws-64M) cmd=(env AWS_CONFIG_FILE="$WORK/aws-64M.config" "$AWS" --endpoint-url "$URL" s3 cp
                  --recursive --quiet "$WORK/files" "s3://bench/$prefix/") ;;
  esac
  wait_idle
  m0=$(machine_cpu)
  t0=$(date +%s.%N)
  timed "$target" "${cmd[@]}" > /dev/null 2> "$WORK/err" || rc=$?
  t1=$(date +%s.%N)
  m1=$(machine_cpu)
  ((rc == 0)) || status="exit $rc"
  [[ -s $WORK/err ]] && { status="stderr: $(head -c 200 "$WORK/err")"; rc=1; }
  check "$prefix" || { status="objects do not match the files"; rc=1; }
  rm -rf "$WORK/s3data/bench/$prefix"
  local wall mbs cpu busy steal
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  mbs=$(awk -v w="$wall" -v t="$TOTAL" 'BEGIN { printf "%.1f", t / 1e6 / w }')
  cpu=$(cpu_of "$target" | awk '{ printf "%.2f", $1 + $2 }')
  busy=$(share_pct "$m0" "$m1" 1)
  steal=$(share_pct "$m0" "$m1" 3)
  printf '  round %d %-7s wall %6.2f s  %7.1f MB/s  client CPU %6.2f s  machine %3d%% busy (steal %d%%)  %s\n' \
    "$round" "$target" "$wall" "$mbs" "$cpu" "$busy" "$steal" "$status"
  printf '%s\t%s\t%s\t%s\n' "$target" "$round" "$mbs" "$rc" >> "$WORK/results"
  sleep "$COOLDOWN"
}

echo "tm-upload vs aws s3 cp to s3rver on 127.0.0.1, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  tm-upload: $TM_BIN (sha256 $(sha256sum < "$TM_BIN" | cut -c1-12)); source at $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo '?')"
echo "  aws: $("$AWS" --version 2>&1)"
echo "  s3rver: $(node -p "require('$ROOT/.deps/node_modules/s3rver/package.json').version"), node $(node --version)"
echo "  files: $FILES x $FILE_MB MB = $((TOTAL / 1000000)) MB of random bytes, read from the page cache; s3rver's data in $WORK"
: > "$WORK/results"
targets=(tm-j1 tm-j4 aws aws-64M)
for round in $(seq "$ROUNDS"); do
  for k in 0 1 2 3; do run "${targets[$(((round - 1 + k) % 4))]}" "$round"; done
done

echo
echo "Medians over $ROUNDS round(s); MB/s = 10^6 bytes of file data per second of wall time."
bad=$(awk -F'\t' '$4 != 0' "$WORK/results" | wc -l)
aws=$(awk -F'\t' '$1 == "aws" { print $3 }' "$WORK/results" | median)
aws64=$(awk -F'\t' '$1 == "aws-64M" { print $3 }' "$WORK/results" | median)
echo "target  |    MB/s | x aws | x aws-64M"
echo "--------+---------+-------+----------"
for target in tm-j1 tm-j4 aws aws-64M; do
  m=$(awk -F'\t' -v t="$target" '$1 == t { print $3 }' "$WORK/results" | median)
  awk -v t="$target" -v m="$m" -v a="$aws" -v b="$aws64" \
    'BEGIN { printf "%-7s | %7.1f | %5.2f | %8.2f\n", t, m, m / a, m / b }'
done
echo
if ((bad > 0)); then
  echo "$bad run(s) FAILED their checks"
  exit 1
fi
echo "every run: exit 0, nothing on stderr, and every object's ETag the MD5 of its file"
