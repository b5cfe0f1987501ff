#include "tm_core/store_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "tm_core/digest.h"
#include "tm_core/interrupt.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;

// The process umask, read once; umask() can only be read by setting it, so
// this must first run before any thread creates files (OpenStore does).
mode_t Umask() {
  static const mode_t mask = [] {
    mode_t m = ::umask(022);
    ::umask(m);
    return m;
  }();
  return mask;
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, const char* data, size_t n, const std::string& name) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::IoError(name, errno);
    data += w;
    n -= w;
  }
  return Status::Ok();
}

}  // namespace

Status CreateTempBeside(const std::string& path, std::string* temp, int* fd) {
  Umask();
  const std::string dir = DirectoryOf(path);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError(dir, ec.value());
  std::string name = path.substr(path.rfind('/') + 1);
  *temp = (dir == "/" ? "" : dir) + "/." + name + ".XXXXXX.tmp";
  *fd = ::mkostemps(temp->data(), 4, O_CLOEXEC);
  if (*fd < 0) return Status::IoError(*temp, errno);
  return Status::Ok();
}

Status CommitTemp(int fd, const std::string& temp, const std::string& path) {
  int err = 0;
  if (::fchmod(fd, 0666 & ~Umask()) != 0) err = errno;
  if (!err && ::fsync(fd) != 0) err = errno;  // else a crash can leave an empty file under `path`
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(temp.c_str());
    return Status::IoError(path, err);
  }
  // The rename itself is durable only once the directory is.
  int dir = ::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

void DiscardTemp(int fd, const std::string& temp) {
  ::close(fd);
  ::unlink(temp.c_str());
}

Status CopyFileAtomically(const std::string& from, const std::string& to,
                          const std::string& expect_sha256,
                          const std::function<void(uint64_t)>& on_bytes, CopyResult* result) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno == ENOENT ? Status::NotFound(from) : Status::IoError(from, errno);
  struct stat st;
  if (::fstat(in, &st) != 0) {
    int err = errno;
    ::close(in);
    return Status::IoError(from, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(in);
    return Status::NotFound(from + ": not a file");
  }
  std::string temp;
  int out = -1;
  Status s = CreateTempBeside(to, &temp, &out);
  if (!s.ok()) {
    ::close(in);
    return s;
  }
  Digest sha(Digest::Kind::kSha256);
  *result = CopyResult();
  std::vector<char> buf(256 << 10);
  for (;;) {
    if (Interrupted()) {
      s = Status::IoError(to + ": interrupted");
      break;
    }
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = Status::IoError(from, errno);
      break;
    }
    if (n == 0) break;
    sha.Update(buf.data(), n);
    s = WriteAll(out, buf.data(), n, temp);
    if (!s.ok()) break;
    result->size += n;
    if (on_bytes) on_bytes(n);
  }
  ::close(in);
  if (!s.ok()) {
    DiscardTemp(out, temp);
    return s;
  }
  result->sha256 = Hex(sha.Finish());
  if (!expect_sha256.empty() && result->sha256 != expect_sha256) {
    DiscardTemp(out, temp);
    return Status::Corruption(from + ": changed while being copied");
  }
  return CommitTemp(out, temp, to);
}

}  // namespace tm_core
