#include "tm_core/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "tm_core/interrupt.h"

namespace tm_core {
namespace {

// Records are tens of KB: into a 64 KiB pipe, each write would wait for the
// reader. A larger pipe lets both sides run; one that stays small is only slower.
constexpr int kPipeSize = 1 << 20;  // the default /proc/sys/fs/pipe-max-size

bool IsPipe(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

}  // namespace

OutputFile::~OutputFile() {
  if (fd_ >= 0 && !is_stdout_) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
}

Status OutputFile::Open(const std::string& path) {
  path_ = path;
  buffer_.reserve(kFlushSize + (kFlushSize >> 2));
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    is_stdout_ = true;
    if (IsPipe(fd_)) ::fcntl(fd_, F_SETPIPE_SZ, kPipeSize);
    return Status::Ok();
  }
  temp_ = path + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) return Status::IoError(temp_, errno);
  return Status::Ok();
}

Status OutputFile::Flush() {
  if (!error_.ok()) return error_;
  const char* p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR && !Interrupted()) continue;
      error_ = Status::IoError(path_, errno);
      return error_;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status::Ok();
}

Status OutputFile::Commit() {
  if (Status s = Flush(); !s.ok() || is_stdout_) return s;
  int fd = fd_;
  fd_ = -1;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(temp_.c_str(), path_.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp_.c_str());
    return Status::IoError(path_, err);
  }
  return Status::Ok();
}

}  // namespace tm_core
