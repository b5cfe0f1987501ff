#include "tm_core/record.h"

#include <catch2/catch.hpp>

#include "fakes.h"
#include "tm_core/text.h"

namespace tm_core {
namespace {

Record Sample() {
  Record r;
  r.doc_id = "17caa68c-25f5-450a-9cce-7d31318846d8";
  r.time_ms = 1378822911255;
  r.dimensions = {"idle-daily", "Firefox", "23.0.1", "release", "20130814063812"};
  r.client_ip = "192.0.2.7";
  r.payload = R"({"ver":1,"info":{"appName":"Firefox"}})";
  return r;
}

struct Collecting : RecordReader::Reporter {
  std::vector<std::string> bad;
  void Malformed(const Position& where, std::string_view line, std::string_view why) override {
    bad.push_back(std::to_string(where.record) + "@" + std::to_string(where.offset) + " " +
                  std::string(line.substr(0, 10)) + ": " + std::string(why));
  }
};

std::vector<Record> ReadAll(std::string text, Collecting* reporter, size_t chunk = 7,
                            RecordReader::Options options = {}) {
  if (options.chunk_size == RecordReader::Options().chunk_size) options.chunk_size = 16;
  RecordReader reader(test::StringSource::New(std::move(text), chunk), "in", reporter, options);
  std::vector<Record> out;
  Record r;
  while (reader.Next(&r)) out.push_back(r);
  REQUIRE(reader.status().ok());
  return out;
}

bool Same(const Record& a, const Record& b) {
  return a.doc_id == b.doc_id && a.time_ms == b.time_ms && a.dimensions.reason == b.dimensions.reason &&
         a.dimensions.app_name == b.dimensions.app_name &&
         a.dimensions.app_version == b.dimensions.app_version &&
         a.dimensions.app_update_channel == b.dimensions.app_update_channel &&
         a.dimensions.app_build_id == b.dimensions.app_build_id && a.client_ip == b.client_ip &&
         a.payload == b.payload;
}

TEST_CASE("A record is one line of nine tab-separated columns", "[record]") {
  std::string line;
  AppendRecordLine(Sample(), &line);
  CHECK(line ==
        "17caa68c-25f5-450a-9cce-7d31318846d8\t2013-09-10T14:21:51.255Z\tidle-daily\tFirefox\t"
        "23.0.1\trelease\t20130814063812\t192.0.2.7\t{\"ver\":1,\"info\":{\"appName\":\"Firefox\"}}\n");
}

TEST_CASE("Records round-trip through the stream, any bytes in the text columns", "[record]") {
  Record odd = Sample();
  odd.doc_id = "tab\there";
  odd.dimensions.reason = "new\nline\\back";
  odd.dimensions.app_name = std::string("nul\0byte\xff", 9);
  odd.client_ip.clear();
  std::string text;
  AppendRecordLine(Sample(), &text);
  AppendRecordLine(odd, &text);
  Collecting reporter;
  auto records = ReadAll(text, &reporter);
  REQUIRE(records.size() == 2);
  CHECK(Same(records[0], Sample()));
  CHECK(Same(records[1], odd));
  CHECK(reporter.bad.empty());
}

TEST_CASE("A bad line is reported with its number and reading goes on", "[record]") {
  std::string good;
  AppendRecordLine(Sample(), &good);
  std::string text = good + "only\tthree\tcolumns\n" + good;
  text += good.substr(0, good.find('\t') + 1) + "yesterday" + good.substr(good.find('\t', good.find('\t') + 1));
  text += good;
  Collecting reporter;
  auto records = ReadAll(text, &reporter);
  CHECK(records.size() == 3);
  REQUIRE(reporter.bad.size() == 2);
  CHECK(reporter.bad[0] == "2@" + std::to_string(good.size()) +
                               " only\tthree: expected 9 tab-separated columns, found 3");
  CHECK(reporter.bad[1].rfind("4@", 0) == 0);
  CHECK(reporter.bad[1].find("not a time") != std::string::npos);
}

TEST_CASE("A last line without its newline is read; an empty input is no record", "[record]") {
  std::string text;
  AppendRecordLine(Sample(), &text);
  text.pop_back();
  Collecting reporter;
  CHECK(ReadAll(text, &reporter).size() == 1);
  CHECK(ReadAll("", &reporter).empty());
  CHECK(reporter.bad.empty());
}

TEST_CASE("An overlong line is reported once and skipped in bounded memory", "[record]") {
  std::string good;
  AppendRecordLine(Sample(), &good);
  std::string text = good + std::string(5000, 'x') + "\n" + good;
  RecordReader::Options options;
  options.max_line_size = 200;
  // Read in small pieces, or whole at once with its newline in sight.
  options.chunk_size = GENERATE(16, 1 << 16);
  CAPTURE(options.chunk_size);
  Collecting reporter;
  auto records = ReadAll(text, &reporter, options.chunk_size == 16 ? 13 : 1 << 16, options);
  CHECK(records.size() == 2);
  REQUIRE(reporter.bad.size() == 1);
  CHECK(reporter.bad[0] == "2@" + std::to_string(good.size()) +
                               " xxxxxxxxxx: line longer than 200 bytes");
}

TEST_CASE("A reject line puts reason and detail in front of the record", "[record]") {
  Record r = Sample();
  r.payload = std::string("\x1f\x8b\tnot json\n", 12);
  std::string line;
  AppendRejectLine("corrupted_data", "gzip: bad header", r, false, &line);
  CHECK(line.rfind("corrupted_data\tgzip: bad header\t17caa68c", 0) == 0);
  CHECK(line.substr(line.rfind('\t') + 1) == "\\x1f\\x8b\\tnot json\\n\n");
  // Dropping the first two columns gives a record line back.
  std::string rest = line.substr(line.find('\t', line.find('\t') + 1) + 1);
  rest.pop_back();
  Record back;
  REQUIRE(ParseRecordLine(rest, &back).ok());
  CHECK(back.doc_id == r.doc_id);
}

TEST_CASE("Times parse back exactly and nothing else parses", "[record][text]") {
  for (uint64_t ms : {0ULL, 1378822911255ULL, 951782400000ULL /* 2000-02-29 */, 4102444799999ULL}) {
    uint64_t back = 1;
    REQUIRE(ParseTimeMs(FormatTimeMs(ms), &back));
    CHECK(back == ms);
  }
  uint64_t t;
  for (const char* bad : {"", "2013-09-10T14:21:51Z", "2013-09-10 14:21:51.255Z", "2013-13-10T14:21:51.255Z",
                          "2013-02-29T14:21:51.255Z", "1969-12-31T23:59:59.999Z", "2013-09-10T24:00:00.000Z",
                          "2013-09-10T14:21:51.255+", "+013-09-10T14:21:51.255Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseTimeMs(bad, &t));
  }
}

}  // namespace
}  // namespace tm_core
