// tm-receive: the HTTP ingestion server. Documented in tm-receive(1).
//
// Accepts POST /submit/telemetry/<docId>[/<reason>/<appName>/<appVersion>/
// <appUpdateChannel>/<appBuildID>] and appends each submission, whole, as one
// raw-log record (tm-rawlog(5)) through a RotatingLog; answers 2xx only once the
// record is written. GET /status answers 200 for load balancers, GET /metrics
// gives Prometheus counters.
#pragma once

#include <cstdint>
#include <string>

#include "tm_core/diagnostics.h"
#include "tm_core/rotating_log.h"

namespace tm_core {

struct ReceiveOptions {
  std::string address = "0.0.0.0";  // IPv4 or IPv6 literal
  uint16_t port = 8080;              // 0: any free port (printed at start)
  std::string log_dir = ".";
  uint64_t max_body_size = 200 << 10;   // the old server's max_data_length
  uint64_t max_path_length = 10 << 10;  // the old server's max_path_length
  uint64_t max_log_size = 500ULL << 20;
  double max_log_age = 300;    // seconds a log may sit idle before it is finished
  double max_log_span = 3600;  // seconds from a log's first record to its finish
  bool include_ip = false;     // write v2 records with the client's address
  bool trust_forwarded = false;
  FsyncPolicy fsync = FsyncPolicy::kNone;
  double fsync_interval = 1;
  // Status for a body or path over its limit. The old server answered 202 so
  // that clients would not resend a submission that can never be stored.
  unsigned oversize_status = 202;
  std::string stats_log;  // JSON line per request; empty: none
  unsigned threads = 0;   // 0: one per core
  unsigned max_connections = 10000;
  double connection_timeout = 30;  // idle seconds before a connection is closed
  double drain_timeout = 15;       // seconds to let in-flight requests finish on SIGTERM
};

// Serves until SIGTERM or SIGINT, then stops accepting connections, lets the
// requests in flight finish (up to drain_timeout), finishes the current log and
// returns. SIGHUP reopens the stats log. Failures go to `diag`.
void Receive(const ReceiveOptions& options, Diagnostics& diag);

// Longest client address stored in a v2 record; longer X-Forwarded-For entries
// are cut to this length.
inline constexpr size_t kMaxStoredClientIp = 64;

}  // namespace tm_core
