# A store published with tm-upload to an S3-compatible server (s3rver):
# tm-mapreduce lists it, fetches the selected files into its cache, and the
# next run finds them there.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tm-upload/helpers/s3.sh"
source "$(dirname "$0")/lib.bash"
need_s3
start_s3

make_store "$T/store" 200
"$UPLOAD" -q --endpoint "$S3_URL" "$T/store/" s3://tm/store/
mkdir "$T/work"
job=(--data-dir s3://tm/store/ --endpoint "$S3_URL" --work-dir "$T/work" --mapper "$OS_MAPPER" --reducer "$SUM")
"$TM_BIN/tm-mapreduce" "${job[@]}" > "$T/out" 2> "$T/err"
check_eq "OS distribution from S3" "$(expected_os 200)" "$(sort "$T/out")"
check_contains "fetched" "4 files fetched from s3://tm/store/, 0 found in the cache" "$(cat "$T/err")"
"$TM_BIN/tm-mapreduce" "${job[@]}" > "$T/out" 2> "$T/err"
check_eq "second run" "$(expected_os 200)" "$(sort "$T/out")"
check_contains "from the cache" "0 files fetched from s3://tm/store/, 4 found in the cache" "$(cat "$T/err")"
