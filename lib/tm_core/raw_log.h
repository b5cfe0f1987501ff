// The raw log: how tm-receive (and the 2013 Node.js server before it) stores
// submissions. Documented in tm-rawlog(5); this is its only implementation.
//
// A file is a sequence of records, all of one version:
//   v1: 0x1e | u16 path_len | u32 body_len | u64 time_ms |           path | body
//   v2: 0x1e | u8 ip_len | u16 path_len | u32 body_len | u64 time_ms | ip | path | body
// Integers are little-endian; time_ms is the submission time in milliseconds
// since the Unix epoch (UTC); path is the URL path after /submit/telemetry/;
// body is the request body as received (usually gzip'd JSON).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/byte_source.h"
#include "tm_core/position.h"
#include "tm_core/status.h"

namespace tm_core {

enum class RawLogVersion { kUnknown, kV1, kV2 };

inline constexpr char kRawRecordSeparator = 0x1e;
inline constexpr size_t kRawHeaderSizeV1 = 15;
inline constexpr size_t kRawHeaderSizeV2 = 16;
inline constexpr size_t kMaxRawClientIpLength = 255;  // fits the u8 field
inline constexpr size_t kMaxRawPathLength = 65535;    // fits the u16 field
// Readers take a record whose time is past this (2100-01-01) for corruption.
inline constexpr uint64_t kMaxPlausibleTimeMs = 4102444800000ULL;

size_t RawHeaderSize(RawLogVersion version);
const char* RawLogVersionName(RawLogVersion version);  // "v1", "v2", "unknown"

// One submission. In a record handed out by RawLogReader the views point into
// the reader's buffer and stay valid only until the next call to Next().
struct RawRecord {
  uint64_t time_ms = 0;
  std::string_view client_ip;  // always empty in v1
  std::string_view path;
  std::string_view body;
};

// Writes the header of a record with the given lengths into `out`, which must
// have room for RawHeaderSize(version) bytes. The lengths must fit their fields
// (callers check with RawRecordFits).
void EncodeRawHeader(RawLogVersion version, size_t ip_len, size_t path_len, size_t body_len,
                     uint64_t time_ms, char* out);

// Whether a record's fields fit the version's length fields (v1 stores no IP).
bool RawRecordFits(RawLogVersion version, size_t ip_len, size_t path_len, size_t body_len);

// Appends one encoded record to *out; InvalidArgument if a field is too long.
Status AppendRawRecord(RawLogVersion version, const RawRecord& record, std::string* out);

// Guesses the version of a raw log from its first bytes: it reads the first
// records both ways and keeps the reading that makes sense (sane times, paths
// without control bytes, a separator where each record ends). `name_hint` is
// the file name: the old server put ".v1." or ".v2." in it, used to break ties.
// Returns kUnknown when neither reading finds a whole record.
RawLogVersion DetectRawLogVersion(std::string_view head, bool head_is_whole_file,
                                  std::string_view name_hint);

// Reads records one at a time in bounded memory: one reused buffer, grown only
// to the size of the largest record (at most max_body_size plus the header).
//
// Damage never stops it. Bytes that are not a plausible record (a bad
// separator, an impossible header, a record cut short by the end of the file)
// are skipped up to the next 0x1e that starts a good record; each skipped run is
// reported once, with its offset and length, and counted. It never reads a
// record's fields past the lengths its header declares.
class RawLogReader {
 public:
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // `bytes` starting at `where.offset` were not a record; the reader has resynced.
    virtual void Skipped(const Position& where, uint64_t bytes, std::string_view why) = 0;
  };

  struct Options {
    RawLogVersion version = RawLogVersion::kUnknown;  // kUnknown: detect it
    uint64_t max_body_size = 64 << 20;                // larger declared bodies are corruption
    size_t chunk_size = 256 << 10;                    // bytes asked of the source per read
  };

  // `name` is used in positions and for the version hint; `reporter` may be null
  // and must outlive the reader.
  RawLogReader(std::unique_ptr<ByteSource> source, std::string name, Reporter* reporter,
               Options options);
  RawLogReader(std::unique_ptr<ByteSource> source, std::string name, Reporter* reporter)
      : RawLogReader(std::move(source), std::move(name), reporter, Options()) {}

  // Sets *record to the next good record and returns true. Returns false at the
  // end of input, or on a read error (then status() is not OK).
  [[nodiscard]] bool Next(RawRecord* record);

  const Status& status() const { return in_.status(); }
  // The version read (detected on the first call to Next()).
  RawLogVersion version() const { return version_; }
  // Where the last record handed out started.
  Position position() const { return {name_, records_, record_offset_}; }
  uint64_t records() const { return records_; }
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  uint64_t skipped_runs() const { return skipped_runs_; }

 private:
  void Skip(size_t n, const char* why);
  void FlushSkipped();
  bool Detect();

  ReadBuffer in_;
  std::string name_;
  Reporter* reporter_;
  Options options_;
  RawLogVersion version_;

  uint64_t records_ = 0;
  uint64_t record_offset_ = 0;
  uint64_t skipped_bytes_ = 0;
  uint64_t skipped_runs_ = 0;
  uint64_t pending_skip_offset_ = 0;  // the run of skipped bytes not yet reported
  uint64_t pending_skip_bytes_ = 0;
  const char* pending_skip_why_ = nullptr;
};

}  // namespace tm_core
