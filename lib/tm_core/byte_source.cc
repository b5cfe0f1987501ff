#include "tm_core/byte_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

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
      if (errno != EINTR) {
        *got = 0;
        return Status::IoError("read error", errno);
      }
    }
  }

 private:
  int fd_;
  bool owned_;
};

}  // namespace

std::unique_ptr<ByteSource> OpenFileSource(const std::string& path, Status* status) {
  if (path == "-") return std::make_unique<FdSource>(STDIN_FILENO, false);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *status = Status::IoError("", errno);
    return nullptr;
  }
  return std::make_unique<FdSource>(fd, true);
}

std::unique_ptr<ByteSource> NewFdSource(int fd) { return std::make_unique<FdSource>(fd, false); }

}  // namespace tm_core
