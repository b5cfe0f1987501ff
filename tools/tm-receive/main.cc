// tm-receive: the HTTP server that stores telemetry submissions in raw logs.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/receive.h"

int main(int argc, char** argv) {
  CLI::App app{"Receive telemetry submissions over HTTP and store them in raw logs.",
               "tm-receive"};
  tm_core::ReceiveOptions opts;
  std::string fsync = "none";
  namespace cli = tm_core::cli;
  app.add_option("-a,--address", opts.address, "Address to listen on")->capture_default_str();
  app.add_option("-p,--port", opts.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str();
  app.add_option("-d,--log-dir", opts.log_dir, "Directory of the raw logs")->capture_default_str();
  cli::AddSizeOption(app, "--max-body-size", opts.max_body_size, "Largest body stored (200KiB)");
  cli::AddSizeOption(app, "--max-path-length", opts.max_path_length, "Longest path (10KiB)");
  cli::AddSizeOption(app, "--max-log-size", opts.max_log_size, "Finish a log at this size (500MiB)");
  cli::AddDurationOption(app, "--max-log-age", opts.max_log_age, "Finish a log idle this long (5m)");
  cli::AddDurationOption(app, "--max-log-span", opts.max_log_span,
                         "Finish a log this long after its first record (1h)");
  app.add_flag("--include-ip", opts.include_ip, "Store the client address (v2 records)");
  app.add_flag("--trust-forwarded", opts.trust_forwarded,
               "Take the client address from X-Forwarded-For");
  app.add_option("--fsync", fsync, "When to fsync the log: none, interval or every")
      ->check(CLI::IsMember({"none", "interval", "every"}))
      ->capture_default_str();
  cli::AddDurationOption(app, "--fsync-interval", opts.fsync_interval,
                         "Time between syncs with --fsync=interval (1s)");
  app.add_option("--oversize-status", opts.oversize_status,
                 "Status for a body or path over its limit: 202 or 413")
      ->check(CLI::IsMember({202, 413}))
      ->capture_default_str();
  app.add_option("--stats-log", opts.stats_log, "Append a JSON line per request to this file");
  app.add_option("-t,--threads", opts.threads, "Server threads; 0 is one per core")
      ->capture_default_str();
  app.add_option("--max-connections", opts.max_connections, "Open connections at most")
      ->capture_default_str();
  cli::AddDurationOption(app, "--connection-timeout", opts.connection_timeout,
                         "Close a connection idle this long (30s)");
  cli::AddDurationOption(app, "--drain-timeout", opts.drain_timeout,
                         "On SIGTERM, wait this long for requests in flight (15s)");
  cli::Configure(app);
  return cli::Main(app, argc, argv, [&](tm_core::Diagnostics& diag) {
    opts.fsync = fsync == "every"      ? tm_core::FsyncPolicy::kEvery
                 : fsync == "interval" ? tm_core::FsyncPolicy::kInterval
                                       : tm_core::FsyncPolicy::kNone;
    tm_core::Receive(opts, diag);
  });
}
