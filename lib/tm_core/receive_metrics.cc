#include "tm_core/receive_metrics.h"

namespace tm_core {

const char* OutcomeName(Outcome outcome) {
  static const char* const kNames[] = {
      "stored",    "status",          "metrics",     "too_large", "path_too_long",
      "not_found", "method_not_allowed", "length_required", "write_error", "aborted"};
  return kNames[static_cast<int>(outcome)];
}

bool IsRejection(Outcome outcome) {
  switch (outcome) {
    case Outcome::kTooLarge:
    case Outcome::kPathTooLong:
    case Outcome::kNotFound:
    case Outcome::kMethodNotAllowed:
    case Outcome::kLengthRequired:
    case Outcome::kWriteError:
    case Outcome::kAborted:
      return true;
    default:
      return false;
  }
}

uint64_t ReceiveMetrics::rejected() const {
  uint64_t sum = 0;
  for (int i = 0; i < static_cast<int>(Outcome::kCount); ++i)
    if (IsRejection(static_cast<Outcome>(i))) sum += count(static_cast<Outcome>(i));
  return sum;
}

namespace {

void Family(std::string* out, const char* name, const char* type, const char* help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

void Sample(std::string* out, const std::string& name, uint64_t value) {
  *out += name;
  *out += ' ';
  *out += std::to_string(value);
  *out += '\n';
}

}  // namespace

std::string RenderMetrics(const ReceiveMetrics& m, const RotatingLog& log) {
  std::string out;
  Family(&out, "tm_receive_requests_total", "counter", "Requests answered, by outcome.");
  for (int i = 0; i < static_cast<int>(Outcome::kCount); ++i) {
    auto o = static_cast<Outcome>(i);
    Sample(&out, std::string("tm_receive_requests_total{outcome=\"") + OutcomeName(o) + "\"}",
           m.count(o));
  }
  Family(&out, "tm_receive_records_stored_total", "counter", "Submissions stored in raw logs.");
  Sample(&out, "tm_receive_records_stored_total", m.count(Outcome::kStored));
  Family(&out, "tm_receive_rejected_total", "counter",
         "Requests not stored: the sum of the rejecting outcomes.");
  Sample(&out, "tm_receive_rejected_total", m.rejected());
  Family(&out, "tm_receive_bytes_stored_total", "counter", "Raw-log bytes written.");
  Sample(&out, "tm_receive_bytes_stored_total", m.bytes_stored.load());
  Family(&out, "tm_receive_log_rotations_total", "counter", "Logs finished, by cause.");
  for (int i = 0; i < static_cast<int>(RotatingLog::Cause::kCount); ++i) {
    auto c = static_cast<RotatingLog::Cause>(i);
    Sample(&out,
           std::string("tm_receive_log_rotations_total{cause=\"") + RotationCauseName(c) + "\"}",
           log.rotations(c));
  }
  Family(&out, "tm_receive_write_errors_total", "counter", "Failed writes to the raw log.");
  Sample(&out, "tm_receive_write_errors_total", log.write_errors());
  Family(&out, "tm_receive_current_log_bytes", "gauge", "Size of the log being written.");
  Sample(&out, "tm_receive_current_log_bytes", log.current_size());
  Family(&out, "tm_receive_in_flight_requests", "gauge", "Requests being received or answered.");
  Sample(&out, "tm_receive_in_flight_requests", static_cast<uint64_t>(m.in_flight.load()));
  Family(&out, "tm_receive_start_time_seconds", "gauge", "When the server started (Unix time).");
  Sample(&out, "tm_receive_start_time_seconds", m.start_time_ms / 1000);
  return out;
}

}  // namespace tm_core
