# A real Firefox 39 unified (version 4) saved-session ping, sent twice (gzip'd
# and plain) in the old server's test log, converts to the classic "v5" shape:
# histograms and keyed histograms as arrays, payload lifted, info rebuilt.
# Non-ASCII text comes through byte for byte.
source "$(dirname "$0")/../lib.sh"
log=$SHARED/peer/test/unicode.v1.packed
[ -f "$log" ] || skip "../shared/testdata is absent"

# The ping names mozilla-central eab4a81e4457, whose Histograms.json we do not
# have: this spec of ours defines what the ping carries.
mkdir -p "$T/specs"
cat > "$T/specs/eab4a81e4457.json" <<'JSON'
{"OSFILE_WRITEATOMIC_JANK_MS": {"kind": "exponential", "high": "5000", "n_buckets": 10},
 "BLOCKED_ON_PLUGIN_MODULE_INIT_MS": {"kind": "exponential", "high": "10000", "n_buckets": 20, "keyed": true},
 "SEARCH_DEFAULT_ENGINE": {"kind": "flag", "keyed": true},
 "SEARCH_COUNTS": {"kind": "count", "keyed": true}}
JSON
rc=0
"$TM_BIN/tm-convert" --spec-url "file://$T/specs/{rev}.json" --stats "$T/stats.json" "$log" \
  > "$T/out" 2> "$T/err" || rc=$?
check_eq "exit" 0 "$rc"
check_eq "both copies converted" 2 "$(wc -l < "$T/out")"
check_contains "summary" "2 records: 2 valid, 0 rejected" "$(cat "$T/err")"
check_eq "dimensions from type and application" \
  "e7916aaf-ab3e-924c-a0bf-47d54359f721	saved-session	Firefox	39.0a1	nightly	20150309030224" \
  "$(cut -f1,3-7 "$T/out" | sort -u)"
check_eq "gzip'd and plain give the same payload" 1 "$(cut -f9 "$T/out" | sort -u | wc -l)"
p=$(head -1 "$T/out" | cut -f9)
check_contains "version 5" '"version":5,' "$p"
check_contains "ver 5" ',"ver":5}' "$p"
check_contains "histogram converted" '"histograms":{"OSFILE_WRITEATOMIC_JANK_MS":[144,13,0,0,0,0,0,0,0,0,13,9.010913372039795,6.245889186859131,-1,-1]}' "$p"
check_contains "keyed, key by key, non-ASCII key kept" '"SEARCH_DEFAULT_ENGINE":{"other-Wikipédia (fr)":[0,1,0,1,-1,-1,1,0],"google":[0,1,0,1,-1,-1,1,0]}' "$p"
check_contains "payload lifted" '"simpleMeasurements":{"shutdownDuration":1209,' "$p"
check_contains "payload.ver kept" '"payload.ver":4' "$p"
check_contains "info from application, then payload.info" '"info":{"appName":"Firefox","appUpdateChannel":"nightly","appVersion":"39.0a1","appBuildID":"20150309030224","arch":"x86-64","platformVersion":"39.0a1","xpcomAbi":"x86_64-gcc3","vendor":"Mozilla","reason":"saved-session","previousSubsessionId":null,' "$p"
check_contains "info from environment" '"OS":"Darwin","version":"14.1.0"}' "$p"
check_contains "memsize and locale" '"memsize":16384,"locale":"en-US"' "$p"
check_contains "clientID" '"clientID":"93fb0031-ccac-c84a-adae-1cc118ec86cb"' "$p"
check_contains "non-ASCII value kept" '"currentSearchEngine":"Wikipédia (fr)"' "$p"
case "$p" in *'"payload":'*) fail "payload still there" ;; esac
echo "a unified saved-session ping converts to the classic shape"
