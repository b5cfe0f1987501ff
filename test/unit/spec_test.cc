#include "tm_core/spec.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "fakes.h"

namespace tm_core {
namespace {

using Buckets = std::vector<int64_t>;

const std::string kData = "peer/process_incoming/worker/common/test/data/";

// Parses `json`, which must succeed, and returns the spec.
Spec MustParse(const std::string& json) {
  Spec spec;
  Status s = Spec::Parse(json, &spec);
  INFO(s.message());
  REQUIRE(s.ok());
  return spec;
}

// The definition of `name` in a one-histogram Histograms.json.
HistogramDefinition One(const std::string& definition) {
  Spec spec = MustParse(R"({"H": )" + definition + "}");
  REQUIRE(spec.Find("H") != nullptr);
  return *spec.Find("H");
}

// The problem text of a one-histogram spec, which must parse.
std::string Problem(const std::string& definition) {
  HistogramDefinition h = One(definition);
  CHECK(h.buckets.empty());
  return h.problem;
}

// The message of a spec that must not parse.
std::string ParseError(const std::string& json) {
  Spec spec;
  Status s = Spec::Parse(json, &spec);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kCorruption);
  return s.message();
}

// A JSON array of `n` distinct labels.
std::string Labels(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) out += (i ? ",\"l" : "\"l") + std::to_string(i) + "\"";
  return out + "]";
}

// EvaluateBound's value, or its error message as a string.
std::string Eval(std::string_view expression) {
  int64_t v = 0;
  Status s = EvaluateBound(expression, &v);
  if (!s.ok()) {
    CHECK(s.code() == Status::Code::kInvalidArgument);
    return s.message();
  }
  return std::to_string(v);
}

// The member names of a JSON object (of its "histograms" member for the cache).
std::vector<std::string> Names(const std::string& json, bool cache) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  REQUIRE(parser.parse(json).get(object) == simdjson::SUCCESS);
  if (cache) REQUIRE(object["histograms"].get(object) == simdjson::SUCCESS);
  std::vector<std::string> names;
  for (auto field : object) names.emplace_back(field.key);
  return names;
}

TEST_CASE("Boolean, flag and count histograms have buckets 0 1 2", "[spec]") {
  for (const char* kind : {"boolean", "flag", "count"}) {
    CAPTURE(kind);
    HistogramDefinition h = One(std::string(R"({"kind": ")") + kind + R"(", "high": 99})");
    CHECK(h.kind == kind);
    CHECK(h.convertible());
    CHECK(h.buckets == Buckets{0, 1, 2});
  }
}

TEST_CASE("Enumerated histograms have one bucket per value and one for overflow", "[spec]") {
  CHECK(One(R"({"kind": "enumerated", "n_values": 4})").buckets == Buckets{0, 1, 2, 3, 4});
  CHECK(One(R"({"kind": "enumerated", "n_values": "2 * 2"})").buckets == Buckets{0, 1, 2, 3, 4});
}

TEST_CASE("Linear histograms follow Firefox's rounding", "[spec]") {
  CHECK(One(R"({"kind": "linear", "high": 10, "n_buckets": 5})").buckets ==
        Buckets{0, 1, 4, 7, 10});
  CHECK(One(R"({"kind": "linear", "low": 1, "high": 5, "n_buckets": 4})").buckets ==
        Buckets{0, 1, 3, 5});
  CHECK(LinearBuckets(1, 50, 51).size() == 51);
}

TEST_CASE("Exponential histograms follow Firefox's layout", "[spec]") {
  CHECK(One(R"({"kind": "exponential", "high": "100", "n_buckets": 10})").buckets ==
        Buckets{0, 1, 2, 3, 5, 9, 16, 29, 54, 100});
  CHECK(One(R"({"kind": "exponential", "low": 10, "high": "10 * 100", "n_buckets": 8})").buckets ==
        Buckets{0, 10, 22, 47, 101, 217, 466, 1000});
}

TEST_CASE("A linear low of 0 is raised to 1, as Firefox's runtime does", "[spec]") {
  CHECK(One(R"({"kind": "linear", "low": 0, "high": 10, "n_buckets": 5})").buckets ==
        Buckets{0, 1, 4, 7, 10});
  CHECK(One(R"({"kind": "exponential", "low": 0, "high": 100, "n_buckets": 10})").buckets ==
        Buckets{0, 1, 2, 3, 5, 9, 16, 29, 54, 100});
}

TEST_CASE("Categorical histograms have at least 50 values", "[spec]") {
  Buckets fifty = LinearBuckets(1, 50, 51);
  CHECK(fifty[50] == 50);
  CHECK(One(R"({"kind": "categorical", "labels": ["a", "b"]})").buckets == fifty);
  CHECK(One(R"({"kind": "categorical", "labels": ["a"], "n_values": 60})").buckets.size() == 61);
  // Firefox takes the most of labels, n_values and 50; it does not refuse
  // more labels than n_values.
  CHECK(One(R"({"kind": "categorical", "n_values": 10, "labels": )" + Labels(70) + "}")
            .buckets.size() == 71);
  CHECK(One(R"({"kind": "categorical", "labels": )" + Labels(100) + "}").buckets.size() == 101);
}

TEST_CASE("Keyed is read from a boolean or an old \"true\" string", "[spec]") {
  CHECK_FALSE(One(R"({"kind": "flag"})").keyed);
  CHECK(One(R"({"kind": "flag", "keyed": true})").keyed);
  CHECK(One(R"({"kind": "flag", "keyed": "true"})").keyed);
  CHECK_FALSE(One(R"({"kind": "flag", "keyed": false})").keyed);
  CHECK(Problem(R"({"kind": "flag", "keyed": 1})") == "keyed: 1 is not a boolean");
}

TEST_CASE("STARTUP_ names fall back to the unprefixed definition", "[spec]") {
  Spec spec = MustParse(R"({"X": {"kind": "flag"}, "STARTUP_Y": {"kind": "boolean"},
                            "Y": {"kind": "count"}})");
  CHECK(spec.size() == 3);
  CHECK(spec.Find("STARTUP_X") == spec.Find("X"));
  CHECK(spec.Find("STARTUP_X")->kind == "flag");
  CHECK(spec.Find("STARTUP_Y")->kind == "boolean");  // its own definition first
  CHECK(spec.Find("STARTUP_") == nullptr);
  CHECK(spec.Find("STARTUP_Z") == nullptr);
  CHECK(spec.Find("x") == nullptr);
}

TEST_CASE("BucketIndex finds exact lower bounds only", "[spec]") {
  HistogramDefinition h = One(R"({"kind": "exponential", "high": 100, "n_buckets": 10})");
  CHECK(h.BucketIndex(0) == 0);
  CHECK(h.BucketIndex(5) == 4);
  CHECK(h.BucketIndex(100) == 9);
  CHECK(h.BucketIndex(4) == -1);
  CHECK(h.BucketIndex(-1) == -1);
  CHECK(h.BucketIndex(101) == -1);
  CHECK(HistogramDefinition{}.BucketIndex(0) == -1);
}

TEST_CASE("Bounds that are not integer arithmetic make one histogram unconvertible", "[spec]") {
  Spec spec = MustParse(R"({
    "GC_REASON_2": {"kind": "enumerated", "n_values": "JS::gcreason::NUM_TELEMETRY_REASONS"},
    "OK": {"kind": "linear", "high": 1000.0, "n_buckets": 1e1}})");
  const HistogramDefinition* gc = spec.Find("GC_REASON_2");
  REQUIRE(gc != nullptr);
  CHECK_FALSE(gc->convertible());
  CHECK(gc->buckets.empty());
  CHECK(gc->problem == R"(n_values: "JS::gcreason::NUM_TELEMETRY_REASONS" is not a number)");
  CHECK(spec.Find("OK")->convertible());
  CHECK(spec.Find("OK")->buckets.size() == 10);

  CHECK(Problem(R"({"kind": "linear", "high": 2.5, "n_buckets": 3})") ==
        "high: 2.5 is not an integer");
  CHECK(Problem(R"({"kind": "linear", "high": 18446744073709551615, "n_buckets": 3})") ==
        "high: 18446744073709551615 overflows 64 bits");
  CHECK(Problem(R"({"kind": "linear", "high": null, "n_buckets": 3})") ==
        "high: null is not a number");
  CHECK(Problem(R"({"kind": "linear", "high": "1 << 70", "n_buckets": 3})") ==
        R"(high: "1 << 70" overflows 64 bits)");
  CHECK(Problem(R"({"kind": "linear", "n_buckets": 3})") == "high: missing");
  CHECK(Problem(R"({"kind": "enumerated"})") == "n_values: missing");
  CHECK(Problem(R"({"kind": "categorical"})") == "labels: missing or not an array");
}

TEST_CASE("Hostile sizes make one histogram unconvertible", "[spec]") {
  CHECK(Problem(R"({"kind": "linear", "high": 10, "n_buckets": 2})") ==
        "n_buckets: 2 is not between 3 and 100000");
  CHECK(Problem(R"({"kind": "exponential", "high": 1000000, "n_buckets": 100001})") ==
        "n_buckets: 100001 is not between 3 and 100000");
  CHECK(Problem(R"({"kind": "exponential", "high": 10, "n_buckets": "-1"})") ==
        "n_buckets: -1 is not between 3 and 100000");
  CHECK(Problem(R"({"kind": "linear", "low": 10, "high": 10, "n_buckets": 3})") ==
        "high: 10 is not between low (10) and 2147483647");
  CHECK(Problem(R"({"kind": "exponential", "high": "1 << 40", "n_buckets": 3})") ==
        "high: 1099511627776 is not between low (1) and 2147483647");
  CHECK(Problem(R"({"kind": "linear", "high": 5, "n_buckets": 10})") ==
        "10 buckets do not fit between 1 and 5");
  CHECK(Problem(R"({"kind": "enumerated", "n_values": 1})") ==
        "n_values: 1 is not between 2 and 99999");
  CHECK(Problem(R"({"kind": "enumerated", "n_values": 9223372036854775807})") ==
        "n_values: 9223372036854775807 is not between 2 and 99999");
  CHECK(Problem(R"({"kind": "categorical", "labels": [], "n_values": 1000000})") ==
        "n_values: 1000000 is not between 2 and 99999");
  CHECK(Problem(R"({"kind": "categorical", "labels": )" + Labels(101) + "}") ==
        "labels: 101 labels, more than 100");
}

TEST_CASE("Unknown or missing kinds make the whole spec fail", "[spec]") {
  CHECK(ParseError(R"({"A": {"kind": "flag"}, "B": {"kind": "histogram"}})") ==
        R"(histogram "B": unknown kind "histogram")");
  CHECK(ParseError(R"({"A": {"high": 3}})") == R"(histogram "A": no kind)");
  CHECK(ParseError(R"({"A": {"kind": 2}})") == R"(histogram "A": kind 2 is not a string)");
  CHECK(ParseError(R"({"A": 7})") == R"(histogram "A": definition is not an object)");
  CHECK(ParseError(R"({"histograms": {"A": {"kind": "5"}}})") ==
        R"(histogram "A": unknown kind "5")");
  CHECK(ParseError("") == "spec is empty");
  CHECK(ParseError("[]") == "spec is not a JSON object");
  CHECK(ParseError("{\"a\xff\": 1}") == "spec is not valid UTF-8");
  CHECK(ParseError(std::string(5000, '[') + std::string(5000, ']')) == "spec nests too deeply");
  // A hostile name is shown escaped and cut short.
  CHECK(ParseError("{\"" + std::string(100, 'x') + "\\n\": {}}") ==
        "histogram \"" + std::string(40, 'x') + "...\": no kind");
}

TEST_CASE("A failed parse leaves the spec as it was", "[spec]") {
  Spec spec = MustParse(R"({"A": {"kind": "flag"}})");
  CHECK_FALSE(Spec::Parse(R"({"B": {"kind": "flag"}, "C": {}})", &spec).ok());
  CHECK(spec.size() == 1);
  CHECK(spec.Find("A") != nullptr);
}

TEST_CASE("The cache form takes buckets as given, once checked", "[spec]") {
  Spec spec = MustParse(R"({"histograms": {
    "E": {"kind": "0", "min": 1, "max": 100, "bucket_count": 4, "buckets": [0, 1, 10, 100]},
    "C": {"kind": "4", "min": 1, "max": 2, "bucket_count": 3, "buckets": [0, 1, 2]},
    "I": {"kind": 1, "bucket_count": 3, "buckets": [0, 1, 2]},
    "UNSORTED": {"kind": "0", "bucket_count": 4, "buckets": [0, 10, 1, 100]},
    "NO_ZERO": {"kind": "1", "bucket_count": 3, "buckets": [1, 2, 3]},
    "REPEATED": {"kind": "1", "bucket_count": 3, "buckets": [0, 1, 1]},
    "MISCOUNTED": {"kind": "2", "bucket_count": 4, "buckets": [0, 1, 2]},
    "FRACTION": {"kind": "2", "bucket_count": 3, "buckets": [0, 1.5, 2]},
    "TINY": {"kind": "3", "bucket_count": 1, "buckets": [0]},
    "NONE": {"kind": "3"}}})");
  CHECK(spec.size() == 10);
  CHECK(spec.Find("E")->kind == "exponential");
  CHECK(spec.Find("E")->buckets == Buckets{0, 1, 10, 100});
  CHECK(spec.Find("C")->kind == "count");
  CHECK(spec.Find("I")->kind == "linear");
  CHECK(spec.Find("UNSORTED")->problem == "buckets: not ascending from 0");
  CHECK(spec.Find("NO_ZERO")->problem == "buckets: not ascending from 0");
  CHECK(spec.Find("REPEATED")->problem == "buckets: not ascending from 0");
  CHECK(spec.Find("MISCOUNTED")->problem == "bucket_count: missing or not the number of buckets");
  CHECK(spec.Find("FRACTION")->problem == "buckets: 1.5 is not an integer");
  CHECK(spec.Find("TINY")->problem == "bucket_count: 1 is not between 3 and 100000");
  CHECK(spec.Find("NONE")->problem == "buckets: missing or not an array");
  for (const char* name : {"UNSORTED", "NO_ZERO", "REPEATED", "MISCOUNTED", "FRACTION", "TINY"})
    CHECK(spec.Find(name)->buckets.empty());
}

TEST_CASE("A Firefox histogram named \"histograms\" is not the cache form", "[spec]") {
  Spec spec = MustParse(R"({"histograms": {"kind": "flag"}, "B": {"kind": "boolean"}})");
  CHECK(spec.size() == 2);
  CHECK(spec.Find("histograms")->kind == "flag");
  // Nor is a "histograms" member that is not an object.
  CHECK(ParseError(R"({"histograms": [1]})") == R"(histogram "histograms": definition is not an object)");
}

TEST_CASE("EvaluateBound does integer arithmetic as Python did", "[spec]") {
  CHECK(Eval("10000") == "10000");
  CHECK(Eval(" 10 * 1000 ") == "10000");
  CHECK(Eval("60 * 60 * 24") == "86400");
  CHECK(Eval("(1 << 16) + 1") == "65537");
  CHECK(Eval("1 << 2 + 1") == "8");  // shifts bind loosest
  CHECK(Eval("2 + 3 * 4 - 1") == "13");
  CHECK(Eval("(2 + 3) * 4") == "20");
  CHECK(Eval("100 >> 2") == "25");
  CHECK(Eval("-3 >> 70") == "-1");
  CHECK(Eval("7 / 2") == "3");
  CHECK(Eval("-7 / 2") == "-4");  // floor division
  CHECK(Eval("-7 % 2") == "1");
  CHECK(Eval("7 % -2") == "-1");
  CHECK(Eval("--5") == "5");
  CHECK(Eval("0 << 1000") == "0");
  CHECK(Eval("9223372036854775807") == "9223372036854775807");
  CHECK(Eval("-9223372036854775807 - 1") == "-9223372036854775808");
  CHECK(Eval("(-9223372036854775807 - 1) / -1") ==
        R"("(-9223372036854775807 - 1) / -1" overflows 64 bits)");
  CHECK(Eval("(-9223372036854775807 - 1) % -1") == "0");
}

TEST_CASE("EvaluateBound refuses names, overflow and hostile input", "[spec]") {
  CHECK(Eval("JS::gcreason::NUM_TELEMETRY_REASONS") ==
        R"("JS::gcreason::NUM_TELEMETRY_REASONS" is not a number)");
  CHECK(Eval("MAX + 1") == R"("MAX + 1" is not a number)");
  CHECK(Eval("") == R"("" is not a number)");
  CHECK(Eval("1 2") == R"("1 2" is not a number)");
  CHECK(Eval("+1") == R"("+1" is not a number)");
  CHECK(Eval("2 ** 3") == R"("2 ** 3" is not a number)");
  CHECK(Eval("0x10") == R"("0x10" is not a number)");
  CHECK(Eval("010") == R"("010" has a leading zero)");
  CHECK(Eval("2.5") == R"("2.5" is not an integer)");
  CHECK(Eval("1e3") == R"("1e3" is not an integer)");
  CHECK(Eval("1/0") == R"("1/0" divides by zero)");
  CHECK(Eval("1 % (2 - 2)") == R"x("1 % (2 - 2)" divides by zero)x");
  CHECK(Eval("1 << 70") == R"("1 << 70" overflows 64 bits)");
  CHECK(Eval("1 << 63") == R"("1 << 63" overflows 64 bits)");
  CHECK(Eval("3 << 62") == R"("3 << 62" overflows 64 bits)");
  CHECK(Eval("1 << -1") == R"("1 << -1" shifts by a negative count)");
  CHECK(Eval("9223372036854775808") == R"("9223372036854775808" overflows 64 bits)");
  CHECK(Eval("4611686018427387904 * 2") == R"("4611686018427387904 * 2" overflows 64 bits)");
  CHECK(Eval("9223372036854775807 + 1") == R"("9223372036854775807 + 1" overflows 64 bits)");
  CHECK(Eval("(1") == R"("(1" has unbalanced parentheses)");
  CHECK(Eval("1)") == R"x("1)" has unbalanced parentheses)x");
  CHECK(Eval(std::string(1000, '9')) == "\"" + std::string(40, '9') + "...\" overflows 64 bits");
  CHECK(Eval(std::string(63, '(') + "1" + std::string(63, ')')) == "1");
  std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  CHECK(Eval(deep) == "\"" + std::string(40, '(') + "...\" nests too deeply");
  CHECK(Eval(std::string(100000, '-') + "1") ==
        "\"" + std::string(40, '-') + "...\" nests too deeply");
  CHECK(Eval(std::string_view("1\0", 2)) == "\"1\\x00\" is not a number");
}

TEST_CASE("Layout functions refuse arguments Parse would not pass", "[spec]") {
  CHECK(LinearBuckets(1, 10, 2).empty());
  CHECK(LinearBuckets(0, 10, 5).empty());
  CHECK(ExponentialBuckets(0, 10, 5).empty());
  CHECK(ExponentialBuckets(10, 10, 5).empty());
  CHECK(ExponentialBuckets(1, int64_t{1} << 40, 5).empty());
  CHECK(ExponentialBuckets(1, 10, 100001).empty());
  CHECK(LinearBuckets(1, 10, 5) == Buckets{0, 1, 4, 7, 10});
}

TEST_CASE("Malformed spec files are refused with the reason", "[spec]") {
  // {file, message}: the files are the old system's bad-spec fixtures.
  const std::map<std::string, std::string> cases = {
      {"invalid.json", "spec is not valid JSON"},
      {"invalid_kind.json", R"(histogram "MY_HISTOGRAM": unknown kind "bogus")"},
      {"invalid_schema.json", "spec is not a JSON object"},
      {"missing_kind.json", R"(histogram "MY_HISTOGRAM": no kind)"},
  };
  for (const auto& [file, message] : cases) {
    CAPTURE(file);
    TM_SHARED_FILE_OR_SKIP(path, kData + file);
    CHECK(ParseError(test::ReadFile(path)) == message);
  }
}

// The old histogram server computed cache/<rev>.json from <rev>.json.*_BASE;
// our layouts must give the same buckets for every histogram in both.
TEST_CASE("Buckets match the old server's for three Firefox revisions", "[spec]") {
  const auto [rev, tag] = GENERATE(table<std::string, std::string>({
      {"a55c55edf302", "FIREFOX_AURORA_23_BASE"},
      {"8d3810543edc", "FIREFOX_AURORA_24_BASE"},
      {"ad0ae007aa9e", "FIREFOX_AURORA_25_BASE"},
  }));
  CAPTURE(rev);
  TM_SHARED_FILE_OR_SKIP(definitions_path, kData + rev + ".json." + tag);
  TM_SHARED_FILE_OR_SKIP(cache_path, kData + "cache/" + rev + ".json");
  const std::string definitions_json = test::ReadFile(definitions_path);
  const std::string cache_json = test::ReadFile(cache_path);
  Spec definitions = MustParse(definitions_json);
  Spec cache = MustParse(cache_json);

  // The cache writes enumerated as linear ("1").
  const std::map<std::string, std::string> cache_kind = {
      {"exponential", "exponential"}, {"linear", "linear"}, {"enumerated", "linear"},
      {"boolean", "boolean"},         {"flag", "flag"},     {"count", "count"}};
  std::vector<std::string> unconvertible;
  for (const std::string& name : Names(definitions_json, false)) {
    CAPTURE(name);
    const HistogramDefinition* d = definitions.Find(name);
    REQUIRE(d != nullptr);
    const HistogramDefinition* c = cache.Find(name);
    if (!d->convertible()) {
      unconvertible.push_back(name + ": " + d->problem);
      CHECK(c == nullptr);  // the old server skipped them too
      continue;
    }
    REQUIRE(c != nullptr);
    CHECK(c->convertible());
    CHECK(cache_kind.at(d->kind) == c->kind);
    CHECK(d->buckets == c->buckets);
  }
  CHECK(unconvertible ==
        std::vector<std::string>{
            R"(GC_REASON_2: n_values: "JS::gcreason::NUM_TELEMETRY_REASONS" is not a number)",
            R"(STARTUP_MEASUREMENT_ERRORS: n_values: "mozilla::StartupTimeline::MAX_EVENT_ID" is not a number)"});

  // The cache's extra names are STARTUP_ copies, which Find resolves.
  size_t startup_copies = 0;
  for (const std::string& name : Names(cache_json, true)) {
    CAPTURE(name);
    const HistogramDefinition* d = definitions.Find(name);
    REQUIRE(d != nullptr);
    CHECK(d->buckets == cache.Find(name)->buckets);
    bool copy = name.rfind("STARTUP_", 0) == 0 && d == definitions.Find(name.substr(8));
    startup_copies += copy;
  }
  CHECK(cache.size() == definitions.size() - unconvertible.size() + startup_copies);
}

}  // namespace
}  // namespace tm_core
