#include "tm_core/raw_log.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>

#include "fakes.h"
#include "tm_core/gzip.h"
#include "tm_core/text.h"

namespace tm_core {
namespace {

using test::CollectingReporter;
using test::StringSource;

struct Sample {
  uint64_t time_ms;
  std::string ip, path, body;
};

std::vector<Sample> Samples(RawLogVersion version) {
  bool v2 = version == RawLogVersion::kV2;
  return {
      {1376930000123, v2 ? "10.1.2.3" : "", "uuid-1/saved-session/Firefox/23.0/release/2013", "{}"},
      {1376930000124, v2 ? "2001:db8::1" : "", "uuid-2", ""},  // empty body
      // A body full of separators must not confuse the reader.
      {1376930000125, v2 ? "1.2.3.4" : "", "uuid-3", std::string(300, '\x1e') + "tail"},
      {0, "", "u", std::string(70000, 'x')},
  };
}

std::string Encode(RawLogVersion version, const std::vector<Sample>& samples) {
  std::string out;
  for (const auto& s : samples)
    REQUIRE(AppendRawRecord(version, {s.time_ms, s.ip, s.path, s.body}, &out).ok());
  return out;
}

std::vector<Sample> ReadAll(std::string data, RawLogVersion version, size_t chunk,
                            CollectingReporter* reporter, RawLogVersion* detected = nullptr) {
  RawLogReader::Options options;
  options.version = version;
  options.chunk_size = std::max<size_t>(chunk, 1);
  RawLogReader reader(StringSource::New(std::move(data), chunk), "mem", reporter, options);
  std::vector<Sample> out;
  RawRecord r;
  while (reader.Next(&r))
    out.push_back({r.time_ms, std::string(r.client_ip), std::string(r.path), std::string(r.body)});
  REQUIRE(reader.status().ok());
  if (detected) *detected = reader.version();
  return out;
}

bool operator==(const Sample& a, const Sample& b) {
  return a.time_ms == b.time_ms && a.ip == b.ip && a.path == b.path && a.body == b.body;
}

TEST_CASE("v1 header is byte-compatible with the old Node.js server", "[raw_log]") {
  std::string out;
  REQUIRE(AppendRawRecord(RawLogVersion::kV1, {0x0102030405060708ULL, "", "ab", "xyz"}, &out).ok());
  const std::string expected =
      std::string("\x1e\x02\x00\x03\x00\x00\x00\x08\x07\x06\x05\x04\x03\x02\x01", 15) + "abxyz";
  CHECK(out == expected);
}

TEST_CASE("v2 header puts the address length first and the address before the path",
          "[raw_log]") {
  std::string out;
  REQUIRE(AppendRawRecord(RawLogVersion::kV2, {1, "1.2.3.4", "p", "b"}, &out).ok());
  const std::string expected =
      std::string("\x1e\x07\x01\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00", 16) +
      "1.2.3.4pb";
  CHECK(out == expected);
}

TEST_CASE("A record whose fields do not fit their length fields is refused", "[raw_log]") {
  std::string out;
  CHECK_FALSE(AppendRawRecord(RawLogVersion::kV1, {1, "1.2.3.4", "p", "b"}, &out).ok());
  CHECK_FALSE(AppendRawRecord(RawLogVersion::kV2, {1, std::string(256, '1'), "p", "b"}, &out).ok());
  CHECK_FALSE(AppendRawRecord(RawLogVersion::kV1, {1, "", std::string(65536, 'p'), "b"}, &out).ok());
  CHECK(out.empty());
}

TEST_CASE("Records survive a round trip whatever the read sizes", "[raw_log]") {
  const RawLogVersion version = GENERATE(RawLogVersion::kV1, RawLogVersion::kV2);
  const size_t chunk = GENERATE(1, 3, 16, 4096, 1 << 20);
  CAPTURE(RawLogVersionName(version), chunk);
  auto samples = Samples(version);
  CollectingReporter reporter;
  RawLogVersion detected;
  auto got = ReadAll(Encode(version, samples), RawLogVersion::kUnknown, chunk, &reporter, &detected);
  CHECK(detected == version);
  CHECK(got == samples);
  CHECK(reporter.skipped.empty());
}

TEST_CASE("Version detection reads a lone record followed by a stray newline", "[raw_log]") {
  for (auto version : {RawLogVersion::kV1, RawLogVersion::kV2}) {
    CAPTURE(RawLogVersionName(version));
    std::string data = Encode(version, {Samples(version)[0]}) + "\n";
    CHECK(DetectRawLogVersion(data, true, "") == version);
    CollectingReporter reporter;
    auto got = ReadAll(data, RawLogVersion::kUnknown, 4096, &reporter);
    CHECK(got.size() == 1);
    CHECK(reporter.skipped == std::vector<std::string>{
                                  "mem@" + std::to_string(data.size() - 1) +
                                  "+1: not a record separator"});
  }
}

TEST_CASE("Version detection falls back on the .v1./.v2. file name hint", "[raw_log]") {
  CHECK(DetectRawLogVersion("", true, "telemetry.log.v2.host.1.2") == RawLogVersion::kV2);
  CHECK(DetectRawLogVersion("garbage", true, "x.v1.y") == RawLogVersion::kV1);
  CHECK(DetectRawLogVersion("garbage", true, "x") == RawLogVersion::kUnknown);
}

TEST_CASE("Garbage before, between and after records is skipped and reported once per run",
          "[raw_log]") {
  auto samples = Samples(RawLogVersion::kV1);
  std::string a = Encode(RawLogVersion::kV1, {samples[0]});
  std::string b = Encode(RawLogVersion::kV1, {samples[1]});
  std::string data = "JUNK" + a + "more junk" + b + "tail";
  const size_t chunk = GENERATE(1, 5, 4096);
  CollectingReporter reporter;
  auto got = ReadAll(data, RawLogVersion::kV1, chunk, &reporter);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == samples[0]);
  CHECK(got[1] == samples[1]);
  CHECK(reporter.skipped ==
        std::vector<std::string>{"mem@0+4: not a record separator",
                                 "mem@" + std::to_string(4 + a.size()) + "+9: not a record separator",
                                 "mem@" + std::to_string(data.size() - 4) +
                                     "+4: not a record separator"});
}

TEST_CASE("A record with an impossible header is skipped and the next one is found",
          "[raw_log]") {
  auto samples = Samples(RawLogVersion::kV1);
  std::string bad = Encode(RawLogVersion::kV1, {samples[0]});
  bad[14] = '\x7f';  // the top byte of the time: far past the year 2100
  std::string good = Encode(RawLogVersion::kV1, {samples[1]});
  CollectingReporter reporter;
  auto got = ReadAll(bad + good, RawLogVersion::kV1, 7, &reporter);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == samples[1]);
  REQUIRE(reporter.skipped.size() == 1);
  CHECK(reporter.skipped[0] ==
        "mem@0+" + std::to_string(bad.size()) + ": impossible record header (time or body length)");
}

TEST_CASE("A declared body longer than the limit is corruption, not an allocation", "[raw_log]") {
  std::string data(15, '\0');
  EncodeRawHeader(RawLogVersion::kV1, 0, 1, 0xffffffffu, 1, data.data());
  data += "p";
  data += Encode(RawLogVersion::kV1, {Samples(RawLogVersion::kV1)[0]});
  RawLogReader::Options options;
  options.version = RawLogVersion::kV1;
  options.max_body_size = 1 << 20;
  CollectingReporter reporter;
  RawLogReader reader(StringSource::New(data), "mem", &reporter, options);
  RawRecord r;
  REQUIRE(reader.Next(&r));
  CHECK(r.path == Samples(RawLogVersion::kV1)[0].path);
  CHECK(reporter.bytes == 16);
  CHECK_FALSE(reader.Next(&r));
}

TEST_CASE("A truncated last record is reported, the ones before it are kept", "[raw_log]") {
  const RawLogVersion version = GENERATE(RawLogVersion::kV1, RawLogVersion::kV2);
  auto samples = Samples(version);
  std::string whole = Encode(version, samples);
  const size_t last = Encode(version, {samples.back()}).size();
  const size_t cut = GENERATE(1, 10, 100);  // inside the header and inside the body
  std::string data = whole.substr(0, whole.size() - last + cut);
  CollectingReporter reporter;
  auto got = ReadAll(data, version, 4096, &reporter);
  CHECK(got.size() == samples.size() - 1);
  CHECK(reporter.bytes == cut);
  REQUIRE(reporter.skipped.size() == 1);
  CHECK_THAT(reporter.skipped[0], Catch::Contains("cut short by the end of the input"));
}

TEST_CASE("Every byte of a damaged log is either in a record or reported as skipped",
          "[raw_log]") {
  // Flip, drop and insert bytes at random in a valid log: the reader must end,
  // never fail, and account for the whole input.
  std::mt19937 rng(12345);
  const RawLogVersion version = GENERATE(RawLogVersion::kV1, RawLogVersion::kV2);
  std::string valid = Encode(version, Samples(version));
  for (int round = 0; round < 300; ++round) {
    std::string data = valid;
    int edits = 1 + rng() % 8;
    for (int e = 0; e < edits && !data.empty(); ++e) {
      size_t at = rng() % data.size();
      switch (rng() % 3) {
        case 0:
          data[at] = static_cast<char>(rng());
          break;
        case 1:
          data.erase(at, 1 + rng() % 20);
          break;
        default:
          data.insert(at, std::string(1 + rng() % 20, static_cast<char>(rng() % 2 ? 0x1e : rng())));
      }
    }
    RawLogReader::Options options;
    options.version = version;
    CollectingReporter reporter;
    RawLogReader reader(StringSource::New(data, 1 + rng() % 5000), "mem", &reporter, options);
    RawRecord r;
    uint64_t in_records = 0;
    while (reader.Next(&r)) in_records += RawHeaderSize(version) + r.client_ip.size() + r.path.size() + r.body.size();
    REQUIRE(reader.status().ok());
    REQUIRE(in_records + reporter.bytes == data.size());
    REQUIRE(reader.skipped_bytes() == reporter.bytes);
  }
}

TEST_CASE("A read error ends the stream with a failed status", "[raw_log]") {
  std::string data = Encode(RawLogVersion::kV1, Samples(RawLogVersion::kV1));
  RawLogReader::Options options;
  options.version = RawLogVersion::kV1;
  RawLogReader reader(std::make_unique<test::FailingSource>(data, 70), "mem", nullptr, options);
  RawRecord r;
  REQUIRE(reader.Next(&r));  // the first record is within the good bytes
  CHECK_FALSE(reader.Next(&r));
  CHECK_FALSE(reader.status().ok());
  CHECK_FALSE(reader.Next(&r));
}

TEST_CASE("The old server's real log reads as one v1 Firefox 23 submission", "[raw_log][shared]") {
  TM_SHARED_FILE_OR_SKIP(path, "peer/process_incoming/worker/common/test/data/telemetry1.log");
  CollectingReporter reporter;
  RawLogVersion detected;
  auto got = ReadAll(test::ReadFile(path), RawLogVersion::kUnknown, 4096, &reporter, &detected);
  CHECK(detected == RawLogVersion::kV1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].path ==
        "17caa68c-25f5-450a-9cce-7d31318846d8/idle-daily/Firefox/23.0.1/release/20130814063812");
  CHECK(FormatTimeMs(got[0].time_ms) == "2013-09-10T14:21:51.255Z");
  REQUIRE(IsGzip(got[0].body));
  std::string json;
  REQUIRE(InflateGzip(got[0].body, kDefaultMaxInflatedSize, &json).ok());
  CHECK(json.front() == '{');
  CHECK_THAT(json, Catch::Contains("a55c55edf302"));
  CHECK(reporter.bytes == 1);  // the stray newline at its end
}

TEST_CASE("The old server's unicode log reads as two records, gzip'd and plain",
          "[raw_log][shared]") {
  TM_SHARED_FILE_OR_SKIP(path, "peer/test/unicode.v1.packed");
  CollectingReporter reporter;
  auto got = ReadAll(test::ReadFile(path), RawLogVersion::kUnknown, 4096, &reporter);
  REQUIRE(got.size() == 2);
  std::string first;
  REQUIRE(InflateGzip(got[0].body, kDefaultMaxInflatedSize, &first).ok());
  // The same ping; the gzip'd copy was made from a file with a final newline.
  CHECK(first == std::string(got[1].body) + "\n");
  CHECK(reporter.skipped.empty());
}

}  // namespace
}  // namespace tm_core
