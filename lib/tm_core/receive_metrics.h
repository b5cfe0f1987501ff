// Counters of tm-receive, shared by its server threads and shown at GET /metrics
// in the Prometheus text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "tm_core/rotating_log.h"

namespace tm_core {

// What became of a request. Every request ends in exactly one outcome; the
// names appear in /metrics and in the stats log.
enum class Outcome {
  kStored,            // 200: the record is in the log
  kStatus,            // 200: GET /status
  kMetrics,           // 200: GET /metrics
  kTooLarge,          // body over --max-body-size: not stored
  kPathTooLong,       // path over --max-path-length: not stored
  kNotFound,          // 404: not a path we serve
  kMethodNotAllowed,  // 405
  kLengthRequired,    // 411: neither Content-Length nor chunked encoding
  kWriteError,        // 503: the log could not be written; the client retries
  kAborted,           // the client went away before the answer
  kCount
};

const char* OutcomeName(Outcome outcome);
// Whether an outcome is a submission we did not store.
bool IsRejection(Outcome outcome);

struct ReceiveMetrics {
  std::atomic<uint64_t> outcomes[static_cast<int>(Outcome::kCount)] = {};
  std::atomic<uint64_t> bytes_stored{0};  // raw-log bytes written, headers included
  std::atomic<int64_t> in_flight{0};
  uint64_t start_time_ms = 0;

  void Count(Outcome outcome) { outcomes[static_cast<int>(outcome)]++; }
  uint64_t count(Outcome outcome) const { return outcomes[static_cast<int>(outcome)].load(); }
  uint64_t rejected() const;  // the sum of the rejecting outcomes (IsRejection)
};

// The whole /metrics page.
std::string RenderMetrics(const ReceiveMetrics& metrics, const RotatingLog& log);

}  // namespace tm_core
