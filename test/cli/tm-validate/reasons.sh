# Every submission ends up in exactly one place: valid, or rejected with its
# reason. The submissions go through tm-receive into real raw logs first.
source "$(dirname "$0")/../lib.sh"

mkdir -p "$T/specs"
cat > "$T/specs/aaaaaa1.json" <<'JSON'
{"A_FLAG": {"kind": "flag", "description": "a flag"},
 "EXP": {"kind": "exponential", "high": "10000", "n_buckets": 50, "description": "CACHE_DEVICE_SEARCH_2's layout"},
 "LIN": {"kind": "linear", "high": "10 * 10", "n_buckets": 11, "description": "arithmetic in a bound"}}
JSON
spec_url="file://$T/specs/{rev}.json"
info='"info":{"reason":"saved-session","appName":"Firefox","appVersion":"23.0","appUpdateChannel":"release","appBuildID":"20130814063812"'
ping() {  # ping REVISION_URL HISTOGRAMS
  printf '{"ver":1,%s,"revision":"%s"},"histograms":%s}' "$info" "$1" "$2"
}
good_histograms='{"A_FLAG":{"values":{"0":1,"1":0},"sum":0},"EXP":{"values":{"0":3,"14":2,"34":0},"sum":30},"STARTUP_LIN":{"values":{"12":4},"sum":48},"NOT_IN_SPEC":{"values":{"7":1}}}'

start_receiver
post() {  # post PATH_AFTER_SUBMIT BODY [CURL ARGS...]
  local path=$1 body=$2
  shift 2
  local code
  code=$(http_code -X POST --data-binary "$body" "$@" "$URL/submit/telemetry/$path")
  [ "$code" = 200 ] || fail "POST $path answered $code"
}
dims=saved-session/Firefox/23.0/release/20130814063812
post "valid-https/$dims" "$(ping https://hg.mozilla.org/releases/mozilla-release/rev/aaaaaa1 "$good_histograms")"
# The old server lost a week of pings when Firefox's revision URLs turned from http into https.
post "valid-http/$dims" "$(ping http://hg.mozilla.org/releases/mozilla-release/rev/aaaaaa1 "$good_histograms")"
ping https://hg.mozilla.org/mozilla-central/rev/aaaaaa1 "$good_histograms" | gzip > "$T/ping.gz"
post "valid-gzip/$dims" "@$T/ping.gz" -H 'Content-Encoding: gzip'
post "valid-docid-only" "$(ping https://hg.mozilla.org/releases/mozilla-release/rev/aaaaaa1 '{}')"
printf '\037\213\010\000garbage' > "$T/bad.gz"
post "corrupted/$dims" "@$T/bad.gz"
post "empty/$dims" ""
post "tab%09in-id/$dims" "$(ping https://hg.mozilla.org/releases/mozilla-release/rev/aaaaaa1 '{}')"
post "badjson/$dims" '{"ver":1,'
post "badpayload-nover/$dims" '{"info":{}}'
post "badpayload-bucket/$dims" "$(ping https://hg.mozilla.org/releases/mozilla-release/rev/aaaaaa1 '{"EXP":{"values":{"13":1}}}')"
post "badpayload-count/$dims" "$(ping https://hg.mozilla.org/releases/mozilla-release/rev/aaaaaa1 '{"A_FLAG":{"values":{"0":-1}}}')"
post "missing/$dims" "{\"ver\":1,$info},\"histograms\":$good_histograms}"
post "unknown/$dims" "$(ping https://hg.mozilla.org/releases/mozilla-release/rev/bbbbbb2 "$good_histograms")"
stop_receiver

# shellcheck disable=SC2046
rc=0
"$TM_BIN/tm-validate" --spec-url "$spec_url" --rejects "$T/rejects" --stats "$T/stats.json" \
  $(finished_logs) > "$T/valid" 2> "$T/err" || rc=$?
check_eq "rejects do not fail the run" 0 "$rc"
check_eq "valid ids" "valid-docid-only valid-gzip valid-http valid-https" "$(cut -f1 "$T/valid" | sort | xargs)"
check_eq "reject reasons by id" "bad_json badjson
bad_payload badpayload-bucket
bad_payload badpayload-count
bad_payload badpayload-nover
corrupted_data corrupted
empty_data empty
invalid_path tab%09in-id/$dims
missing_revision missing
unknown_revision unknown" "$(cut -f1,3 "$T/rejects" | tr '\t' ' ' | sort)"
check_contains "bucket detail" 'histograms.EXP.values: "13" is not a bucket lower bound of its definition' "$(cat "$T/rejects")"
check_contains "count detail" 'histograms.A_FLAG.values["0"]: not a non-negative integer count' "$(cat "$T/rejects")"
check_contains "a docId-only path takes its dimensions from info" \
  "valid-docid-only	saved-session	Firefox	23.0	release	20130814063812" "$(cut -f1,3- "$T/valid")"
check_contains "stats" '"records":13,"valid":4,"rejected":9,"rejected_by_reason":{"corrupted_data":1,"empty_data":1,"invalid_path":1,"bad_json":1,"bad_payload":3,"missing_revision":1,"unknown_revision":1}' "$(cat "$T/stats.json")"
check_contains "unknown histogram counted, not rejected" '"unknown_histogram":{"NOT_IN_SPEC":3}' "$(cat "$T/stats.json")"
check_contains "summary" "13 records: 4 valid, 9 rejected (corrupted_data 1, empty_data 1, invalid_path 1, bad_json 1, bad_payload 3, missing_revision 1, unknown_revision 1)" "$(cat "$T/err")"

# A reject's payload that is not JSON is escaped, every byte kept.
check_eq "corrupted gzip kept" '\x1f\x8b\x08\x00garbage' "$(grep '^corrupted_data' "$T/rejects" | cut -f11)"

# Without --rejects, each rejected record is named on stderr.
"$TM_BIN/tm-validate" --spec-url "$spec_url" $(finished_logs) > /dev/null 2> "$T/err2"
check_eq "named on stderr" 9 "$(grep -c ': record [0-9]*: ' "$T/err2")"
check_contains "reason on stderr" ": missing_revision: info.revision is missing" "$(cat "$T/err2")"

# The rejects' record columns are a record stream again: checked anew once
# the missing spec is there, the unknown_revision record passes.
cp "$T/specs/aaaaaa1.json" "$T/specs/bbbbbb2.json"
grep '^unknown_revision' "$T/rejects" | cut -f3- | "$TM_BIN/tm-validate" -q --spec-url "$spec_url" > "$T/again"
check_eq "re-checked" "unknown" "$(cut -f1 "$T/again")"
echo "every submission is valid or rejected with its reason"
