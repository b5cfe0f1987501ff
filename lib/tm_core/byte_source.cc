#include "tm_core/byte_source.h"

#include "tm_core/interrupt.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tm_core {
namespace {

class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }

  Status Read(char* buf, size_t n, size_t* got) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        *got = static_cast<size_t>(r);
        return Status::Ok();
      }
      if (errno != EINTR || Interrupted()) {
        *got = 0;
        return Status::IoError("read error", errno);
      }
    }
  }

 private:
  int fd_;
  bool owned_;
};

class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}

  Status Read(char* buf, size_t n, size_t* got) override {
    if (pos_ == prefix_.size()) return rest_->Read(buf, n, got);
    *got = std::min(n, prefix_.size() - pos_);
    std::memcpy(buf, prefix_.data() + pos_, *got);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

}  // namespace

std::unique_ptr<ByteSource> NewPrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest) {
  return std::make_unique<PrefixedSource>(std::move(prefix), std::move(rest));
}

bool ReadBuffer::Fill(size_t want) {
  if (available() >= want) return true;
  if (eof_ || !status_.ok()) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, available());
    buf_offset_ += begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  size_t capacity = std::max(want, chunk_size_);
  if (buf_.size() < capacity) buf_.resize(capacity);
  while (end_ < want) {
    size_t room = std::min(buf_.size() - end_, chunk_size_);
    size_t got = 0;
    status_ = source_->Read(buf_.data() + end_, room, &got);
    if (!status_.ok()) return false;
    if (got == 0) {
      eof_ = true;
      return false;
    }
    end_ += got;
  }
  return true;
}

std::unique_ptr<ByteSource> OpenFileSource(const std::string& path, Status* status) {
  if (path == "-") return std::make_unique<FdSource>(STDIN_FILENO, false);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *status = Status::IoError("", errno);
    return nullptr;
  }
  return std::make_unique<FdSource>(fd, true);
}

std::unique_ptr<ByteSource> NewFdSource(int fd, bool owned) {
  return std::make_unique<FdSource>(fd, owned);
}

Status ReadCappedFile(const std::string& path, size_t limit, std::string* data) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::NotFound(path) : Status::IoError(path, errno);
  FdSource source(fd, true);
  data->clear();
  char buf[64 << 10];
  for (;;) {
    size_t n = 0;
    if (Status s = source.Read(buf, sizeof buf, &n); !s.ok()) return Status::IoError(path + ": " + s.message());
    if (n == 0) return Status::Ok();
    if (data->size() + n > limit)
      return Status::Corruption(path + ": larger than " + std::to_string(limit) + " bytes");
    data->append(buf, n);
  }
}

}  // namespace tm_core
