// Fuzzes the record stream (tm-records(5)): the input is a stream of record
// lines. It is read in whole reads and split at varying points, with the
// default line limit and a small one, and each record is written out again.
// Beyond "no crash", it checks what record.h promises: the same records
// whatever the read sizes, no line longer than max_line_size handed out as a
// record, and AppendRecordLine / AppendRejectLine lines that parse back to the
// record they came from.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "tm_core/record.h"
#include "tm_core/text.h"

namespace tm_core::fuzz {
namespace {

// The small line limit: most seed lines are longer.
constexpr size_t kSmallLineLimit = 100;

bool Same(const Record& a, const Record& b) {
  return a.doc_id == b.doc_id && a.time_ms == b.time_ms && a.dimensions.reason == b.dimensions.reason &&
         a.dimensions.app_name == b.dimensions.app_name &&
         a.dimensions.app_version == b.dimensions.app_version &&
         a.dimensions.app_update_channel == b.dimensions.app_update_channel &&
         a.dimensions.app_build_id == b.dimensions.app_build_id && a.client_ip == b.client_ip &&
         a.payload == b.payload;
}

struct BadLine {
  uint64_t line, offset;
  std::string text, why;
  bool operator==(const BadLine&) const = default;
};

struct Reading {
  std::vector<Record> records;
  std::vector<uint64_t> lines, offsets;  // of each record
  std::vector<BadLine> malformed;
  bool ok = true;
};

bool operator==(const Reading& a, const Reading& b) {
  return a.lines == b.lines && a.offsets == b.offsets && a.malformed == b.malformed && a.ok == b.ok &&
         std::equal(a.records.begin(), a.records.end(), b.records.begin(), b.records.end(), Same);
}

class Collector : public RecordReader::Reporter {
 public:
  explicit Collector(std::vector<BadLine>* malformed) : malformed_(malformed) {}
  void Malformed(const Position& where, std::string_view line, std::string_view why) override {
    malformed_->push_back({where.record, where.offset, std::string(line), std::string(why)});
  }

 private:
  std::vector<BadLine>* malformed_;
};

Reading Read(std::string_view data, bool split, size_t max_line_size) {
  Reading r;
  Collector collector(&r.malformed);
  RecordReader::Options options;
  options.max_line_size = max_line_size;
  Rng rng(data);
  // Whole: one read takes it all, without a 256 KiB buffer per reading.
  options.chunk_size = split ? rng.Size(100) : data.size() + 1;
  RecordReader reader(NewSplitSource(data, split, rng.Next()), "fuzz", &collector, options);
  Record record;
  while (reader.Next(&record)) {
    r.records.push_back(record);
    r.lines.push_back(reader.position().record);
    r.offsets.push_back(reader.position().offset);
  }
  FUZZ_CHECK(!reader.Next(&record), "Next() after the end must stay false");
  r.ok = reader.status().ok();
  FUZZ_CHECK(reader.records() == r.records.size(), "records()");
  FUZZ_CHECK(reader.malformed() == r.malformed.size(), "malformed() is not the lines reported");
  return r;
}

// The line of `data` that starts at `offset`, without its newline.
std::string_view LineAt(std::string_view data, uint64_t offset) {
  FUZZ_CHECK(offset <= data.size(), "offset past the end of the input");
  std::string_view rest = data.substr(offset);
  return rest.substr(0, rest.find('\n'));
}

// The offset of every newline in `data`, for line numbers.
std::vector<uint64_t> Newlines(std::string_view data) {
  std::vector<uint64_t> at;
  for (size_t i = data.find('\n'); i != std::string_view::npos; i = data.find('\n', i + 1)) at.push_back(i);
  return at;
}

uint64_t LineNumber(const std::vector<uint64_t>& newlines, uint64_t offset) {
  return 1 + static_cast<uint64_t>(std::lower_bound(newlines.begin(), newlines.end(), offset) -
                                   newlines.begin());
}

void CheckReading(std::string_view data, const Reading& r, size_t max_line_size) {
  FUZZ_CHECK(r.ok, "in-memory reads never fail");
  const std::vector<uint64_t> newlines = Newlines(data);
  for (size_t i = 0; i < r.records.size(); ++i) {
    std::string_view line = LineAt(data, r.offsets[i]);
    FUZZ_CHECK(r.offsets[i] == 0 || data[r.offsets[i] - 1] == '\n', "record does not start a line");
    FUZZ_CHECK(r.lines[i] == LineNumber(newlines, r.offsets[i]), "wrong line number");
    FUZZ_CHECK(line.size() <= max_line_size,
               "a line of " + std::to_string(line.size()) + " bytes passed max_line_size " +
                   std::to_string(max_line_size));
    Record parsed;
    FUZZ_CHECK(ParseRecordLine(line, &parsed).ok() && Same(parsed, r.records[i]),
               "record is not its line parsed");
  }
  for (const BadLine& m : r.malformed) {
    std::string_view line = LineAt(data, m.offset);
    FUZZ_CHECK(m.line == LineNumber(newlines, m.offset), "wrong line number of a malformed line");
    FUZZ_CHECK(m.text == line.substr(0, max_line_size), "malformed line reported is not the line");
  }
}

// AppendRecordLine writes one line that parses back to the same record.
void CheckRoundTrip(const Record& record, bool one_line) {
  std::string line;
  AppendRecordLine(record, &line);
  FUZZ_CHECK(!line.empty() && line.back() == '\n', "no newline at the end of a record line");
  line.pop_back();
  if (one_line) FUZZ_CHECK(line.find('\n') == std::string::npos, "newline inside a record line");
  Record again;
  Status s = ParseRecordLine(line, &again);
  FUZZ_CHECK(s.ok(), "AppendRecordLine wrote a line that does not parse: " + s.message());
  FUZZ_CHECK(Same(again, record), "record changed on the way through AppendRecordLine");
  FUZZ_CHECK(FormatTimeMs(record.time_ms).size() == 24, "time column is not 24 bytes");
}

// A reject line is two escaped columns and the record, whose payload is
// escaped unless it is JSON.
void CheckRejectRoundTrip(const Record& record, std::string_view detail) {
  for (bool json : {true, false}) {
    std::string line;
    AppendRejectLine("bad_json", detail, record, json, &line);
    FUZZ_CHECK(line.back() == '\n', "no newline at the end of a reject line");
    line.pop_back();
    size_t tab1 = line.find('\t');
    size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    FUZZ_CHECK(tab2 != std::string::npos, "a reject line without its two leading columns");
    std::string reason, text;
    FUZZ_CHECK(UnescapeLine(std::string_view(line).substr(0, tab1), &reason) && reason == "bad_json",
               "reject reason column");
    FUZZ_CHECK(UnescapeLine(std::string_view(line).substr(tab1 + 1, tab2 - tab1 - 1), &text) &&
                   text == detail,
               "reject detail column");
    Record again;
    FUZZ_CHECK(ParseRecordLine(std::string_view(line).substr(tab2 + 1), &again).ok(),
               "the record part of a reject line does not parse");
    if (!json) {
      std::string payload;
      FUZZ_CHECK(UnescapeLine(again.payload, &payload), "escaped payload does not unescape");
      again.payload = payload;
    }
    FUZZ_CHECK(Same(again, record), "record changed on the way through AppendRejectLine");
  }
}

}  // namespace
}  // namespace tm_core::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace tm_core;
  using namespace tm_core::fuzz;
  std::string_view data(reinterpret_cast<const char*>(bytes), size);

  const size_t kDefault = RecordReader::Options().max_line_size;
  Reading whole = Read(data, false, kDefault);
  CheckReading(data, whole, kDefault);
  FUZZ_CHECK(Read(data, true, kDefault) == whole, "records depend on how the input was split into reads");
  for (bool split : {false, true}) CheckReading(data, Read(data, split, kSmallLineLimit), kSmallLineLimit);

  for (size_t i = 0; i < whole.records.size(); ++i) {
    CheckRoundTrip(whole.records[i], true);
    // The detail of a reject is any text: use the next line's payload.
    const Record& next = whole.records[(i + 1) % whole.records.size()];
    if (!whole.records[i].payload.empty()) CheckRejectRoundTrip(whole.records[i], next.payload);
  }

  // The whole input as one line: tabs, newlines and all.
  Record record;
  if (ParseRecordLine(data, &record).ok()) CheckRoundTrip(record, false);

  uint64_t time_ms;
  if (size >= 24 && ParseTimeMs(data.substr(0, 24), &time_ms)) {
    uint64_t again;
    FUZZ_CHECK(ParseTimeMs(FormatTimeMs(time_ms), &again) && again == time_ms, "time round trip");
  }
  return 0;
}
