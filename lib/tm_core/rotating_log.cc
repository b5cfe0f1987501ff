#include "tm_core/rotating_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace tm_core {
namespace {

constexpr char kFinishedSuffix[] = ".finished";
constexpr size_t kMaxIov = 1024;  // IOV_MAX on Linux: records per writev()

std::string HostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  std::string host(buf);
  for (char& c : host)
    if (c == '/') c = '_';
  return host;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

struct RotatingLog::File {
  int fd = -1;
  std::string path;
  uint64_t size = 0;
  uint64_t first_ms = 0;
  uint64_t last_ms = 0;
  bool dirty = false;  // written since the last sync
  uint64_t synced_ms = 0;
  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

struct RotatingLog::Lane {
  std::mutex mu;
  std::unique_ptr<File> current;
  std::atomic<uint64_t> size{0};
};

const char* RotationCauseName(RotatingLog::Cause cause) {
  static const char* const kNames[] = {"size", "idle", "span", "shutdown", "write_error"};
  return kNames[static_cast<int>(cause)];
}

RotatingLog::RotatingLog(RotatingLogOptions options, std::function<void(const Status&)> on_error)
    : options_(std::move(options)), on_error_(std::move(on_error)) {
  if (options_.host.empty()) options_.host = HostName();
  for (unsigned i = 0; i < std::max(1u, options_.lanes); ++i)
    lanes_.push_back(std::make_unique<Lane>());
}

RotatingLog::~RotatingLog() = default;

std::string RotatingLog::Prefix() const {
  return options_.base_name + "." + RawLogVersionName(options_.version) + "." + options_.host +
         ".";
}

RotatingLog::Lane& RotatingLog::LaneOfThisThread() {
  if (lanes_.size() == 1) return *lanes_[0];
  // Threads take lanes in turn the first time they write, and keep them.
  thread_local const RotatingLog* owner = nullptr;
  thread_local unsigned index = 0;
  if (owner != this) {
    owner = this;
    index = next_lane_++ % lanes_.size();
  }
  return *lanes_[index % lanes_.size()];
}

uint64_t RotatingLog::NextNameMs(uint64_t now_ms) {
  // Two logs of one process never share a millisecond, so names never collide.
  uint64_t last = last_name_ms_.load();
  uint64_t ms;
  do {
    ms = std::max(now_ms, last + 1);
  } while (!last_name_ms_.compare_exchange_weak(last, ms));
  return ms;
}

uint64_t RotatingLog::current_size() const {
  uint64_t total = 0;
  for (const auto& lane : lanes_) total += lane->size.load();
  return total;
}

Status RotatingLog::OpenLocked(Lane& lane, uint64_t now_ms) {
  auto file = std::make_unique<File>();
  for (int attempt = 0; attempt < 1000; ++attempt) {
    uint64_t ms = NextNameMs(now_ms);
    file->path = options_.dir + "/" + Prefix() + std::to_string(::getpid()) + "." +
                 std::to_string(ms);
    file->fd = ::open(file->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (file->fd >= 0) break;
    if (errno != EEXIST) return Status::IoError(file->path, errno);
  }
  if (file->fd < 0) return Status::IoError(file->path, EEXIST);
  file->first_ms = now_ms;
  file->synced_ms = now_ms;
  // The new name must survive a crash as surely as the records in it.
  if (options_.fsync != FsyncPolicy::kNone) SyncDir(options_.dir);
  lane.current = std::move(file);
  return Status::Ok();
}

Status RotatingLog::Append(std::string_view record, uint64_t now_ms) {
  return AppendBatch(std::span<const std::string_view>(&record, 1), now_ms, nullptr);
}

Status RotatingLog::AppendBatch(std::span<const std::string_view> records, uint64_t now_ms,
                                size_t* stored) {
  if (stored) *stored = 0;
  Lane& lane = LaneOfThisThread();
  std::lock_guard lock(lane.mu);
  size_t done = 0;
  while (done < records.size()) {
    if (!lane.current) {
      Status s = OpenLocked(lane, now_ms);
      if (!s.ok()) {
        write_errors_ += records.size() - done;
        return s;
      }
    }
    // As many records as one writev takes, up to the one that fills the log.
    uint64_t size = lane.current->size;
    size_t end = done;
    size_t bytes = 0;
    while (end < records.size() && end - done < kMaxIov &&
           (end == done || size + bytes < options_.max_size))
      bytes += records[end++].size();
    Status s = WriteLocked(lane, records.subspan(done, end - done), bytes, now_ms);
    if (!s.ok()) {
      write_errors_ += records.size() - done;
      return s;
    }
    done = end;
    if (stored) *stored = done;
  }
  return Status::Ok();
}

Status RotatingLog::WriteLocked(Lane& lane, std::span<const std::string_view> records,
                                size_t bytes, uint64_t now_ms) {
  File& f = *lane.current;
  iovec iov[kMaxIov];
  size_t count = std::min(records.size(), kMaxIov);
  for (size_t i = 0; i < count; ++i)
    iov[i] = {const_cast<char*>(records[i].data()), records[i].size()};
  iovec* next = iov;  // first iovec not completely written
  size_t done = 0;
  int err = 0;
  while (done < bytes) {
    ssize_t n = ::writev(f.fd, next, static_cast<int>(iov + count - next));
    if (n > 0) {
      done += static_cast<size_t>(n);
      // Step past what was written (short writes: a signal, a full disk).
      for (size_t left = static_cast<size_t>(n); left > 0 && next < iov + count;) {
        size_t take = std::min(left, next->iov_len);
        next->iov_base = static_cast<char*>(next->iov_base) + take;
        next->iov_len -= take;
        left -= take;
        if (next->iov_len == 0) ++next;
      }
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
  }
  if (err == 0 && options_.fsync == FsyncPolicy::kEvery && ::fdatasync(f.fd) != 0) err = errno;
  if (err != 0) {
    Status status = Status::IoError("write " + f.path, err);
    // Take the partial records back out; if we cannot, finish the file as it is:
    // its torn tail is skipped by readers, and no later record may follow it.
    if (done > 0 && ::ftruncate(f.fd, static_cast<off_t>(f.size)) != 0) {
      RotateLocked(lane, Cause::kWriteError);
    } else if (f.size == 0) {
      // Nothing good in it: remove rather than finish an empty log.
      ::unlink(f.path.c_str());
      lane.current.reset();
    }
    return status;
  }
  f.size += bytes;
  f.last_ms = now_ms;
  f.dirty = true;
  lane.size = f.size;
  if (f.size >= options_.max_size) RotateLocked(lane, Cause::kSize);
  return Status::Ok();
}

bool RotatingLog::RotateLocked(Lane& lane, Cause cause) {
  if (!lane.current) return true;
  std::unique_ptr<File> f = std::move(lane.current);
  lane.size = 0;
  if (options_.fsync != FsyncPolicy::kNone && ::fdatasync(f->fd) != 0)
    on_error_(Status::IoError("sync " + f->path, errno));
  ::close(f->fd);
  f->fd = -1;
  std::string finished = f->path + kFinishedSuffix;
  if (::rename(f->path.c_str(), finished.c_str()) != 0) {
    // Left under its name: the next tm-receive finishes it (RecoverOrphans).
    on_error_(Status::IoError("finish " + f->path, errno));
    return false;
  }
  if (options_.fsync != FsyncPolicy::kNone) SyncDir(options_.dir);
  rotations_[static_cast<int>(cause)]++;
  return true;
}

void RotatingLog::Tick(uint64_t now_ms) {
  for (auto& lane : lanes_) {
    std::lock_guard lock(lane->mu);
    if (!lane->current) continue;
    File& f = *lane->current;
    if (now_ms >= f.last_ms + static_cast<uint64_t>(options_.max_idle * 1000)) {
      RotateLocked(*lane, Cause::kIdle);
    } else if (now_ms >= f.first_ms + static_cast<uint64_t>(options_.max_span * 1000)) {
      RotateLocked(*lane, Cause::kSpan);
    } else if (options_.fsync == FsyncPolicy::kInterval && f.dirty &&
               now_ms >= f.synced_ms + static_cast<uint64_t>(options_.fsync_interval * 1000)) {
      if (::fdatasync(f.fd) != 0) on_error_(Status::IoError("sync " + f.path, errno));
      f.dirty = false;
      f.synced_ms = now_ms;
    }
  }
}

Status RotatingLog::Finish() {
  Status status;
  for (auto& lane : lanes_) {
    std::lock_guard lock(lane->mu);
    if (!lane->current) continue;
    std::string path = lane->current->path;
    if (!RotateLocked(*lane, Cause::kShutdown)) status = Status::IoError("could not finish " + path);
  }
  return status;
}

std::vector<std::string> RotatingLog::RecoverOrphans() {
  std::vector<std::string> recovered;
  // Either version: the dead process may have run with other flags.
  const std::string prefixes[] = {options_.base_name + ".v1." + options_.host + ".",
                                  options_.base_name + ".v2." + options_.host + "."};
  DIR* dir = ::opendir(options_.dir.c_str());
  if (!dir) return recovered;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    const std::string* prefix = nullptr;
    for (const auto& p : prefixes)
      if (name.starts_with(p)) prefix = &p;
    if (!prefix) continue;
    // The rest is "<pid>.<ms>" exactly; anything else (".finished") is not ours.
    std::string_view rest = name.substr(prefix->size());
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos || !AllDigits(rest.substr(0, dot)) ||
        !AllDigits(rest.substr(dot + 1)))
      continue;
    long pid = std::strtol(std::string(rest.substr(0, dot)).c_str(), nullptr, 10);
    if (pid == ::getpid() || pid <= 0 || pid > INT_MAX) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    std::string path = options_.dir + "/" + std::string(name);
    std::string finished = path + kFinishedSuffix;
    if (::rename(path.c_str(), finished.c_str()) == 0) {
      recovered.push_back(std::string(name));
    } else {
      on_error_(Status::IoError("finish " + path, errno));
    }
  }
  ::closedir(dir);
  return recovered;
}

}  // namespace tm_core
