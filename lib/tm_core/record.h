// The record stream: how tools after tm-receive pass submissions along. Documented
// in tm-records(5); this is its only implementation.
//
// One record per line, nine tab-separated columns:
//   doc_id  time  reason  appName  appVersion  appUpdateChannel  appBuildID  client_ip  payload
// time is ISO 8601 UTC with milliseconds; an unknown column is empty; payload is
// compact JSON, which never holds a raw tab or newline. The other columns are
// escaped as AppendEscapedLine does (\\ \t \n \r \xHH), so any bytes survive.
//
// A rejects stream is the same with two columns in front: the reason (a word
// such as bad_json) and a detail for a person. When the reason says the payload
// is not JSON (corrupted_data, empty_data, bad_json), the payload column holds
// the body escaped like the text columns instead.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "tm_core/byte_source.h"
#include "tm_core/line_reader.h"
#include "tm_core/position.h"
#include "tm_core/status.h"

namespace tm_core {

// The five URL dimensions, in URL order.
struct Dimensions {
  std::string reason;
  std::string app_name;
  std::string app_version;
  std::string app_update_channel;
  std::string app_build_id;
};

struct Record {
  std::string doc_id;
  uint64_t time_ms = 0;
  Dimensions dimensions;
  std::string client_ip;  // empty: not known
  // Compact JSON in a valid record; in a reject it may be any bytes.
  std::string payload;
};

inline constexpr size_t kRecordColumns = 9;
// Spare capacity kept after a payload: simdjson reads up to 64 bytes past the
// end of a document, and parses in place only when they are allocated.
inline constexpr size_t kJsonPadding = 64;
inline constexpr size_t kRejectColumns = kRecordColumns + 2;

// Appends one record as a line, newline included.
void AppendRecordLine(const Record& record, std::string* out);
// Appends a rejected record: reason, detail, then the record. `payload_is_json`
// false writes the payload escaped.
void AppendRejectLine(std::string_view reason, std::string_view detail, const Record& record,
                      bool payload_is_json, std::string* out);

// Parses one line (without its newline) into *record. Corruption says what is
// wrong: the column count, a time that is not ISO 8601, a bad escape.
Status ParseRecordLine(std::string_view line, Record* record);

// Reads a record stream line by line in bounded memory. A line that does not
// parse, or is longer than max_line_size (the rest of it is skipped), is handed
// to the Reporter and counted; reading goes on with the next line.
class RecordReader {
 public:
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // `line` is the bad line, cut to max_line_size.
    virtual void Malformed(const Position& where, std::string_view line, std::string_view why) = 0;
  };

  struct Options {
    size_t max_line_size = 64 << 20;
    size_t chunk_size = 256 << 10;
  };

  RecordReader(std::unique_ptr<ByteSource> source, std::string name, Reporter* reporter,
               Options options);
  RecordReader(std::unique_ptr<ByteSource> source, std::string name, Reporter* reporter)
      : RecordReader(std::move(source), std::move(name), reporter, Options()) {}

  // The next good record; false at the end of input or on a read error
  // (then status() is not OK).
  [[nodiscard]] bool Next(Record* record);

  const Status& status() const { return in_.status(); }
  // Where the last record handed out (or reported) is: its line number and offset.
  Position position() const { return {name_, in_.line_number(), in_.line_offset()}; }
  uint64_t records() const { return records_; }
  uint64_t malformed() const { return malformed_; }

 private:
  LineReader in_;
  std::string name_;
  Reporter* reporter_;
  Options options_;
  uint64_t records_ = 0;
  uint64_t malformed_ = 0;
};

}  // namespace tm_core
