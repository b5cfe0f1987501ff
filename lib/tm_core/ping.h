// Ping: what a submission's payload must hold to be valid, and its compact
// storage form. One walk over the payload does both, so tm-validate and
// tm-convert can never disagree on what is valid. Documented in tm-validate(1)
// and tm-convert(1).
//
// Payload versions:
//   ver 1      classic ping: info.{reason,appName,appVersion,appUpdateChannel,appBuildID}
//              strings; histograms need info.revision. Histograms are objects
//              {"values": {"<lower bound>": count}, "sum": ...}.
//   ver 2, 5   already converted: histograms are arrays, checked for length.
//   ver 3      Firefox OS 1.3: info made from the "deviceinfo.*" fields.
//   version 4  unified: type, application, payload; main and saved-session
//              carry payload.info (with revision) and payload.histograms,
//              saved-session also environment.
//   version 5  unified, already converted: passed through.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/record.h"
#include "tm_core/revision_map.h"
#include "tm_core/spec_cache.h"

namespace tm_core {

// Why a record is rejected; every rejected record has exactly one.
enum class Reject {
  kCorruptedData,    // raw-log framing or gzip
  kEmptyData,        // no body
  kInvalidPath,      // the URL path names no document
  kBadJson,          // the body is not JSON (or not UTF-8)
  kBadPayload,       // JSON, but required fields are missing or wrong
  kMissingRevision,  // histograms, but no revision to check them against
  kUnknownRevision,  // a revision whose spec cannot be had
};
inline constexpr int kRejectCount = 7;
const char* RejectName(Reject reason);  // "corrupted_data", ...
// Whether a reject of this reason holds a payload that is JSON.
bool RejectHasJsonPayload(Reject reason);

// Findings about single histograms, which never reject the ping: a name the
// revision does not define, and a definition whose buckets cannot be computed.
// Such histograms are carried through unconverted.
struct Findings {
  std::vector<std::string> unknown_histograms;
  std::vector<std::string> unconvertible_histograms;
  void clear() {
    unknown_histograms.clear();
    unconvertible_histograms.clear();
  }
};

struct Verdict {
  bool valid = true;
  Reject reason = Reject::kBadPayload;
  std::string detail;  // for a person: what is wrong, and where
};

class PingChecker {
 public:
  // `revisions` may be null (no --revision-map).
  PingChecker(SpecCache* specs, const RevisionMap* revisions);
  ~PingChecker();

  // Checks record->payload. A valid record gets the dimensions its payload
  // states (they win over the URL's, as in the old server), and its payload
  // compacted; with `convert`, the payload is replaced by the converted form.
  // A rejected record's payload is left as it was (its dimensions may not be).
  Verdict Check(Record* record, bool convert, Findings* findings);

  // Whether the histograms of a compact classic ping (most of its bytes) may
  // be read straight from simdjson's stage 1 rather than from its DOM: the
  // default, and a quarter of tm-validate's CPU less on real pings. Either way
  // Check gives the same verdicts, details, findings, dimensions and output
  // (unit tests and the validator fuzzer compare them); off is for that
  // comparison.
  void set_stage_one_histograms(bool on);
  // How many valid payloads had their histograms read in stage 1 so far.
  uint64_t stage_one_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tm_core
