# Helpers for the tests of tm-upload and tm-fetch against a real S3-compatible
# server: s3rver (npm; scripts/setup installs it in .deps/), started on a free
# port of 127.0.0.1 with its data in the test's temporary directory, checked
# with an independent client, Debian's awscli (/usr/bin/aws: PATH may have
# pyenv's shims first), and fault_proxy.py between the two when a test wants
# faults. Sourced after test/cli/lib.sh. Nothing here talks to any address but
# 127.0.0.1, and every process started is killed on exit.

HELPERS=$TM_SOURCE/test/cli/tm-upload/helpers
S3RVER=${TM_S3RVER:-$TM_SOURCE/.deps/node_modules/.bin/s3rver}
AWS=/usr/bin/aws
PY=/usr/bin/python3
BUCKET=tm

# The tests' credentials, region and nothing else: no ~/.aws files, no proxy.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
export AWS_CONFIG_FILE=$T/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$T/no-aws-credentials
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN TM_AWS_SIGV4_DATE
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

S3_PID=
PROXY_PID=
s3_cleanup() {
  for pid in $PROXY_PID $S3_PID; do
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  cleanup
}
trap s3_cleanup EXIT

need_s3() {
  [ -x "$S3RVER" ] || skip "s3rver is not installed in $S3RVER (run scripts/setup)"
  [ -x "$AWS" ] || skip "$AWS (Debian's awscli) is not installed (run scripts/setup)"
  $PY -c 'import botocore' 2> /dev/null || skip "python3-botocore is not installed (run scripts/setup)"
}

# start_s3 [PORT]: starts s3rver with bucket $BUCKET and its data in $T/s3data;
# sets S3_PID, S3_PORT and S3_URL. With PORT, on that port (a restart).
start_s3() {
  mkdir -p "$T/s3data"
  : > "$T/s3rver.log"
  # s3rver makes its ListObjectsV2 continuation tokens with DES, which Node 17+
  # has only in OpenSSL's legacy provider.
  NODE_OPTIONS=--openssl-legacy-provider \
    "$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "${1:-0}" --configure-bucket "$BUCKET" \
    > "$T/s3rver.log" 2>&1 &
  S3_PID=$!
  S3_PORT=
  for _ in $(seq 200); do
    S3_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/s3rver.log")
    [ -n "$S3_PORT" ] && break
    kill -0 "$S3_PID" 2> /dev/null || { cat "$T/s3rver.log" >&2; fail "s3rver died"; }
    sleep 0.05
  done
  [ -n "$S3_PORT" ] || fail "s3rver did not start"
  S3_URL=http://127.0.0.1:$S3_PORT
}

stop_s3() {
  kill -KILL "$S3_PID" 2> /dev/null || true
  wait "$S3_PID" 2> /dev/null || true
  S3_PID=
}

# start_proxy ARGS...: fault_proxy.py in front of s3rver (ARGS: its faults);
# sets PROXY_PID and PROXY_URL. Requests are logged to $T/proxy.log.
start_proxy() {
  rm -f "$T/proxy.port"
  : > "$T/proxy.log"
  $PY "$HELPERS/fault_proxy.py" --upstream "127.0.0.1:${S3_PORT:-1}" \
    --port-file "$T/proxy.port" --log "$T/proxy.log" "$@" 2> "$T/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 200); do
    [ -s "$T/proxy.port" ] && break
    kill -0 "$PROXY_PID" 2> /dev/null || { cat "$T/proxy.err" >&2; fail "fault_proxy died"; }
    sleep 0.05
  done
  [ -s "$T/proxy.port" ] || fail "fault_proxy did not start"
  PROXY_URL=http://127.0.0.1:$(cat "$T/proxy.port")
}

stop_proxy() {
  kill -KILL "$PROXY_PID" 2> /dev/null || true
  wait "$PROXY_PID" 2> /dev/null || true
  PROXY_PID=
}

# aws_s3 ARGS...: the independent client, against s3rver.
aws_s3() { "$AWS" --endpoint-url "$S3_URL" "$@"; }

# s3_keys [PREFIX]: every key of the bucket below PREFIX, one a line, sorted.
s3_keys() {
  aws_s3 s3api list-objects-v2 --bucket "$BUCKET" --prefix "${1:-}" \
    --query 'Contents[].Key' --output text | tr '\t' '\n' | grep -v '^None$' | LC_ALL=C sort || true
}

# check_same_tree WHAT LOCAL_DIR PREFIX: the objects below PREFIX are exactly
# the visible files of LOCAL_DIR (names starting with '.' excluded), byte for
# byte, as awscli downloads them.
check_same_tree() {
  local what=$1 dir=$2 prefix=$3 got=$T/check.$RANDOM
  check_eq "$what: keys" "$(cd "$dir" && find . -path '*/.*' -prune -o -type f -print |
    sed 's|^\./||' | LC_ALL=C sort)" "$(s3_keys "$prefix" | sed "s|^$prefix||")"
  aws_s3 s3 cp --quiet --recursive "s3://$BUCKET/$prefix" "$got"
  diff -r --exclude='.*' "$dir" "$got" > "$T/diff.out" 2>&1 ||
    { cat "$T/diff.out" >&2; fail "$what: objects differ from the files"; }
  rm -rf "$got"
}

# random_file PATH BYTES: incompressible content.
random_file() {
  mkdir -p "$(dirname "$1")"
  head -c "$2" /dev/urandom > "$1"
}

# proxy_count SELECTOR-REGEX: requests in the proxy log whose "METHOD TARGET"
# matches the extended regex.
proxy_count() {
  $PY -c 'import json,re,sys
n=0
for line in open(sys.argv[1]):
    r=json.loads(line)
    if re.search(sys.argv[2], r["method"]+" "+r["target"]): n+=1
print(n)' "$T/proxy.log" "$1"
}

UPLOAD=$TM_BIN/tm-upload
FETCH=$TM_BIN/tm-fetch
