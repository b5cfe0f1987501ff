// Fuzzes the validator (PingChecker, behind tm-validate and tm-convert): the
// input is a ping payload. It is checked as tm-validate checks it and converted
// as tm-convert converts it, against specs in an offline SpecCache over a cache
// directory written at startup (Histograms.json of ours with every kind, the
// old server's cache form, and a spec that is not JSON), with a revision map
// for pings that do not name their revision. Beyond "no crash", it checks
// what ping.h promises: tm-validate and tm-convert agree on what is valid and
// on its dimensions, a valid payload comes out as compact JSON that parses
// again and can go into a record line, and converting a classic ping changes
// nothing but "ver" and "histograms". And the histograms of classic pings,
// read straight from simdjson's stage 1 when they can be, give exactly what
// the DOM-only reference gives: verdict, detail, payload, dimensions, findings.
//
// fuzz/validator.dict holds the field names and revision URLs below, so that
// mutated inputs reach histogram checking.
#include <simdjson.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "tm_core/ping.h"
#include "tm_core/record.h"
#include "tm_core/revision_map.h"
#include "tm_core/spec_cache.h"

namespace tm_core::fuzz {
namespace {

// A revision of each spec form, and one whose cached spec is not JSON.
constexpr std::string_view kCentral = "mozilla-central/0123456789ab";
constexpr std::string_view kAurora = "releases/mozilla-aurora/a55c55edf302";
constexpr std::string_view kBroken = "try/badbadbadbad";

// Histograms.json as in the Firefox tree: every kind, bounds as numbers and
// as expressions, keyed histograms, and one that cannot be converted.
// Few buckets each, so that a bucket key in the dictionary is often right.
constexpr std::string_view kTreeSpec = R"({
  "GC_MS": {"kind": "exponential", "high": "10 * 1000", "n_buckets": 10, "description": "d"},
  "CYCLE_COLLECTOR": {"kind": "exponential", "low": 1, "high": 1000, "n_buckets": 5},
  "LINEAR_MS": {"kind": "linear", "low": 1, "high": 10, "n_buckets": 10},
  "BOOL_HIST": {"kind": "boolean"},
  "FLAG_HIST": {"kind": "flag"},
  "COUNT_HIST": {"kind": "count"},
  "ENUM_HIST": {"kind": "enumerated", "n_values": 5},
  "CATEGORICAL_HIST": {"kind": "categorical", "labels": ["a", "b", "c"]},
  "KEYED_COUNT": {"kind": "count", "keyed": true},
  "KEYED_EXP": {"kind": "exponential", "high": 100, "n_buckets": 4, "keyed": "true"},
  "GC_REASON": {"kind": "enumerated", "n_values": "JS::gcreason::NUM_TELEMETRY_REASONS"}
})";

// The old histogram server's cache form: kinds as codes, buckets given.
constexpr std::string_view kCacheSpec = R"({"histograms": {
  "OLD_EXP": {"kind": "0", "min": 1, "max": 100, "bucket_count": 5, "buckets": [0, 1, 5, 20, 100]},
  "OLD_LINEAR": {"kind": 1, "min": 1, "max": 3, "bucket_count": 4, "buckets": [0, 1, 2, 3]},
  "OLD_BOOL": {"kind": "2", "bucket_count": 3, "buckets": [0, 1, 2]},
  "OLD_FLAG": {"kind": "3", "bucket_count": 3, "buckets": [0, 1, 2]},
  "OLD_COUNT": {"kind": "4", "bucket_count": 3, "buckets": [0, 1, 2]},
  "OLD_BAD": {"kind": "0", "bucket_count": 3, "buckets": [0, 2, 1]}
}})";

// Pings that do not name their revision: nightly builds of 2014 are central,
// any channel in 2013 is aurora, and beta builds of 2015 the broken one.
constexpr std::string_view kRevisionMap =
    "# channel\tfirst\tlast\trevision\n"
    "nightly\t20140101000000\t20141231235959\thttps://hg.mozilla.org/mozilla-central/rev/0123456789ab\n"
    "*\t20130101000000\t20131231235959\thttps://hg.mozilla.org/releases/mozilla-aurora/rev/a55c55edf302\n"
    "beta\t20150101000000\t20151231235959\thttps://hg.mozilla.org/try/rev/badbadbadbad\n";

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  FUZZ_CHECK(out.flush(), "cannot write " + path.string());
}

// Everything the checks share, made once per process. Its directory is under
// $TMPDIR (scripts/fuzz points that at a directory it removes).
struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<SpecCache> specs;
  RevisionMap revisions;
  std::unique_ptr<PingChecker> checker;
  std::unique_ptr<PingChecker> dom_checker;  // histograms from the DOM only: the reference
  simdjson::dom::parser parser;
  simdjson::dom::parser other_parser;

  Fixture() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/tm-validator-fuzz.XXXXXX";
    FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "cannot make a temporary directory");
    dir = tmpl;
    WriteFile(dir / kCentral / "Histograms.json", kTreeSpec);
    WriteFile(dir / kAurora / "Histograms.json", kCacheSpec);
    WriteFile(dir / kBroken / "Histograms.json", "{\"not\": json");
    SpecCacheOptions options;
    options.cache_dir = dir.string();
    options.offline = true;
    specs = std::make_unique<SpecCache>(options);
    FUZZ_CHECK(RevisionMap::Parse(kRevisionMap, &revisions).ok(), "revision map");
    checker = std::make_unique<PingChecker>(specs.get(), &revisions);
    dom_checker = std::make_unique<PingChecker>(specs.get(), &revisions);
    dom_checker->set_stage_one_histograms(false);
    // Both specs must load, or no input would ever reach histogram checking.
    std::shared_ptr<const Spec> spec;
    FUZZ_CHECK(specs->Get("https://hg.mozilla.org/mozilla-central/rev/0123456789ab", &spec).ok(), "spec");
    FUZZ_CHECK(spec->Find("GC_MS") && spec->Find("GC_MS")->convertible(), "spec GC_MS");
    FUZZ_CHECK(specs->Get("https://hg.mozilla.org/releases/mozilla-aurora/rev/a55c55edf302", &spec).ok(),
               "cache-form spec");
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Fixture& TheFixture() {
  static Fixture fixture;  // removed at exit
  return fixture;
}

// What the URL of a submission would have said.
Record NewRecord(std::string_view payload, bool padded) {
  Record r;
  r.doc_id = "c0ffee00-0000-4000-8000-000000000000";
  r.time_ms = 1388534400000;
  r.dimensions = {"saved-session", "Firefox", "29.0a1", "nightly", "20140301000000"};
  if (padded) r.payload.reserve(payload.size() + kJsonPadding);
  r.payload.assign(payload);
  if (!padded) r.payload.shrink_to_fit();
  return r;
}

// The checker as it runs (classic histograms read in stage 1 when they can
// be) and the DOM-only reference must agree on everything, in both modes.
void CheckSameAsDom(Fixture& f, std::string_view data, bool convert, bool padded);

bool SameDimensions(const Dimensions& a, const Dimensions& b) {
  return a.reason == b.reason && a.app_name == b.app_name && a.app_version == b.app_version &&
         a.app_update_channel == b.app_update_channel && a.app_build_id == b.app_build_id;
}

// A valid payload is compact JSON: it parses, and holds no byte that would
// break a record line.
void CheckOutput(Fixture& f, const Record& r, const char* mode) {
  const std::string& p = r.payload;
  FUZZ_CHECK(p.find_first_of("\t\n\r") == std::string::npos,
             std::string(mode) + ": a tab or line break in a valid payload");
  simdjson::dom::element doc;
  auto error = f.parser.parse(simdjson::padded_string(p)).get(doc);
  FUZZ_CHECK(!error, std::string(mode) + ": valid payload is not JSON: " + simdjson::error_message(error));
  FUZZ_CHECK(doc.is_object(), std::string(mode) + ": valid payload is not an object");
}

// A classic ping converts member by member: "ver" becomes 2, "histograms"
// changes form, and every other member passes through unchanged, in order.
void CheckPassThrough(Fixture& f, const std::string& validated, const std::string& converted) {
  simdjson::padded_string before_text(validated), after_text(converted);
  simdjson::dom::object before, after;
  if (f.parser.parse(before_text).get(before)) return;  // CheckOutput says why
  int64_t ver = 0;
  if (before["ver"].get_int64().get(ver) || ver != 1) return;
  FUZZ_CHECK(!f.other_parser.parse(after_text).get(after), "converted ping is not an object");
  auto a = after.begin();
  for (auto member : before) {
    FUZZ_CHECK(a != after.end(), "converted ping lacks " + std::string(member.key));
    FUZZ_CHECK(member.key == (*a).key, "member " + std::string(member.key) + " became " + std::string((*a).key));
    if (member.key == "ver") {
      FUZZ_CHECK(simdjson::to_string((*a).value) == "2", "ver is not 2 after conversion");
    } else if (member.key != "histograms") {
      FUZZ_CHECK(simdjson::to_string(member.value) == simdjson::to_string((*a).value),
                 "member " + std::string(member.key) + " changed in conversion");
    }
    ++a;
  }
  FUZZ_CHECK(a == after.end(), "conversion added a member");
}

void CheckSameAsDom(Fixture& f, std::string_view data, bool convert, bool padded) {
  Record a = NewRecord(data, padded), b = NewRecord(data, padded);
  Findings fa, fb;
  Verdict va = f.checker->Check(&a, convert, &fa);
  Verdict vb = f.dom_checker->Check(&b, convert, &fb);
  const std::string mode = convert ? "convert" : "validate";
  FUZZ_CHECK(va.valid == vb.valid, mode + ": stage 1 says " + (va.valid ? "valid" : va.detail) +
                                       ", the DOM " + (vb.valid ? "valid" : vb.detail));
  FUZZ_CHECK(va.reason == vb.reason && va.detail == vb.detail,
             mode + ": reject differs from the DOM's: " + va.detail + " / " + vb.detail);
  FUZZ_CHECK(a.payload == b.payload,
             mode + ": payload differs from the DOM's:\n" + a.payload + "\n" + b.payload);
  FUZZ_CHECK(SameDimensions(a.dimensions, b.dimensions),
             mode + ": dimensions differ from the DOM's");
  FUZZ_CHECK(fa.unknown_histograms == fb.unknown_histograms &&
                 fa.unconvertible_histograms == fb.unconvertible_histograms,
             mode + ": findings differ from the DOM's");
}

}  // namespace
}  // namespace tm_core::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace tm_core;
  using namespace tm_core::fuzz;
  Fixture& f = TheFixture();
  std::string_view data(reinterpret_cast<const char*>(bytes), size);

  // tm-validate, on a payload with simdjson's padding (parsed in place), and
  // tm-convert on one without (parsed from a copy).
  Record validated = NewRecord(data, true);
  Findings validate_findings;
  Verdict v = f.checker->Check(&validated, false, &validate_findings);
  Record converted = NewRecord(data, false);
  Findings convert_findings;
  Verdict c = f.checker->Check(&converted, true, &convert_findings);

  CheckSameAsDom(f, data, false, true);
  CheckSameAsDom(f, data, true, true);

  FUZZ_CHECK(v.valid == c.valid, std::string("tm-validate says ") + (v.valid ? "valid" : "invalid") +
                                     ", tm-convert says " + (c.valid ? "valid" : "invalid") + ": " +
                                     (v.valid ? c.detail : v.detail));
  if (!v.valid) {
    FUZZ_CHECK(v.reason == c.reason, std::string("reject reasons differ: ") + RejectName(v.reason) +
                                         " (" + v.detail + "), " + RejectName(c.reason) + " (" + c.detail + ")");
    FUZZ_CHECK(!v.detail.empty(), "a reject without a detail");
    return 0;
  }
  FUZZ_CHECK(SameDimensions(validated.dimensions, converted.dimensions), "dimensions differ");
  CheckOutput(f, validated, "tm-validate");
  CheckOutput(f, converted, "tm-convert");
  CheckPassThrough(f, validated.payload, converted.payload);
  FUZZ_CHECK(converted.payload.capacity() >= converted.payload.size() + kJsonPadding,
             "converted payload without its padding");

  // What tm-convert wrote goes through both again without harm.
  Findings findings;
  Record again = NewRecord(converted.payload, true);
  if (f.checker->Check(&again, true, &findings).valid) CheckOutput(f, again, "tm-convert twice");
  return 0;
}
