# The demo's pings: N saved-session pings in the shape Firefox 23 sent them,
# varied deterministically (channel, version, OS, build, memory, histogram
# counts), one per line as "KIND<TAB>URL_PATH<TAB>JSON". KIND is "ok" for a
# valid ping, else the way it is broken: bad_json (cut short), bad_payload (a
# bucket that its histogram's definition does not have), missing_revision (no
# info.revision), corrupted_data (its gzip stream is to be cut short by the
# sender). Every 12th ping is
# broken, in turn.  Usage: awk -v n=300 -f pings.awk
function pick(list, i,    a) { split(list, a, " "); return a[i % length(a) + 1] }
function histogram(type, range, buckets, values, sum) {
  return sprintf("{\"range\":%s,\"bucket_count\":%d,\"histogram_type\":%d,\"values\":{%s},\"sum\":%d,\"sum_squares_lo\":%d,\"sum_squares_hi\":0}",
                 range, buckets, type, values, sum, sum * sum)
}
# The slowSQL section: one or two statements on the main thread, one on
# others for every third ping, each [hits, total ms].
function statement(i,    s) { s = pick(sql, i); gsub(/~/, " ", s); return s }
function slow_sql(i,    main, other) {
  main = sprintf("\"%s\":[%d,%d]", statement(i * i), i % 3 + 1, 120 + i * 37 % 400)
  if (i % 2) main = main sprintf(",\"%s\":[1,%d]", statement(i * i + 2), 100 + i % 50)
  other = i % 3 ? "" : sprintf("\"%s\":[%d,%d]", statement(i + 1), i % 5 + 1, 300 + i % 900)
  return "{\"mainThread\":{" main "},\"otherThreads\":{" other "}}"
}
BEGIN {
  # SQL statements as Firefox 23 reported them, with "~" for " " here.
  sql = "SELECT~h.id,~h.url~FROM~moz_places~h~WHERE~h.url~=~:url " \
        "UPDATE~moz_places~SET~frecency~=~CALCULATE_FRECENCY(:id)~WHERE~id~=~:id " \
        "SELECT~*~FROM~moz_cookies~WHERE~baseDomain~=~:baseDomain " \
        "INSERT~INTO~moz_formhistory~(fieldname,~value)~VALUES~(:fieldname,~:value) " \
        "DELETE~FROM~moz_annos~WHERE~expiration~=~:expire_session"
  rev = "https://hg.mozilla.org/releases/mozilla-release/rev/a55c55edf302"
  broken = "bad_json bad_payload missing_revision corrupted_data"
  for (i = 1; i <= n; i++) {
    channel = pick("release release release beta beta aurora nightly", i * 3)
    version = channel == "release" ? pick("23.0 23.0.1 22.0", i) : channel == "beta" ? "24.0" : channel == "aurora" ? "25.0a2" : "26.0a1"
    os = pick("WINNT WINNT WINNT WINNT Darwin Linux", i * 5)
    build = channel == "release" ? pick("20130814063812 20130618035212", i) : channel == "beta" ? "20130911155237" : channel == "aurora" ? "20130912004001" : "20130913030205"
    id = sprintf("%08x-%04x-4%03x-8%03x-%012x", i * 2654435761 % 4294967296, i % 65536, i % 4096, (i * 7) % 4096, i)
    kind = i % 12 == 0 ? pick(broken, i / 12 - 1) : "ok"
    cc = i % 5 + 1; gc = i % 3 + 1
    h = sprintf("\"CYCLE_COLLECTOR\":%s,\"GC_MS\":%s,\"PAGE_FAULTS_HARD\":%s,\"HTTP_REQUEST_PER_PAGE\":%s,\"SHUTDOWN_OK\":%s,\"NEWTAB_PAGE_SHOWN\":%s,\"TELEMETRY_PING_REASON\":%s",
        histogram(0, "[1,10000]", 50, sprintf("\"0\":0,\"1\":%d,\"2\":3,\"3\":0", cc), cc + 6),
        histogram(0, "[1,10000]", 50, sprintf("\"4\":%d,\"5\":1,\"8\":%d", gc, i % 4), 4 * gc + 5 + 8 * (i % 4)),
        histogram(0, "[8,65536]", 13, sprintf("\"0\":%d,\"8\":%d", 10 + i % 9, i % 3), 8 * (i % 3)),
        histogram(1, "[1,1000]", 50, sprintf("\"0\":1,\"1\":%d", i % 6), i % 6),
        histogram(2, "[1,2]", 3, sprintf("\"0\":%d,\"1\":%d,\"2\":0", i % 2, 1 - i % 2), 1 - i % 2),
        histogram(3, "[1,2]", 3, sprintf("\"0\":%d,\"1\":%d,\"2\":0", 1 - i % 3 % 2, i % 3 % 2), i % 3 % 2),
        histogram(1, "[1,8]", 9, sprintf("\"%d\":1", i % 8), i % 8))
    if (kind == "bad_payload") sub(/"2":3,"3":0/, "\"2\":3,\"9\":1", h)
    info = sprintf("\"reason\":\"saved-session\",\"OS\":\"%s\",\"appID\":\"{ec8030f7-c20a-464f-9b0e-13a3a9e97384}\",\"appVersion\":\"%s\",\"appName\":\"Firefox\",\"appBuildID\":\"%s\",\"appUpdateChannel\":\"%s\",\"platformBuildID\":\"%s\",%s\"locale\":\"%s\",\"cpucount\":%d,\"memsize\":%d,\"arch\":\"%s\"",
        os, version, build, channel, build, kind == "missing_revision" ? "" : "\"revision\":\"" rev "\",",
        pick("en-US en-US de fr ja es-ES", i * 3), pick("2 4 4 8", i), pick("2048 4096 4096 8192 16384", i * 11), pick("x86 x86-64", i))
    json = sprintf("{\"ver\":1,\"info\":{%s},\"simpleMeasurements\":{\"uptime\":%d,\"main\":%d,\"firstPaint\":%d,\"sessionRestored\":%d},\"histograms\":{%s},\"slowSQL\":%s,\"chromeHangs\":{\"stacks\":[],\"memoryMap\":[],\"durations\":[]},\"lateWrites\":{\"stacks\":[],\"memoryMap\":[]},\"addonHistograms\":{}}",
        info, 60 + i % 500, 180 + i % 97, 900 + i % 1300, 1100 + i % 1700, h, slow_sql(i))
    if (kind == "bad_json") json = substr(json, 1, length(json) - 40)
    printf "%s\t/submit/telemetry/%s/saved-session/Firefox/%s/%s/%s\t%s\n", kind, id, version, channel, build, json
  }
}
