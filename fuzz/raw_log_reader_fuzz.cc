// Fuzzes the raw-log reader: the input is a raw log (v1 or v2, damaged or not).
// It is read with the version detected and with each version forced, once in
// whole reads and once split at varying points, and every body is inflated.
// Beyond "no crash", it checks what tm-rawlog(5) readers promise: the same
// records whatever the read sizes, every byte either in a record or in a
// reported skipped run, records that re-encode to the bytes they came from,
// and records that read back unchanged once written out again.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "tm_core/gzip.h"
#include "tm_core/raw_log.h"

namespace tm_core::fuzz {
namespace {

// Larger declared bodies are corruption. Above -max_len, so that every real
// body fits, but small: the reader allocates what a header declares.
constexpr uint64_t kMaxBody = 32 << 10;
// The inflate cap: small, so that gzip bombs hit it within -max_len.
constexpr size_t kMaxInflated = 64 << 10;

struct Skip {
  uint64_t record, offset, bytes;
  std::string why;
  bool operator==(const Skip&) const = default;
};

struct Item {
  uint64_t time_ms, offset;
  std::string ip, path, body;
  bool operator==(const Item&) const = default;
};

struct Reading {
  RawLogVersion version = RawLogVersion::kUnknown;
  std::vector<Item> records;
  std::vector<Skip> skips;
  uint64_t skipped_bytes = 0, skipped_runs = 0;
  bool ok = true;
  bool operator==(const Reading&) const = default;
};

class Collector : public RawLogReader::Reporter {
 public:
  explicit Collector(std::vector<Skip>* skips) : skips_(skips) {}
  void Skipped(const Position& where, uint64_t bytes, std::string_view why) override {
    skips_->push_back({where.record, where.offset, bytes, std::string(why)});
  }

 private:
  std::vector<Skip>* skips_;
};

Reading Read(std::string_view data, RawLogVersion version, bool split, size_t fail_at) {
  Reading r;
  Collector collector(&r.skips);
  RawLogReader::Options options;
  options.version = version;
  options.max_body_size = kMaxBody;
  Rng rng(data);
  // Whole: one read takes it all, without a 256 KiB buffer per reading.
  options.chunk_size = split ? rng.Size(100) : data.size() + 1;
  RawLogReader reader(NewSplitSource(data, split, rng.Next(), fail_at), "fuzz", &collector, options);
  RawRecord record;
  while (reader.Next(&record)) {
    FUZZ_CHECK(reader.position().record == r.records.size() + 1, "record number");
    r.records.push_back({record.time_ms, reader.position().offset, std::string(record.client_ip),
                         std::string(record.path), std::string(record.body)});
  }
  FUZZ_CHECK(!reader.Next(&record), "Next() after the end must stay false");
  r.version = reader.version();
  r.skipped_bytes = reader.skipped_bytes();
  r.skipped_runs = reader.skipped_runs();
  r.ok = reader.status().ok();
  FUZZ_CHECK(reader.records() == r.records.size(), "records()");
  return r;
}

// What every complete reading of `data` must satisfy.
void CheckReading(std::string_view data, const Reading& r) {
  FUZZ_CHECK(r.ok, "in-memory reads never fail");
  FUZZ_CHECK(r.version == RawLogVersion::kV1 || r.version == RawLogVersion::kV2, "version decided");
  FUZZ_CHECK(r.skips.size() == r.skipped_runs, "one report per skipped run");
  // Records and skipped runs tile the input: in order, no gap, no overlap.
  uint64_t at = 0, skipped = 0;
  size_t next_skip = 0;
  auto take_skips = [&](uint64_t until) {
    while (next_skip < r.skips.size() && r.skips[next_skip].offset < until) {
      const Skip& s = r.skips[next_skip++];
      FUZZ_CHECK(s.offset == at, "skipped run starts where the last record or run ended");
      FUZZ_CHECK(s.bytes > 0, "empty skipped run reported");
      at += s.bytes;
      skipped += s.bytes;
    }
  };
  for (size_t i = 0; i < r.records.size(); ++i) {
    const Item& item = r.records[i];
    take_skips(item.offset);
    FUZZ_CHECK(item.offset == at, "record starts where the last record or run ended");
    RawRecord raw{item.time_ms, item.ip, item.path, item.body};
    std::string encoded;
    FUZZ_CHECK(AppendRawRecord(r.version, raw, &encoded).ok(), "a record read must fit its version");
    FUZZ_CHECK(data.substr(at, encoded.size()) == encoded, "record is not the bytes it came from");
    FUZZ_CHECK(item.time_ms <= kMaxPlausibleTimeMs, "implausible time handed out");
    FUZZ_CHECK(item.body.size() <= kMaxBody, "body over max_body_size handed out");
    at += encoded.size();
  }
  take_skips(UINT64_MAX);
  FUZZ_CHECK(next_skip == r.skips.size(), "skipped runs out of order");
  FUZZ_CHECK(at == data.size(), "records and skipped runs do not cover the input");
  FUZZ_CHECK(skipped == r.skipped_bytes, "skipped_bytes() is not the sum of the runs");
}

// Written out again and read with the same version, the records come back as
// they were, with nothing skipped.
void CheckRoundTrip(const Reading& r) {
  std::string log;
  for (const Item& item : r.records) {
    RawRecord raw{item.time_ms, item.ip, item.path, item.body};
    FUZZ_CHECK(AppendRawRecord(r.version, raw, &log).ok(), "re-encoding");
  }
  Reading again = Read(log, r.version, true, SplitSource::kNoFailure);
  FUZZ_CHECK(again.skips.empty(), "a re-encoded log has skipped bytes");
  FUZZ_CHECK(again.records.size() == r.records.size(), "a re-encoded log reads differently");
  uint64_t offset = 0;
  for (size_t i = 0; i < r.records.size(); ++i) {
    Item expected = r.records[i];
    expected.offset = offset;
    offset += RawHeaderSize(r.version) + expected.ip.size() + expected.path.size() + expected.body.size();
    FUZZ_CHECK(again.records[i] == expected, "record " + std::to_string(i + 1) + " changed");
  }
}

// A read that fails part way hands out a prefix of the records, then stops.
void CheckFailure(std::string_view data, RawLogVersion version, const Reading& whole) {
  size_t fail_at = Rng(data).Next() % (data.size() + 1);
  Reading cut = Read(data, version, true, fail_at);
  FUZZ_CHECK(!cut.ok, "an I/O error must show in status()");
  FUZZ_CHECK(cut.records.size() <= whole.records.size(), "more records after an I/O error");
  for (size_t i = 0; i < cut.records.size(); ++i)
    FUZZ_CHECK(cut.records[i] == whole.records[i], "records before an I/O error differ");
}

void Inflate(std::string_view body) {
  std::string out;
  Status s = InflateGzip(body, kMaxInflated, &out);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == Status::Code::kCorruption || s.code() == Status::Code::kInvalidArgument,
               "unexpected error kind: " + s.message());
    return;
  }
  FUZZ_CHECK(IsGzip(body), "non-gzip data inflated");
  FUZZ_CHECK(out.size() <= kMaxInflated, "inflated past the cap");
  // The cap is exact: the size it came to is allowed, one byte less is not.
  std::string again;
  FUZZ_CHECK(InflateGzip(body, out.size(), &again).ok() && again == out,
             "inflating with max_size = its size failed");
  if (!out.empty())
    FUZZ_CHECK(InflateGzip(body, out.size() - 1, &again).code() == Status::Code::kInvalidArgument,
               "inflating with max_size below its size did not hit the cap");
}

}  // namespace
}  // namespace tm_core::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace tm_core;
  using namespace tm_core::fuzz;
  std::string_view data(reinterpret_cast<const char*>(bytes), size);

  for (std::string_view hint : {"", "x.v1.log", "x.v2.log"}) {
    for (bool whole : {true, false}) (void)DetectRawLogVersion(data, whole, hint);
  }
  RawLogVersion detected = DetectRawLogVersion(data, true, "fuzz");

  for (RawLogVersion version : {RawLogVersion::kUnknown, RawLogVersion::kV1, RawLogVersion::kV2}) {
    Reading whole = Read(data, version, false, SplitSource::kNoFailure);
    CheckReading(data, whole);
    Reading split = Read(data, version, true, SplitSource::kNoFailure);
    FUZZ_CHECK(split == whole, "records depend on how the input was split into reads");
    if (version == RawLogVersion::kUnknown) {
      // The input is smaller than the detection window, so the reader sees it whole.
      RawLogVersion expected = detected == RawLogVersion::kUnknown ? RawLogVersion::kV1 : detected;
      FUZZ_CHECK(whole.version == expected, "reader and DetectRawLogVersion disagree");
      for (const Item& item : whole.records) Inflate(item.body);
    } else {
      FUZZ_CHECK(whole.version == version, "forced version not kept");
      CheckFailure(data, version, whole);
    }
    CheckRoundTrip(whole);
  }
  if (IsGzip(data)) Inflate(data);  // the gzip reader straight on the input too
  return 0;
}
