# The code tarball fetched from a real HTTP server (Python's http.server) and
# from an S3-compatible server (s3rver), both on 127.0.0.1, and the output
# published back into S3: the job runs the code it was given and its output
# lands at DEST/NAME/data/.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tm-upload/helpers/s3.sh"
need_s3
start_s3
S3_BUCKET=$BUCKET
source "$(dirname "$0")/lib.bash"

job_tarball web << 'EOF2'
mkdir -p output/deep
echo "run with $1" > output/result.txt
echo deep > output/deep/file.txt
EOF2

# HTTP: a real server on a free port, serving $T.
$PY -u -m http.server --bind 127.0.0.1 --directory "$T" 0 > "$T/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill -KILL $HTTP_PID 2> /dev/null || true; s3_cleanup' EXIT
port=
for _ in $(seq 200); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/http.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || fail "http.server did not start: $(cat "$T/http.log")"
job --job-name web --code-tarball "http://127.0.0.1:$port/web.tgz" --command "./run.sh http" \
  --destination "file://$BUCKET"
[ "$rc" = 0 ] || fail "http: exit status $rc: $(cat "$T/err")"
check_eq "http: published" "./web/data/deep/file.txt
./web/data/result.txt" "$(published)"
check_eq "http: the job's output" "run with http" "$(cat "$BUCKET/web/data/result.txt")"
check_contains "http: the server was asked" "GET /web.tgz" "$(cat "$T/http.log")"

# S3: the tarball from s3rver, the output published into it.
aws_s3 s3 cp --quiet "$T/web.tgz" "s3://$S3_BUCKET/jobs/web.tgz"
job --job-name web --code-tarball "s3://$S3_BUCKET/jobs/web.tgz" --command "./run.sh s3" \
  --destination "s3://$S3_BUCKET/published" --endpoint "$S3_URL" --region us-east-1
[ "$rc" = 0 ] || fail "s3: exit status $rc: $(cat "$T/err")"
BUCKET=$S3_BUCKET
check_eq "s3: published" "published/web/data/deep/file.txt
published/web/data/result.txt" "$(s3_keys published/)"
check_eq "s3: the job's output" "run with s3" "$(aws_s3 s3 cp --quiet "s3://$S3_BUCKET/published/web/data/result.txt" -)"
check_eq "history" "success success" "$(statuses web)"
