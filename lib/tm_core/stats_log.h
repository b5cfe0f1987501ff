// StatsLog: a file of JSON lines, one per request, for monitoring. Buffered and
// thread-safe; Reopen() starts writing to a new file of the same name, which is
// what logrotate needs (tm-receive calls it on SIGHUP).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "tm_core/status.h"

namespace tm_core {

class StatsLog {
 public:
  StatsLog() = default;
  ~StatsLog();
  StatsLog(const StatsLog&) = delete;
  StatsLog& operator=(const StatsLog&) = delete;

  // Appends to `path` ("-" is standard output). Until Open() succeeds, Write()
  // does nothing, so a tool without --stats-log pays nothing.
  Status Open(const std::string& path);
  bool is_open() const { return file_ != nullptr; }

  // Adds one line (the newline is added here). Write errors are remembered and
  // returned by the next Flush().
  void Write(std::string_view line);
  Status Flush();
  Status Reopen();
  Status Close();

 private:
  Status CloseLocked();

  std::mutex mu_;
  std::string path_;
  std::FILE* file_ = nullptr;
  int error_ = 0;
};

}  // namespace tm_core
