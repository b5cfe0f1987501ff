#include "tm_core/stats_log.h"

#include <cerrno>

namespace tm_core {

StatsLog::~StatsLog() { (void)Close(); }

Status StatsLog::Open(const std::string& path) {
  std::lock_guard lock(mu_);
  std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "ae");
  if (!f) return Status::IoError(path, errno);
  (void)CloseLocked();
  path_ = path;
  file_ = f;
  return Status::Ok();
}

void StatsLog::Write(std::string_view line) {
  std::lock_guard lock(mu_);
  if (!file_) return;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fputc('\n', file_) == EOF)
    error_ = errno ? errno : EIO;
}

Status StatsLog::Flush() {
  std::lock_guard lock(mu_);
  if (!file_) return Status::Ok();
  if (std::fflush(file_) != 0) error_ = errno;
  int err = error_;
  error_ = 0;
  return err ? Status::IoError(path_, err) : Status::Ok();
}

Status StatsLog::Reopen() {
  std::lock_guard lock(mu_);
  // A failed reopen leaves file_ null: the next SIGHUP tries again.
  if (path_.empty() || path_ == "-") return Status::Ok();
  Status closed = CloseLocked();
  file_ = std::fopen(path_.c_str(), "ae");
  if (!file_) return Status::IoError(path_, errno);
  return closed;
}

Status StatsLog::Close() {
  std::lock_guard lock(mu_);
  return CloseLocked();
}

Status StatsLog::CloseLocked() {
  if (!file_) return Status::Ok();
  int err = error_;
  if (std::fflush(file_) != 0 && !err) err = errno;
  if (file_ != stdout && std::fclose(file_) != 0 && !err) err = errno;
  file_ = nullptr;
  error_ = 0;
  return err ? Status::IoError(path_, err) : Status::Ok();
}

}  // namespace tm_core
