#include "tm_core/ping.h"

#include <simdjson.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "fakes.h"
#include "tm_core/gzip.h"
#include "tm_core/raw_log.h"
#include "tm_core/revision_map.h"
#include "tm_core/spec.h"

namespace tm_core {
namespace {

// --- the specs the tests serve ---------------------------------------------------

// Served by file:// URLs as <dir>/<hash>.json; kRev and kFullRev name kSpec,
// kOtherRev names kOtherSpec, kBrokenRev a file that is not a spec, kGoneRev none.
constexpr char kRepoUrl[] = "https://hg.mozilla.org/releases/mozilla-aurora/rev/";
constexpr char kHash[] = "aaaaaa";
constexpr char kFullHash[] = "aaaaaa0123456789abcdef0123456789abcdef01";
const std::string kRev = kRepoUrl + std::string(kHash);
const std::string kFullRev = kRepoUrl + std::string(kFullHash);
const std::string kOtherRev = std::string(kRepoUrl) + "cccccc";
const std::string kBrokenRev = std::string(kRepoUrl) + "dddddd";
const std::string kGoneRev = std::string(kRepoUrl) + "bbbbbb";

// One histogram of each kind. EXPO is CACHE_DEVICE_SEARCH_2's layout; GC_REASON_2
// and UNCONV have a bound written as a C++ constant, so they cannot be converted.
constexpr char kSpec[] = R"({
  "EXPO": {"kind": "exponential", "low": 1, "high": 10000, "n_buckets": 50, "description": "x"},
  "LIN": {"kind": "linear", "low": 10, "high": 50, "n_buckets": 6},
  "BOOL": {"kind": "boolean"},
  "FLAG": {"kind": "flag"},
  "ENUM": {"kind": "enumerated", "n_values": 4},
  "KEYED": {"kind": "enumerated", "n_values": 3, "keyed": true},
  "GC_REASON_2": {"kind": "enumerated", "n_values": "JS::gcreason::NUM_TELEMETRY_REASONS"},
  "UNCONV": {"kind": "exponential", "high": "JS::gcreason::NUM_TELEMETRY_REASONS", "n_buckets": 10}
})";
// LIN with other buckets (0..5), to tell which spec a ping was checked against.
constexpr char kOtherSpec[] = R"({"LIN": {"kind": "linear", "low": 1, "high": 5, "n_buckets": 6}})";

// EXPO's lower bounds, as the old histogram server computed them for
// CACHE_DEVICE_SEARCH_2 (testdata cache/a55c55edf302.json).
const std::vector<int64_t> kExpoBuckets = {
    0,    1,    2,    3,    4,    5,    6,    7,    8,    10,   12,   14,   17,
    20,   24,   29,   34,   40,   48,   57,   68,   81,   96,   114,  135,  160,
    190,  226,  268,  318,  378,  449,  533,  633,  752,  894,  1062, 1262, 1500,
    1782, 2117, 2516, 2990, 3553, 4222, 5017, 5961, 7083, 8416, 10000};

size_t ExpoIndex(int64_t lower_bound) {
  return std::find(kExpoBuckets.begin(), kExpoBuckets.end(), lower_bound) - kExpoBuckets.begin();
}

// A converted histogram: `n` bucket counts, 0 but for `counts` (index -> count),
// then the five statistics as written.
std::string Converted(size_t n, const std::map<size_t, uint64_t>& counts,
                      const std::string& statistics) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += std::to_string(counts.count(i) ? counts.at(i) : 0) + ",";
  return s + statistics + "]";
}

// --- pings ------------------------------------------------------------------------

// The five dimension fields of a classic ping's info, in order.
const std::vector<std::pair<std::string, std::string>> kInfoFields = {
    {"reason", R"("idle-daily")"},         {"appName", R"("Firefox")"},
    {"appVersion", R"("23.0a2")"},         {"appUpdateChannel", R"("aurora")"},
    {"appBuildID", R"("20130601030203")"},
};

// A classic info object: the five fields, `field` replaced by the JSON `value`
// (or left out when `value` is empty), then info.revision unless `revision` is empty.
std::string Info(const std::string& revision = kRev, const std::string& field = "",
                 const std::string& value = "") {
  std::string info = "{";
  for (const auto& [name, json] : kInfoFields) {
    if (name == field && value.empty()) continue;
    if (info.size() > 1) info += ",";
    info += "\"" + name + "\":" + (name == field ? value : json);
  }
  if (!revision.empty()) info += R"(,"revision":")" + revision + "\"";
  return info + "}";
}

// A ver 1 ping whose histograms object is `histograms` (JSON).
std::string V1(const std::string& histograms, const std::string& revision = kRev) {
  return R"({"ver":1,"info":)" + Info(revision) + R"(,"histograms":)" + histograms + "}";
}

// A ver 1 ping with one histogram.
std::string V1One(const std::string& name, const std::string& histogram,
                  const std::string& revision = kRev) {
  return V1("{\"" + name + "\":" + histogram + "}", revision);
}

constexpr char kApplication[] =
    R"({"architecture":"x86-64","buildId":"20150601030204","channel":"aurora","name":"Firefox",)"
    R"("platformVersion":"41.0a2","vendor":"Mozilla","version":"41.0a2","xpcomAbi":"x86_64-gcc3"})";
constexpr char kEnvironment[] =
    R"({"settings":{"locale":"en-US"},"system":{"memoryMB":8192,"cpu":{"count":4},)"
    R"("os":{"name":"Linux","version":"3.19.0"}}})";

// A version 4 ping of `type` around `payload` (JSON); `environment` empty leaves it out.
std::string Unified(const std::string& type, const std::string& payload,
                    const std::string& environment = kEnvironment) {
  std::string ping = R"({"type":")" + type +
                     R"(","id":"doc-1","creationDate":"2015-06-01T00:00:00.000Z","version":4,)"
                     R"("clientId":"client-1","application":)" +
                     kApplication;
  if (!environment.empty()) ping += R"(,"environment":)" + environment;
  return ping + R"(,"payload":)" + payload + "}";
}

// The payload of a main ping; `info_extra` is appended to payload.info's members.
std::string MainPayload(const std::string& histograms, const std::string& keyed = "{}",
                        const std::string& info_extra = R"(,"revision":")" + kRev + "\"") {
  return R"({"ver":4,"info":{"reason":"shutdown","sessionId":"s-1")" + info_extra +
         R"(},"simpleMeasurements":{"uptime":3},"histograms":)" + histograms +
         R"(,"keyedHistograms":)" + keyed + R"(,"id":"payload-id"})";
}

// A revision map line.
std::string MapRule(const std::string& channel, const std::string& first, const std::string& last,
                    const std::string& revision) {
  return channel + "\t" + first + "\t" + last + "\t" + revision + "\n";
}

// --- the checker --------------------------------------------------------------------

struct Result {
  Verdict verdict;
  Record record;
  Findings findings;
};

// A PingChecker over the specs above, served from a fresh temporary directory.
class Checker {
 public:
  explicit Checker(const RevisionMap* revisions = nullptr)
      : cache_(Options(dir_)), checker_(&cache_, revisions) {}

  // Checks `payload` in a record whose URL dimensions are all "url".
  // With `on` false, histograms are read from the DOM only (see ping.h).
  void set_stage_one_histograms(bool on) { checker_.set_stage_one_histograms(on); }
  uint64_t stage_one_count() const { return checker_.stage_one_count(); }

  Result Check(const std::string& payload, bool convert = false, bool padded = true) {
    Result r;
    r.record.doc_id = "doc";
    r.record.dimensions = {"url", "url", "url", "url", "url"};
    r.record.payload = payload;
    if (padded) r.record.payload.reserve(payload.size() + kJsonPadding);
    r.verdict = checker_.Check(&r.record, convert, &r.findings);
    return r;
  }

 private:
  static SpecCacheOptions Options(const test::TempDir& dir) {
    for (const auto& [hash, body] : {std::pair{std::string(kHash), kSpec},
                                     {std::string(kFullHash), kSpec},
                                     {std::string("cccccc"), kOtherSpec},
                                     {std::string("dddddd"), "not a spec"}}) {
      std::ofstream(dir.path() + "/" + hash + ".json") << body;
    }
    SpecCacheOptions o;
    o.url_template = "file://" + dir.path() + "/{rev}.json";
    o.attempts = 1;
    o.backoff = std::chrono::milliseconds(1);
    return o;
  }

  test::TempDir dir_;
  SpecCache cache_;
  PingChecker checker_;
};

// --- reading outputs --------------------------------------------------------------------

// The value at `pointer` (RFC 6901) of the JSON `json`, minified, or "<absent>".
std::string At(const std::string& json, const std::string& pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc, value;
  if (parser.parse(json).get(doc)) return "<not json>";
  if (doc.at_pointer(pointer).get(value)) return "<absent>";
  return simdjson::to_string(value);
}

// The names of the members of the object at `pointer`, in order.
std::vector<std::string> Keys(const std::string& json, const std::string& pointer = "") {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object object;
  std::vector<std::string> keys;
  if (parser.parse(json).get(doc) || doc.at_pointer(pointer).get(object))
    return {"<not an object>"};
  for (auto field : object) keys.emplace_back(field.key);
  return keys;
}

std::string Minified(const std::string& json) {
  std::string out(json.size(), '\0');
  size_t size = 0;
  REQUIRE(simdjson::minify(json.data(), json.size(), out.data(), size) == simdjson::SUCCESS);
  out.resize(size);
  return out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- rejections ---------------------------------------------------------------------

struct Case {
  std::string payload;
  std::string detail;  // a part of the verdict's detail
};

void CheckRejected(Checker& checker, const Case& c, Reject reason) {
  CAPTURE(c.payload);
  for (bool convert : {false, true}) {
    CAPTURE(convert);
    Result r = checker.Check(c.payload, convert);
    CHECK_FALSE(r.verdict.valid);
    CHECK(RejectName(r.verdict.reason) == std::string(RejectName(reason)));
    CAPTURE(r.verdict.detail);
    CHECK(Contains(r.verdict.detail, c.detail));
    CHECK(r.record.payload == c.payload);  // a rejected record keeps its payload
  }
}

TEST_CASE("A body that is not JSON, or not UTF-8, is bad_json", "[ping]") {
  Checker checker;
  const std::string payload = GENERATE(
      std::string("not json"), std::string("{\"ver\":1,"), std::string("{\"ver\":1} trailing"),
      std::string("{\"ver\":1,\"info\":{\"appName\":\"Fire\xff\"}}"),
      std::string("{\"ver\":1,\"x\xc3\":2}"));
  CheckRejected(checker, {payload, ""}, Reject::kBadJson);
}

TEST_CASE("A payload that is not an object or has no known version is bad_payload", "[ping]") {
  Checker checker;
  const Case c = GENERATE(values<Case>({
      {R"([1,2])", "object"},
      {R"("ver")", "object"},
      {R"({"info":{}})", "ver"},
      {R"({"ver":"1","info":{}})", "ver"},
      {R"({"ver":1.5,"info":{}})", "ver"},
      {R"({"ver":null,"info":{}})", "ver"},
      {R"({"ver":4,"info":{}})", "ver"},
      {R"({"ver":7,"info":{}})", "ver"},
      {R"({"ver":-1,"info":{}})", "ver"},
      {R"({"version":"4","type":"main"})", "version"},
      {R"({"version":3})", "version"},
  }));
  CheckRejected(checker, c, Reject::kBadPayload);
}

TEST_CASE("A ver 1 ping needs an info object", "[ping]") {
  Checker checker;
  CheckRejected(checker, {R"({"ver":1,"histograms":{}})", "info"}, Reject::kBadPayload);
  CheckRejected(checker, {R"({"ver":1,"info":"Firefox","histograms":{}})", "info"},
                Reject::kBadPayload);
}

TEST_CASE("A ver 1 ping needs info with its five dimension fields as strings", "[ping]") {
  Checker checker;
  const std::string field = GENERATE(from_range(std::vector<std::string>{
      "reason", "appName", "appVersion", "appUpdateChannel", "appBuildID"}));
  const std::string value =
      GENERATE(std::string(""), std::string("23"), std::string("null"), std::string("[\"x\"]"));
  const std::string info = Info(kRev, field, value);
  CheckRejected(checker, {R"({"ver":1,"info":)" + info + R"(,"histograms":{}})", "info." + field},
                Reject::kBadPayload);
}

TEST_CASE("A classic histogram must have values keyed by its buckets' lower bounds", "[ping]") {
  Checker checker;
  const Case c = GENERATE(values<Case>({
      {V1One("EXPO", R"({"sum":3})"), "histograms.EXPO"},
      {V1One("EXPO", R"({"values":[1,2],"sum":3})"), "histograms.EXPO"},
      {V1One("EXPO", R"([1,2,3])"), "histograms.EXPO"},
      {V1One("EXPO", R"({"values":{"0":1,"13":2}})"), "histograms.EXPO.values: \"13\""},
      {V1One("EXPO", R"({"values":{"9":2}})"), "histograms.EXPO.values: \"9\""},
      {V1One("EXPO", R"({"values":{"10001":2}})"), "histograms.EXPO.values: \"10001\""},
      {V1One("EXPO", R"({"values":{"-1":2}})"), "histograms.EXPO.values: \"-1\""},
      {V1One("EXPO", R"({"values":{"1.0":2}})"), "histograms.EXPO.values: \"1.0\""},
      {V1One("EXPO", R"({"values":{"x":2}})"), "histograms.EXPO.values: \"x\""},
      {V1One("EXPO", R"({"values":{"":2}})"), "histograms.EXPO.values: \"\""},
      {V1One("LIN", R"({"values":{"15":2}})"), "histograms.LIN.values: \"15\""},
      {V1One("LIN", R"({"values":{"1":2}})"), "histograms.LIN.values: \"1\""},
      {V1One("BOOL", R"({"values":{"3":2}})"), "histograms.BOOL.values: \"3\""},
      {V1One("FLAG", R"({"values":{"3":2}})"), "histograms.FLAG.values: \"3\""},
      {V1One("ENUM", R"({"values":{"5":2}})"), "histograms.ENUM.values: \"5\""},
      {V1One("STARTUP_EXPO", R"({"values":{"13":2}})"), "histograms.STARTUP_EXPO.values: \"13\""},
  }));
  CheckRejected(checker, c, Reject::kBadPayload);
}

TEST_CASE("A bucket count must be a non-negative integer", "[ping]") {
  Checker checker;
  const std::string count = GENERATE(std::string("-1"), std::string("1.5"), std::string("\"3\""),
                                     std::string("null"), std::string("true"), std::string("{}"));
  CheckRejected(
      checker,
      {V1One("EXPO", R"({"values":{"0":1,"14":)" + count + "}}"), "histograms.EXPO.values[\"14\"]"},
      Reject::kBadPayload);
}

TEST_CASE("A converted histogram must be an array of its buckets plus 5 numbers", "[ping]") {
  Checker checker;
  const int ver = GENERATE(2, 5);
  const std::string head =
      R"({"ver":)" + std::to_string(ver) + R"(,"info":)" + Info() + R"(,"histograms":{"EXPO":)";
  CheckRejected(checker, {head + Converted(50, {}, "0,0,0,0") + "}}", "histograms.EXPO"},
                Reject::kBadPayload);
  CheckRejected(checker, {head + Converted(50, {}, "0,0,0,0,0,0") + "}}", "histograms.EXPO"},
                Reject::kBadPayload);
  CheckRejected(checker, {head + Converted(50, {}, "0,0,0,0,\"x\"") + "}}", "histograms.EXPO"},
                Reject::kBadPayload);
  CheckRejected(checker, {head + R"({"values":{"0":1}}}})", "histograms.EXPO"},
                Reject::kBadPayload);
  // The right length passes.
  Result r = checker.Check(head + Converted(50, {{0, 1}}, "1,0,0,-1,-1") + "}}");
  CHECK(r.verdict.valid);
}

TEST_CASE("A version 4 ping needs type, application and payload", "[ping]") {
  Checker checker;
  const std::string payload = MainPayload("{}");
  const Case c = GENERATE_REF(values<Case>({
      {R"({"version":4,"application":)" + std::string(kApplication) + R"(,"payload":{}})", "type"},
      {R"({"version":4,"type":7,"application":)" + std::string(kApplication) + R"(,"payload":{}})",
       "type"},
      {R"({"version":4,"type":"main","payload":)" + payload + "}", "application"},
      {R"({"version":4,"type":"activation","application":[],"payload":{}})", "application"},
      {R"({"version":4,"type":"main","application":)" + std::string(kApplication) + "}", "payload"},
      {R"({"version":4,"type":"activation","application":{},"payload":"x"})", "payload"},
  }));
  CheckRejected(checker, c, Reject::kBadPayload);
}

TEST_CASE("main and saved-session pings need payload.info and payload.histograms", "[ping]") {
  Checker checker;
  const std::string type = GENERATE(std::string("main"), std::string("saved-session"));
  const std::string info = R"({"reason":"shutdown","revision":")" + kRev + "\"}";
  CheckRejected(checker, {Unified(type, R"({"histograms":{}})"), "payload.info"},
                Reject::kBadPayload);
  CheckRejected(checker, {Unified(type, R"({"info":"x","histograms":{}})"), "payload.info"},
                Reject::kBadPayload);
  CheckRejected(checker, {Unified(type, R"({"info":)" + info + "}"), "payload.histograms"},
                Reject::kBadPayload);
  CheckRejected(
      checker, {Unified(type, R"({"info":)" + info + R"(,"histograms":[]})"), "payload.histograms"},
      Reject::kBadPayload);
  CheckRejected(checker, {Unified(type, MainPayload("{}", "[]")), "payload.keyedHistograms"},
                Reject::kBadPayload);
  CheckRejected(checker,
                {Unified(type, MainPayload(R"({"LIN":{"values":{"15":1}}})")),
                 "payload.histograms.LIN.values: \"15\""},
                Reject::kBadPayload);
  CheckRejected(
      checker,
      {Unified(type,
               MainPayload("{}", R"({"KEYED":{"a":{"values":{"0":1}},"b":{"values":{"9":1}}}})")),
       "payload.keyedHistograms.KEYED[\"b\"]"},
      Reject::kBadPayload);
}

TEST_CASE("A saved-session ping needs environment, a main ping does not", "[ping]") {
  Checker checker;
  CheckRejected(checker, {Unified("saved-session", MainPayload("{}"), ""), "environment"},
                Reject::kBadPayload);
  CheckRejected(checker, {Unified("saved-session", MainPayload("{}"), "\"x\""), "environment"},
                Reject::kBadPayload);
  CHECK(checker.Check(Unified("main", MainPayload("{}"), "")).verdict.valid);
  CHECK(checker.Check(Unified("main", MainPayload("{}"), ""), true).verdict.valid);
}

TEST_CASE("Histograms without a revision and without a matching map rule are missing_revision",
          "[ping]") {
  RevisionMap map;
  REQUIRE(RevisionMap::Parse(MapRule("release", "20130101000000", "20131231235959", kRev) +
                                 MapRule("aurora", "20140101000000", "20141231235959", kRev),
                             &map)
              .ok());
  const bool with_map = GENERATE(false, true);
  CAPTURE(with_map);
  Checker checker(with_map ? &map : nullptr);
  const std::string histograms = R"({"EXPO":{"values":{"0":1}}})";
  CheckRejected(checker, {V1(histograms, ""), "info.revision"}, Reject::kMissingRevision);
  CheckRejected(checker, {V1(R"({"NOPE":{"values":{"0":1}}})", ""), "info.revision"},
                Reject::kMissingRevision);
  CheckRejected(checker,
                {Unified("main", MainPayload(histograms, "{}", "")), "payload.info.revision"},
                Reject::kMissingRevision);
  // The detail says which channel and build found no rule.
  Result r = checker.Check(V1(histograms, ""));
  CHECK(Contains(r.verdict.detail, "aurora"));
  CHECK(Contains(r.verdict.detail, "20130601030203"));
}

TEST_CASE("A revision that is not a revision URL, or has no spec, is unknown_revision", "[ping]") {
  Checker checker;
  const std::string revision = GENERATE(
      values<std::string>({"banana", kGoneRev, kBrokenRev, "https://hg.mozilla.org/rev/aaaaaa",
                           "ftp://hg.mozilla.org/m/rev/aaaaaa"}));
  const std::string histograms = R"({"EXPO":{"values":{"0":1}}})";
  CheckRejected(checker, {V1(histograms, revision), revision}, Reject::kUnknownRevision);
  CheckRejected(
      checker,
      {Unified("main", MainPayload(histograms, "{}", R"(,"revision":")" + revision + "\"")),
       revision},
      Reject::kUnknownRevision);
}

TEST_CASE("An unknown_revision detail names the field that holds the revision", "[ping]") {
  // ping.h: the detail says "what is wrong, and where"; every other reject
  // names its field (info.revision for missing_revision, for one).
  Checker checker;
  const std::string histograms = R"({"EXPO":{"values":{"0":1}}})";
  Result r = checker.Check(V1(histograms, "banana"));
  CHECK(RejectName(r.verdict.reason) == std::string("unknown_revision"));
  CAPTURE(r.verdict.detail);
  CHECK(Contains(r.verdict.detail, "info.revision"));
  r = checker.Check(
      Unified("main", MainPayload(histograms, "{}", R"(,"revision":")" + kGoneRev + "\"")));
  CHECK(RejectName(r.verdict.reason) == std::string("unknown_revision"));
  CAPTURE(r.verdict.detail);
  CHECK(Contains(r.verdict.detail, "payload.info.revision"));
}

// --- revisions ----------------------------------------------------------------------

TEST_CASE("http and https revision URLs, short and full hashes, all find the spec", "[ping]") {
  const std::string revision = GENERATE(values<std::string>(
      {kRev, "http://hg.mozilla.org/releases/mozilla-aurora/rev/aaaaaa", kFullRev,
       "http://hg.mozilla.org/releases/mozilla-aurora/rev/" + std::string(kFullHash),
       "https://hg.mozilla.org/releases/mozilla-aurora/rev/AAAAAA/"}));
  CAPTURE(revision);
  Checker checker;  // a fresh cache, so no form borrows another's spec
  Result r = checker.Check(V1One("EXPO", R"({"values":{"0":1,"14":2}})", revision), true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/histograms/EXPO") ==
        Converted(50, {{0, 1}, {ExpoIndex(14), 2}}, "-1,-1,-1,-1,-1"));
  // The spec is really applied: a key that is not a lower bound is refused.
  CHECK(checker.Check(V1One("EXPO", R"({"values":{"13":1}})", revision)).verdict.reason ==
        Reject::kBadPayload);
}

TEST_CASE("A ver 1 ping without histograms needs no revision", "[ping]") {
  Checker checker;
  const std::string tail = GENERATE(std::string(""), std::string(R"(,"histograms":{})"));
  const std::string ping = R"({"ver":1,"info":)" + Info("") + tail + R"(,"slowSQL":{}})";
  CAPTURE(ping);
  Result r = checker.Check(ping);
  CHECK(r.verdict.valid);
  CHECK(r.record.payload == ping);
  r = checker.Check(ping, true);
  CHECK(r.verdict.valid);
  CHECK(r.record.payload == R"({"ver":2,"info":)" + Info("") + tail + R"(,"slowSQL":{}})");
}

TEST_CASE("A ping without a revision takes it from the first matching revision map rule",
          "[ping]") {
  RevisionMap map;
  REQUIRE(RevisionMap::Parse("# channel\tfirst\tlast\trevision\n" +
                                 MapRule("release", "20130101000000", "20131231235959", kRev) +
                                 MapRule("aurora", "20130601000000", "20130601235959", kOtherRev) +
                                 MapRule("*", "20130101000000", "20131231235959", kRev),
                             &map)
              .ok());
  Checker checker(&map);
  // kOtherSpec's LIN has a bucket at 3, kSpec's has not.
  const std::string lin = R"({"LIN":{"values":{"3":7},"sum":21}})";
  Result r = checker.Check(V1(lin, ""), true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/histograms/LIN") == Converted(6, {{3, 7}}, "21,-1,-1,-1,-1"));
  r = checker.Check(Unified("main", MainPayload(lin, "{}", "")));
  CHECK_FALSE(r.verdict.valid);  // build 20150601030204 falls under no rule
  CHECK(r.verdict.reason == Reject::kMissingRevision);

  // A revision in the ping wins over the map.
  r = checker.Check(V1(lin, kRev));
  CHECK(r.verdict.reason == Reject::kBadPayload);
  // Another channel falls through to the "*" rule, which names kSpec.
  std::string nightly = V1(R"({"LIN":{"values":{"30":7}}})", "");
  nightly.replace(nightly.find("\"aurora\""), 8, "\"nightly\"");
  r = checker.Check(nightly, true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/histograms/LIN") == Converted(6, {{3, 7}}, "-1,-1,-1,-1,-1"));
}

// --- findings ----------------------------------------------------------------------

TEST_CASE("Unknown and unconvertible histograms are findings, carried through as sent", "[ping]") {
  Checker checker;
  // Their contents are not checked: not even a "values" object is needed.
  const std::string nope = R"({"values":{"13":-1.5},"sum":1e5,"note":"x"})";
  const std::string gc = R"({"values":{"37":103,"38":5},"sum":133481,"sum_squares_lo":6408365})";
  const std::string unconv = R"({"garbage":[1,2,{"a":null}]})";
  const std::string ping =
      V1(R"({"NOPE":)" + nope + R"(,"GC_REASON_2":)" + gc +
         R"(,"BOOL":{"values":{"0":1,"1":2}},"UNCONV":)" + unconv + R"(,"STARTUP_NOPE":{}})");
  for (bool convert : {false, true}) {
    CAPTURE(convert);
    Result r = checker.Check(ping, convert);
    REQUIRE(r.verdict.valid);
    CHECK(r.findings.unknown_histograms == std::vector<std::string>{"NOPE", "STARTUP_NOPE"});
    CHECK(r.findings.unconvertible_histograms == std::vector<std::string>{"GC_REASON_2", "UNCONV"});
    CHECK(At(r.record.payload, "/histograms/NOPE") == At(nope, ""));
    CHECK(At(r.record.payload, "/histograms/GC_REASON_2") == gc);
    CHECK(At(r.record.payload, "/histograms/UNCONV") == unconv);
    CHECK(At(r.record.payload, "/histograms/STARTUP_NOPE") == "{}");
    CHECK(At(r.record.payload, "/histograms/BOOL") ==
          (convert ? "[1,2,0,-1,-1,-1,-1,-1]" : R"({"values":{"0":1,"1":2}})"));
  }
}

TEST_CASE("Unknown keyed histograms are findings, carried through as sent", "[ping]") {
  Checker checker;
  const std::string nope = R"({"a":{"values":{"999":1}},"b":{"x":1}})";
  const std::string ping = Unified(
      "main",
      MainPayload("{}", R"({"KEYED_NOPE":)" + nope + R"(,"KEYED":{"k":{"values":{"2":4}}}})"));
  Result r = checker.Check(ping, true);
  REQUIRE(r.verdict.valid);
  CHECK(r.findings.unknown_histograms == std::vector<std::string>{"KEYED_NOPE"});
  CHECK(r.findings.unconvertible_histograms.empty());
  CHECK(At(r.record.payload, "/keyedHistograms/KEYED_NOPE") == nope);
  CHECK(At(r.record.payload, "/keyedHistograms/KEYED/k") == "[0,0,4,0,-1,-1,-1,-1,-1]");
}

TEST_CASE("STARTUP_<name> is checked against <name> and keeps its name", "[ping]") {
  Checker checker;
  const std::string ping =
      V1(R"({"STARTUP_EXPO":{"values":{"0":7,"20":1,"24":0},"sum":23},"EXPO":{"values":{"0":1}}})");
  Result r = checker.Check(ping, true);
  REQUIRE(r.verdict.valid);
  CHECK(r.findings.unknown_histograms.empty());
  CHECK(Keys(r.record.payload, "/histograms") == std::vector<std::string>{"STARTUP_EXPO", "EXPO"});
  CHECK(At(r.record.payload, "/histograms/STARTUP_EXPO") ==
        Converted(50, {{0, 7}, {ExpoIndex(20), 1}}, "23,-1,-1,-1,-1"));
}

// --- buckets -----------------------------------------------------------------------

TEST_CASE("Every lower bound of a definition is a bucket key, in bucket order", "[ping]") {
  Checker checker;
  struct Layout {
    std::string name;
    std::vector<int64_t> buckets;
  };
  const Layout layout = GENERATE_COPY(values<Layout>({
      {"EXPO", kExpoBuckets},
      {"LIN", {0, 10, 20, 30, 40, 50}},
      {"BOOL", {0, 1, 2}},
      {"FLAG", {0, 1, 2}},
      {"ENUM", {0, 1, 2, 3, 4}},
  }));
  CAPTURE(layout.name);
  // Counts i + 1 for bucket i, listed last bucket first.
  std::string values, expected = "[";
  for (size_t i = layout.buckets.size(); i-- > 0;) {
    values += (values.empty() ? "" : ",") + ("\"" + std::to_string(layout.buckets[i]) + "\":") +
              std::to_string(i + 1);
  }
  for (size_t i = 0; i < layout.buckets.size(); ++i) expected += std::to_string(i + 1) + ",";
  expected += "-1,-1,-1,-1,-1]";
  Result r = checker.Check(V1One(layout.name, R"({"values":{)" + values + "}}"), true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/histograms/" + layout.name) == expected);
}

// --- conversion --------------------------------------------------------------------

TEST_CASE("Converting ver 1 turns histograms into arrays and ver into 2, nothing else", "[ping]") {
  Checker checker;
  const std::string info = Info();
  const std::string ping =
      R"({ "ver": 1, "simpleMeasurements": {"uptime": 123, "js": {"setProto": 0}},)"
      "\n  \"histograms\": {"
      R"("EXPO": {"range": [1, 10000], "bucket_count": 50, "histogram_type": 0,)"
      R"( "values": {"0": 5523, "14": 22, "20": 1, "29": 5, "34": 0}, "sum": 523,)"
      R"( "log_sum": 82.3832015991211, "log_sum_squares": 244.2482485671876},)"
      R"( "LIN": {"sum_squares_hi": 0, "values": {"10": 3, "40": 1}, "sum_squares_lo": 1700, "sum": 70},)"
      R"( "FLAG": {"values": {"0": 1, "1": 0}}},)"
      R"( "info": )" +
      info +
      R"(, "slowSQL": {"mainThread": {}}, "text": "a\"b\\c\n\u0000\u0001\u00e9é\ud83d\ude00"})";
  Result r = checker.Check(ping, true);
  REQUIRE(r.verdict.valid);
  const std::string expo =
      Converted(50, {{0, 5523}, {ExpoIndex(14), 22}, {ExpoIndex(20), 1}, {ExpoIndex(29), 5}},
                "523,82.3832015991211,244.2482485671876,-1,-1");
  CHECK(expo.rfind("[5523,0,0,0,0,0,0,0,0,0,0,22,0,1,0,5,0,0,", 0) == 0);  // the helper is right
  const std::string lin = "[0,3,0,0,1,0,70,-1,-1,1700,0]";
  const std::string flag = "[1,0,0,-1,-1,-1,-1,-1]";
  CHECK(Keys(r.record.payload) == std::vector<std::string>{"ver", "simpleMeasurements",
                                                           "histograms", "info", "slowSQL",
                                                           "text"});
  CHECK(At(r.record.payload, "/ver") == "2");
  CHECK(At(r.record.payload, "/histograms") ==
        R"({"EXPO":)" + expo + R"(,"LIN":)" + lin + R"(,"FLAG":)" + flag + "}");
  CHECK(At(r.record.payload, "/simpleMeasurements") == R"({"uptime":123,"js":{"setProto":0}})");
  CHECK(At(r.record.payload, "/info") == info);
  CHECK(At(r.record.payload, "/slowSQL") == R"({"mainThread":{}})");
  CHECK(At(r.record.payload, "/text") == At(ping, "/text"));
  // The whole, with nothing in between: compact JSON (the string's escapes aside).
  const std::string expected =
      R"({"ver":2,"simpleMeasurements":{"uptime":123,"js":{"setProto":0}},)"
      R"("histograms":{"EXPO":)" +
      expo + R"(,"LIN":)" + lin + R"(,"FLAG":)" + flag + R"(},"info":)" + info +
      R"(,"slowSQL":{"mainThread":{}},"text":")";
  CHECK(r.record.payload.substr(0, expected.size()) == expected);
}

TEST_CASE("Converting ver 1 changes ver and histograms alone, wherever they are", "[ping]") {
  Checker checker;
  // A string that looks like the members being changed, and numbers in forms
  // that are written again (their values stay).
  const std::vector<std::pair<std::string, std::string>> members = {
      {"ver", "1"},
      {"info", Info()},
      {"histograms", R"({"LIN":{"values":{"10":3},"sum":30}})"},
      {"n", "[1e5,2.50,-0,1E+2]"},
      {"s", R"("\"histograms\":{},\"ver\":1")"}};
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  int orders = 0;
  do {
    std::string ping = "{";
    std::vector<std::string> keys;
    for (size_t i : order) {
      ping += (ping.size() > 1 ? ",\"" : "\"") + members[i].first + "\":" + members[i].second;
      keys.push_back(members[i].first);
    }
    ping += "}";
    CAPTURE(ping);
    Result r = checker.Check(ping, true);
    REQUIRE(r.verdict.valid);
    CHECK(Keys(r.record.payload) == keys);
    CHECK(At(r.record.payload, "/ver") == "2");
    CHECK(At(r.record.payload, "/histograms") == R"({"LIN":[0,3,0,0,0,0,30,-1,-1,-1,-1]})");
    for (const char* same : {"/info", "/n", "/s"}) CHECK(At(r.record.payload, same) == At(ping, same));
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(orders == 120);

  // Member names written with escapes are the same names.
  const std::string escaped = R"({"\u0076er":1,"info":)" + Info() + R"(,"hist\u006fgrams":)" + members[2].second + "}";
  Result r = checker.Check(escaped, true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/ver") == "2");
  CHECK(At(r.record.payload, "/histograms") == R"({"LIN":[0,3,0,0,0,0,30,-1,-1,-1,-1]})");
}

TEST_CASE("A valid ping gets the dimensions its info states", "[ping]") {
  Checker checker;
  for (bool convert : {false, true}) {
    Result r = checker.Check(V1One("BOOL", R"({"values":{"1":1}})"), convert);
    REQUIRE(r.verdict.valid);
    CHECK(r.record.dimensions.reason == "idle-daily");
    CHECK(r.record.dimensions.app_name == "Firefox");
    CHECK(r.record.dimensions.app_version == "23.0a2");
    CHECK(r.record.dimensions.app_update_channel == "aurora");
    CHECK(r.record.dimensions.app_build_id == "20130601030203");
  }
}

TEST_CASE("A converted ver 1 ping validates, and converts to itself", "[ping]") {
  Checker checker;
  Result first = checker.Check(
      V1(R"({"EXPO":{"values":{"0":1,"10000":2},"sum":20000},"NOPE":{"values":{}},"GC_REASON_2":{}})"),
      true);
  REQUIRE(first.verdict.valid);
  for (bool convert : {false, true}) {
    Result again = checker.Check(first.record.payload, convert);
    REQUIRE(again.verdict.valid);
    CHECK(again.record.payload == first.record.payload);
    CHECK(again.findings.unknown_histograms == first.findings.unknown_histograms);
    CHECK(again.findings.unconvertible_histograms == first.findings.unconvertible_histograms);
  }
}

TEST_CASE("ver 2 and ver 5 pings pass through conversion compacted and otherwise unchanged",
          "[ping]") {
  Checker checker;
  const int ver = GENERATE(2, 5);
  const std::string ping = "{ \"ver\" : " + std::to_string(ver) + ",\n \"info\": " + Info() +
                           ",\n \"histograms\": {\"EXPO\": " +
                           Converted(50, {{3, 4}}, "523, 82.3832015991211, 1e5, -1, 2.50") +
                           ",\t\"NOPE\": {\"values\": {}}},\r\n \"x\": [1.0, -0, 1E+2]}";
  for (bool convert : {false, true}) {
    CAPTURE(convert);
    Result r = checker.Check(ping, convert);
    REQUIRE(r.verdict.valid);
    CHECK(r.record.payload == Minified(ping));
    CHECK(r.record.dimensions.app_build_id == "20130601030203");
  }
}

TEST_CASE("Validation without conversion only compacts, numbers kept as written", "[ping]") {
  Checker checker;
  const std::string numbers =
      R"("n": [82.3832015991211, 1e5, 1E+2, 2.50, -0, 0.1000000000000000055511151231257827])";
  const std::string ping = GENERATE_COPY(values<std::string>(
      {" {\"ver\": 1,\n\t\"info\": " + Info() +
           ", \"histograms\": {\"EXPO\": {\"values\": {\"0\": 1}, \"sum\": 1e5, "
           "\"log_sum\": 82.3832015991211}}, " +
           numbers + ", \"s\": \"a b\\u00e9\"}\n",
       Unified("main", MainPayload(R"({"LIN": {"values": {"10": 1}, "sum": 1.0}})"),
               "{" + numbers + "}") +
           " ",
       R"({"ver": 3, "deviceinfo.platform_version": "1.3.0.0-prerelease", )" + numbers + "}",
       R"({"version": 4, "type": "activation", "application": {"name": "Firefox"}, "payload": {)" +
           numbers + "}}",
       R"({"version": 5, "info": {"appName": "Firefox"}, )" + numbers + "}"}));
  CAPTURE(ping);
  Result r = checker.Check(ping);
  REQUIRE(r.verdict.valid);
  CHECK(r.record.payload == Minified(ping));
  CHECK(Contains(r.record.payload,
                 "82.3832015991211,1e5,1E+2,2.50,-0,0.1000000000000000055511151231257827"));
}

TEST_CASE("Whitespace is removed wherever it is outside strings, and kept inside them", "[ping]") {
  // A compact payload is passed on as it is (not minified again); this pins
  // that shortcut: a space anywhere at all must give the minified payload.
  Checker checker;
  const std::string compact =
      R"({"version":5,"info":{"appName":"Fire fox  "},"s":"a , b : {} [] \"q\" \\ ","n":[1,-2.5e3,true,null,{}],"e":""})";
  REQUIRE(Minified(compact) == compact);
  simdjson::dom::parser parser;
  int valid = 0;
  for (size_t at = 0; at <= compact.size(); ++at) {
    for (const char* space : {" ", "  ", "\n", "\t", "\r\n"}) {
      std::string ping = compact;
      ping.insert(at, space);
      simdjson::dom::element doc;
      if (parser.parse(ping).get(doc)) continue;  // inside a number, a literal or an escape
      CAPTURE(ping);
      for (bool convert : {false, true}) {
        Result r = checker.Check(ping, convert);
        if (!r.verdict.valid) continue;  // " version" is no version
        ++valid;
        CHECK(r.record.payload == Minified(ping));
      }
    }
  }
  CHECK(valid > 400);
}

TEST_CASE("An integer beyond 64 bits is rejected as bad_json, a documented limit", "[ping]") {
  // JSON.stringify writes 2e19 as 20000000000000000000. RFC 8259 allows it, the
  // old Python server read it; simdjson 3.0.1 (Debian 12) refuses it, and
  // tm-validate(1) says so. The record is rejected with its reason, not lost.
  Checker checker;
  const std::string ping =
      R"({"ver":1,"info":)" + Info() + R"(,"simpleMeasurements":{"big":20000000000000000000}})";
  for (bool convert : {false, true}) {
    Result r = checker.Check(ping, convert);
    CHECK_FALSE(r.verdict.valid);
    CHECK(r.verdict.reason == Reject::kBadJson);
    CHECK(Contains(r.verdict.detail, "number"));
  }
  // One below the limit is fine.
  Result r = checker.Check(R"({"ver":1,"info":)" + Info() +
                           R"(,"simpleMeasurements":{"big":18446744073709551615}})");
  CHECK(r.verdict.valid);
}

TEST_CASE("An unpadded payload is checked as a padded one", "[ping]") {
  Checker checker;
  const std::string ping = V1One("EXPO", R"({"values":{"0":1,"14":2}})");
  for (bool convert : {false, true}) {
    Result padded = checker.Check(ping, convert, true);
    Result unpadded = checker.Check(ping, convert, false);
    REQUIRE(padded.verdict.valid);
    REQUIRE(unpadded.verdict.valid);
    CHECK(unpadded.record.payload == padded.record.payload);
  }
  CHECK(checker.Check(V1One("EXPO", R"({"values":{"13":2}})"), false, false).verdict.reason ==
        Reject::kBadPayload);
}

// --- Firefox OS ----------------------------------------------------------------------

// --- histograms read in stage 1 ---------------------------------------------------------

// A classic ping with `histogram` as EXPO among histograms in the shapes the
// stage 1 reader takes; `before` and `after` are spliced in around "histograms".
std::string StageOnePing(const std::string& histogram, const std::string& before = "",
                         const std::string& after = "") {
  return R"({"ver":1,"simpleMeasurements":{"uptime":3,"js":{"a":[1,2.5,"x"]}})" + before +
         R"(,"histograms":{"EXPO":)" + histogram +
         R"(,"NOT_IN_SPEC":{"range":[1,2.50],"values":{"0":1,"1":10},"sum":1e3,"log_sum":-0.0},)"
         R"("BOOL":{"range":[1,2],"bucket_count":3,"histogram_type":2,"values":{"0":0,"1":4,"2":0},"sum":4}})" +
         after + R"(,"info":)" + Info() + "}";
}

// `text` without the names of the checkers' temporary directories (tm-test-XXXXXX).
std::string WithoutTempDir(std::string text) {
  for (size_t at; (at = text.find("tm-test-")) != std::string::npos;) text.erase(at, 14);
  return text;
}

TEST_CASE("Histograms read in stage 1 give the verdicts, details and output the DOM gives",
          "[ping]") {
  const std::string good = R"({"range":[1,10000],"bucket_count":50,"histogram_type":0,)"
                           R"("values":{"0":0,"1":3,"2":0},"sum":3,"log_sum":0.794513,)"
                           R"("log_sum_squares":2.525007,"sum_squares_lo":3,"sum_squares_hi":0})";
  const std::string payload = GENERATE_COPY(
      StageOnePing(good),
      // numbers written otherwise than WriteNumber writes them
      StageOnePing(
          R"({"values":{"0":1},"sum":1.0,"log_sum":1e3,"log_sum_squares":-0,"sum_squares_lo":0.10,"sum_squares_hi":1E-05})"),
      StageOnePing(
          R"({"values":{"0":1},"sum":123456789012345678,"log_sum":1234567890123456789,"log_sum_squares":0.48045301655861294,"sum_squares_lo":1e300,"sum_squares_hi":-0.0})"),
      StageOnePing(
          R"({"values":{"0":1},"sum":1e+05,"log_sum":12345678901234567890123,"log_sum_squares":00,"sum_squares_lo":1.,"sum_squares_hi":.5})"),
      // duplicate statistics (the last counts), duplicate values, statistics that are not numbers
      StageOnePing(R"({"values":{"0":1},"sum":1,"sum":2,"log_sum":[1],"log_sum":3.5})"),
      StageOnePing(R"({"values":{"0":1},"sum":1,"log_sum":[1]})"),
      StageOnePing(
          R"({"values":{"0":1},"sum":"1","log_sum":null,"sum_squares_lo":true,"sum_squares_hi":{}})"),
      StageOnePing(R"({"values":{"3":1},"values":{"0":1}})"),
      StageOnePing(R"({"values":{"0":1},"values":{"3":1}})"), StageOnePing(R"({"values":[0,1]})"),
      StageOnePing(R"({"sum":1})"), StageOnePing(R"({})"), StageOnePing(R"([0,1,2])"),
      StageOnePing(R"(null)"), StageOnePing(R"(1)"),
      // counts and keys
      StageOnePing(R"({"values":{"0":1.0}})"), StageOnePing(R"({"values":{"0":-1}})"),
      StageOnePing(R"({"values":{"0":01}})"), StageOnePing(R"({"values":{"0":1e2}})"),
      StageOnePing(R"({"values":{"0":123456789012345678}})"),
      StageOnePing(R"({"values":{"0":1234567890123456789}})"),
      StageOnePing(R"({"values":{"0":18446744073709551615}})"),
      StageOnePing(R"({"values":{"0":18446744073709551616}})"),
      StageOnePing(R"({"values":{"\u0030":1}})"), StageOnePing(R"({"values":{"00":1}})"),
      StageOnePing(R"({"values":{"0":99999999,"1":10000000,"2":12345678,"3":100000000,"4":7}})"),
      StageOnePing(R"({"values":{"0":1,"00000001":2,"000000002":3,"10000":4,"7083":5}})"),
      StageOnePing(R"({"values":{"3":1}})"), StageOnePing(R"({"values":{"1":2,"0":1,"10":5}})"),
      StageOnePing(R"({"values":{"0":1}})", "", R"(,"histograms":{})"),
      // names with escapes, in and out of the spec
      R"({"ver":1,"histograms":{"EX\u0050O":{"values":{"0":1}},"N\"Q":{"values":{"0":1}}},"info":)" +
          Info() + "}",
      // bad JSON inside the histograms, in a member passed through, after the document
      StageOnePing(R"({"values":{"0":tru}})"), StageOnePing(R"({"values":{"0":1},"sum":nul})"),
      StageOnePing(R"({"values":{"0":1,}})"), StageOnePing(R"({"values":{"0":1}]})"),
      StageOnePing(R"({"values":{"0":1}})", R"(,"slowSQL":{"a":[tru]})"),
      StageOnePing(R"({"values":{"0":1}})", R"(,"slowSQL":{"a":"\x"})"),
      StageOnePing(R"({"values":{"0":1}})", R"(,"slowSQL":{"a":[1})"), StageOnePing(good) + " ",
      StageOnePing(good) + "x", StageOnePing(good) + "}", StageOnePing(good) + "{}",
      StageOnePing(R"({"values":{"0":1}} )"),
      // whitespace, a nested "histograms" before the top-level one, none at the top, ver 2 and
      // others
      StageOnePing(R"({"values": {"0":1}})"),
      StageOnePing(R"({"values":{"0":1}})", R"(,"x":{"histograms":{"EXPO":1}})"),
      R"({"ver":1,"x":{"histograms":{"EXPO":{"values":{"0":1}}}},"info":)" + Info() + "}",
      R"({"ver":2,"histograms":{"BOOL":[0,1,0,1,2,-1,-1.5],"ENUM":[1,2,3],"NOPE":[1.0,2e1]},"info":)" +
          Info() + "}",
      R"({"ver":2,"histograms":{"BOOL":[0,1,0,1,2,-1,-1],"ENUM":[0,0,0,0,0,1,2,3,4,5]},"info":)" +
          Info() + "}",
      R"({"ver":5,"histograms":{"BOOL":[0,1,0,1,2,-1,-1]},"info":)" + Info() + "}",
      R"({"ver":3,"histograms":{"BOOL":{"values":{"0":1}}},"info":)" + Info() + "}",
      R"({"version":4,"histograms":{"BOOL":{"values":{"0":1}}},"info":)" + Info() + "}",
      R"({"ver":1,"ver":1,"histograms":{"BOOL":{"values":{"0":1}}},"info":)" + Info() + "}",
      R"({"ver":1,"histograms":{"BOOL":{"values":{"0":1}}}})",
      R"({"ver":1,"histograms":{"BOOL":{"values":{"0":1}}},"info":)" + Info("") + "}",
      R"({"ver":1,"histograms":{"BOOL":{"values":{"0":1}}},"info":)" + Info(kGoneRev) + "}");
  CAPTURE(payload);
  Checker stage_one, dom;
  if (payload == StageOnePing(good)) {  // the shape the reader is for is read in stage 1
    CHECK(stage_one.Check(payload).verdict.valid);
    CHECK(stage_one.stage_one_count() == 1);
  }
  dom.set_stage_one_histograms(false);
  for (bool convert : {false, true}) {
    for (bool padded : {true, false}) {
      CAPTURE(convert, padded);
      Result a = stage_one.Check(payload, convert, padded), b = dom.Check(payload, convert, padded);
      CHECK(a.verdict.valid == b.verdict.valid);
      CHECK(a.verdict.reason == b.verdict.reason);
      CHECK(WithoutTempDir(a.verdict.detail) == WithoutTempDir(b.verdict.detail));
      CHECK(a.record.payload == b.record.payload);
      CHECK(a.record.dimensions.reason == b.record.dimensions.reason);
      CHECK(a.record.dimensions.app_build_id == b.record.dimensions.app_build_id);
      CHECK(a.findings.unknown_histograms == b.findings.unknown_histograms);
      CHECK(a.findings.unconvertible_histograms == b.findings.unconvertible_histograms);
    }
  }
}

TEST_CASE("Statistics and numbers carried through are written as the DOM reads them", "[ping]") {
  // Python's json.dumps wrote the old store's statistics from floats: 1.0 stays
  // 1.0, 1e3 becomes 1000.0; the text as sent is not kept. (-0, an integer
  // to simdjson, becomes 0: the DOM reads that one, see the test above.)
  Checker checker;
  Result r = checker.Check(
      StageOnePing(
          R"({"values":{"0":1},"sum":1.0,"log_sum":1e3,"log_sum_squares":-0.0,"sum_squares_lo":0.10,"sum_squares_hi":73.310850})"),
      true);
  REQUIRE(r.verdict.valid);
  CHECK(Contains(r.record.payload, ",1.0,1000.0,-0.0,0.1,73.31085]"));
  CHECK(Contains(
      r.record.payload,
      R"("NOT_IN_SPEC":{"range":[1,2.5],"values":{"0":1,"1":10},"sum":1000.0,"log_sum":-0.0})"));
  CHECK(checker.stage_one_count() == 1);
}

TEST_CASE("A ver 3 ping's dimensions come from its deviceinfo fields", "[ping]") {
  Checker checker;
  const std::string ping =
      R"({"ver":3,"pingID":"p-1","screenHeight":480,"deviceinfo.platform_version":"1.3.0.0-prerelease",)"
      R"("deviceinfo.update_channel":"default","deviceinfo.platform_build_id":"20140311160021",)"
      R"("locale":"en-US"})";
  for (bool convert : {false, true}) {
    Result r = checker.Check(ping, convert);
    REQUIRE(r.verdict.valid);
    CHECK(r.record.dimensions.reason == "ftu");
    CHECK(r.record.dimensions.app_name == "FirefoxOS");
    CHECK(r.record.dimensions.app_version == "1.3.0.0-prerelease");
    CHECK(r.record.dimensions.app_update_channel == "default");
    CHECK(r.record.dimensions.app_build_id == "20140311160021");
  }
  Result r = checker.Check(ping, true);
  CHECK(At(r.record.payload, "/ver") == "2");
  CHECK(At(r.record.payload, "/pingID") == "<absent>");
  CHECK(At(r.record.payload, "/info/reason") == R"("ftu")");
  CHECK(At(r.record.payload, "/info/appName") == R"("FirefoxOS")");
  CHECK(At(r.record.payload, "/info/appVersion") == R"("1.3.0.0-prerelease")");
  CHECK(At(r.record.payload, "/info/appUpdateChannel") == R"("default")");
  CHECK(At(r.record.payload, "/info/appBuildID") == R"("20140311160021")");
  std::vector<std::string> info = Keys(r.record.payload, "/info");
  std::sort(info.begin(), info.end());
  CHECK(info == std::vector<std::string>{"appBuildID", "appName", "appUpdateChannel", "appVersion",
                                         "reason"});
  for (const std::string& field : Keys(ping)) {
    if (field == "ver" || field == "pingID") continue;
    CAPTURE(field);
    CHECK(At(r.record.payload, "/" + field) == At(ping, "/" + field));
  }
}

TEST_CASE("A ver 3 ping without deviceinfo fields has UNKNOWN dimensions", "[ping]") {
  Checker checker;
  Result r = checker.Check(R"({"ver":3,"pingID":"p-1","deviceinfo.update_channel":7})", true);
  REQUIRE(r.verdict.valid);
  CHECK(r.record.dimensions.reason == "ftu");
  CHECK(r.record.dimensions.app_name == "FirefoxOS");
  CHECK(r.record.dimensions.app_version == "UNKNOWN");
  CHECK(r.record.dimensions.app_update_channel == "UNKNOWN");
  CHECK(r.record.dimensions.app_build_id == "UNKNOWN");
  CHECK(At(r.record.payload, "/info/appBuildID") == R"("UNKNOWN")");
}

// --- unified -------------------------------------------------------------------------

TEST_CASE("A version 4 ping's dimensions are its type and application", "[ping]") {
  Checker checker;
  const std::string ping = GENERATE(values<std::string>(
      {Unified("main", MainPayload("{}")), Unified("saved-session", MainPayload("{}")),
       Unified("activation", R"({"x":1})", "")}));
  for (bool convert : {false, true}) {
    Result r = checker.Check(ping, convert);
    REQUIRE(r.verdict.valid);
    CHECK(r.record.dimensions.reason == At(ping, "/type").substr(1, At(ping, "/type").size() - 2));
    CHECK(r.record.dimensions.app_name == "Firefox");
    CHECK(r.record.dimensions.app_version == "41.0a2");
    CHECK(r.record.dimensions.app_update_channel == "aurora");
    CHECK(r.record.dimensions.app_build_id == "20150601030204");
  }
}

TEST_CASE("Converting a main ping lifts its payload to the top, as version and ver 5", "[ping]") {
  Checker checker;
  const std::string type = GENERATE(std::string("main"), std::string("saved-session"));
  const std::string nope = R"({"values":{"1":1}})";
  const std::string ping = Unified(
      type, MainPayload(R"({"LIN":{"values":{"20":2},"sum":40},"NOPE":)" + nope +
                            R"(,"STARTUP_BOOL":{"values":{"1":1}}})",
                        R"({"KEYED":{"a":{"values":{"1":2}},"b":{"values":{"3":1},"sum":3}}})"));
  Result r = checker.Check(ping, true);
  REQUIRE(r.verdict.valid);
  const std::string& out = r.record.payload;
  CAPTURE(out);
  CHECK(At(out, "/version") == "5");
  CHECK(At(out, "/ver") == "5");
  CHECK(At(out, "/payload") == "<absent>");
  CHECK(At(out, "/payload.ver") == "4");
  CHECK(At(out, "/type") == "\"" + type + "\"");
  CHECK(At(out, "/id") == R"("doc-1")");
  CHECK(At(out, "/payload.id") == R"("payload-id")");  // "id" is taken at the top
  CHECK(At(out, "/simpleMeasurements") == R"({"uptime":3})");
  CHECK(At(out, "/application") == kApplication);
  CHECK(At(out, "/environment") == kEnvironment);
  CHECK(At(out, "/clientId") == R"("client-1")");
  CHECK(At(out, "/clientID") == R"("client-1")");
  CHECK(At(out, "/histograms/LIN") == "[0,0,2,0,0,0,40,-1,-1,-1,-1]");
  CHECK(At(out, "/histograms/NOPE") == nope);
  CHECK(At(out, "/histograms/STARTUP_BOOL") == "[0,1,0,-1,-1,-1,-1,-1]");
  CHECK(At(out, "/keyedHistograms/KEYED/a") == "[0,2,0,0,-1,-1,-1,-1,-1]");
  CHECK(At(out, "/keyedHistograms/KEYED/b") == "[0,0,0,1,3,-1,-1,-1,-1]");
  CHECK(r.findings.unknown_histograms == std::vector<std::string>{"NOPE"});
  // info: application's fields under their old names, reason = type, payload.info, environment.
  CHECK(At(out, "/info/appName") == R"("Firefox")");
  CHECK(At(out, "/info/appVersion") == R"("41.0a2")");
  CHECK(At(out, "/info/appUpdateChannel") == R"("aurora")");
  CHECK(At(out, "/info/appBuildID") == R"("20150601030204")");
  CHECK(At(out, "/info/arch") == R"("x86-64")");
  CHECK(At(out, "/info/platformVersion") == R"("41.0a2")");
  CHECK(At(out, "/info/xpcomAbi") == R"("x86_64-gcc3")");
  CHECK(At(out, "/info/vendor") == R"("Mozilla")");
  CHECK(At(out, "/info/reason") == "\"" + type + "\"");
  CHECK(At(out, "/info/revision") == "\"" + kRev + "\"");
  CHECK(At(out, "/info/sessionId") == R"("s-1")");
  CHECK(At(out, "/info/OS") == R"("Linux")");
  CHECK(At(out, "/info/version") == R"("3.19.0")");
  CHECK(At(out, "/info/locale") == R"("en-US")");
  CHECK(At(out, "/info/memsize") == "8192");
  CHECK(At(out, "/info/cpucount") == "4");
  // The converted ping is a valid ver 5 ping with the same dimensions.
  Result again = checker.Check(out, true);
  REQUIRE(again.verdict.valid);
  CHECK(again.record.payload == out);
  CHECK(again.record.dimensions.reason == type);
  CHECK(again.record.dimensions.app_build_id == "20150601030204");
}

TEST_CASE("An environment field whose info name is taken goes in as environment.<name>", "[ping]") {
  Checker checker;
  const std::string ping = Unified(
      "saved-session",
      MainPayload("{}", "{}", R"(,"revision":")" + kRev + R"(","locale":"de","OS":"WINNT")"));
  Result r = checker.Check(ping, true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/info/locale") == R"("de")");
  CHECK(At(r.record.payload, "/info/environment.locale") == R"("en-US")");
  CHECK(At(r.record.payload, "/info/OS") == R"("WINNT")");
  CHECK(At(r.record.payload, "/info/environment.OS") == R"("Linux")");
  CHECK(At(r.record.payload, "/info/memsize") == "8192");
  CHECK(At(r.record.payload, "/info/environment.memsize") == "<absent>");
}

TEST_CASE("Converting a main ping puts the graphics adapters back into info", "[ping]") {
  Checker checker;
  const std::string environment =
      R"({"system":{"gfx":{"adapters":[{"description":"Intel HD","vendorID":"0x8086","RAM":512,)"
      R"("GPUActive":true},{"description":"NVIDIA","driver":"nv","GPUActive":false}]}}})";
  Result r = checker.Check(Unified("main", MainPayload("{}"), environment), true);
  REQUIRE(r.verdict.valid);
  CHECK(At(r.record.payload, "/info/adapterDescription") == R"("Intel HD")");
  CHECK(At(r.record.payload, "/info/adapterVendorID") == R"("0x8086")");
  CHECK(At(r.record.payload, "/info/adapterRAM") == "512");
  CHECK(At(r.record.payload, "/info/adapterDescription2") == R"("NVIDIA")");
  CHECK(At(r.record.payload, "/info/adapterDriver2") == R"("nv")");
  CHECK(At(r.record.payload, "/info/isGPU2Active") == "false");
}

TEST_CASE("Converting another version 4 type only adds info and makes version 5", "[ping]") {
  Checker checker;
  const std::string ping = Unified("activation", R"({"histograms":{"X":1},"ver":4})", "");
  Result r = checker.Check(ping, true);
  REQUIRE(r.verdict.valid);
  const std::string& out = r.record.payload;
  CAPTURE(out);
  std::vector<std::string> expected_keys = Keys(ping);
  expected_keys.push_back("info");
  CHECK(Keys(out) == expected_keys);
  for (const std::string& field : Keys(ping)) {
    CAPTURE(field);
    CHECK(At(out, "/" + field) == (field == "version" ? "5" : At(ping, "/" + field)));
  }
  CHECK(At(out, "/info/reason") == R"("activation")");
  CHECK(At(out, "/info/appName") == R"("Firefox")");
  CHECK(At(out, "/info/appBuildID") == R"("20150601030204")");
}

// --- the real thing --------------------------------------------------------------------

// The one submission of telemetry1.log, inflated.
std::string RealPing(const std::string& log) {
  Status status;
  auto source = OpenFileSource(log, &status);
  REQUIRE(source);
  RawLogReader reader(std::move(source), log, nullptr);
  RawRecord raw;
  REQUIRE(reader.Next(&raw));
  std::string json;
  REQUIRE(InflateGzip(raw.body, kDefaultMaxInflatedSize, &json).ok());
  return json;
}

TEST_CASE("The real Firefox 23 ping validates and converts against its revision", "[ping]") {
  TM_SHARED_FILE_OR_SKIP(log, "peer/process_incoming/worker/common/test/data/telemetry1.log");
  TM_SHARED_FILE_OR_SKIP(histograms_json,
                         "peer/process_incoming/worker/common/test/data/"
                         "a55c55edf302.json.FIREFOX_AURORA_23_BASE");
  const std::string ping = RealPing(log);
  const std::string dir = std::filesystem::path(histograms_json).parent_path().string();
  SpecCacheOptions options;
  options.url_template = "file://" + dir + "/{rev}.json.FIREFOX_AURORA_23_BASE";
  options.attempts = 1;
  SpecCache cache(options);
  PingChecker checker(&cache, nullptr);
  Spec spec;
  REQUIRE(Spec::Parse(test::ReadFile(histograms_json), &spec).ok());

  for (bool convert : {false, true}) {
    CAPTURE(convert);
    Record record;
    record.payload = ping;
    Findings findings;
    Verdict verdict = checker.Check(&record, convert, &findings);
    CAPTURE(verdict.detail);
    REQUIRE(verdict.valid);
    std::sort(findings.unknown_histograms.begin(), findings.unknown_histograms.end());
    CHECK(findings.unknown_histograms ==
          std::vector<std::string>{"HTTP_OFFLINE_CACHE_DOCUMENT_LOAD", "MIXED_CONTENT_PAGE_LOAD"});
    CHECK(findings.unconvertible_histograms == std::vector<std::string>{"GC_REASON_2"});
    CHECK(record.dimensions.reason == "idle-daily");
    CHECK(record.dimensions.app_name == "Firefox");
    CHECK(record.dimensions.app_version == "23.0.1");
    CHECK(record.dimensions.app_update_channel == "release");
    CHECK(record.dimensions.app_build_id == "20130814063812");
    if (!convert) {
      CHECK(record.payload == Minified(ping));
      continue;
    }
    CHECK(At(record.payload, "/ver") == "2");
    CHECK(At(record.payload, "/histograms/CACHE_DEVICE_SEARCH_2") ==
          Converted(50, {{0, 5523}, {ExpoIndex(14), 22}, {ExpoIndex(20), 1}, {ExpoIndex(29), 5}},
                    "523,82.3832015991211,244.2482485671876,-1,-1"));
    for (const char* name :
         {"HTTP_OFFLINE_CACHE_DOCUMENT_LOAD", "MIXED_CONTENT_PAGE_LOAD", "GC_REASON_2"}) {
      CHECK(At(record.payload, "/histograms/" + std::string(name)) ==
            At(ping, "/histograms/" + std::string(name)));
    }
    size_t arrays = 0;
    const std::vector<std::string> names = Keys(record.payload, "/histograms");
    CHECK(names == Keys(ping, "/histograms"));
    for (const std::string& name : names) {
      const HistogramDefinition* def = spec.Find(name);
      if (!def || !def->convertible()) continue;
      CAPTURE(name);
      simdjson::dom::parser parser;
      simdjson::dom::array array;
      REQUIRE(parser.parse(At(record.payload, "/histograms/" + name)).get(array) ==
              simdjson::SUCCESS);
      CHECK(array.size() == def->buckets.size() + 5);
      for (simdjson::dom::element e : array) CHECK(e.is_number());
      ++arrays;
    }
    CHECK(arrays == names.size() - 3);
    for (const std::string& field : Keys(ping)) {
      if (field == "ver" || field == "histograms") continue;
      CAPTURE(field);
      CHECK(At(record.payload, "/" + field) == At(ping, "/" + field));
    }
  }
}

}  // namespace
}  // namespace tm_core
