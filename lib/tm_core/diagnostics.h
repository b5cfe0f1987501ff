// Diagnostics: where a tool's messages for a person go, and what decides its exit status.
//
// Every tool gets one from cli::Main and hands it to the library. Messages read
// "tm-TOOL: where: what went wrong" (GNU style: lowercase, no final period). The
// first Fail() makes the exit status 1; warnings and notes do not. Safe to call
// from several threads at once (tm-receive reports from its server threads).
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "tm_core/status.h"

namespace tm_core {

class Diagnostics {
 public:
  // `program` prefixes every message; `out` is where they go (stderr in tools,
  // a temporary file in tests).
  explicit Diagnostics(std::string program, std::FILE* out = stderr);

  const std::string& program() const { return program_; }

  // The job cannot be completed as asked: print, and exit 1 at the end.
  void Fail(std::string_view where, const Status& status);
  void Fail(const Status& status) { Fail({}, status); }
  // Something a person should know that does not fail the job.
  void Warn(std::string_view where, std::string_view what);
  // Progress, summaries, "listening on": informational.
  void Note(std::string_view what);

  bool failed() const { return failed_.load(); }
  int exit_code() const;

 private:
  void Print(std::string_view where, std::string_view what);

  std::string program_;
  std::FILE* out_;
  std::mutex mu_;
  std::atomic<bool> failed_{false};
};

}  // namespace tm_core
