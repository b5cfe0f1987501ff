// RotatingLog: the raw log that tm-receive appends to, and its rotation.
//
// Records go into "<dir>/<base>.<v1|v2>.<host>.<pid>.<ms>", a name unique per
// host, process and time (the millisecond part is bumped when needed). When the
// file reaches max_size bytes, has had no record for max_idle seconds, or holds
// a record older than max_span seconds, it is renamed to "<name>.finished": the
// only files a downstream tool may take, and always whole. No empty log is
// ever created.
//
// Thread-safe: Append() and AppendBatch() write whole records with one write()
// or writev() under a lock, so concurrent records never interleave. With
// `lanes` > 1 each thread writes its own log (threads are spread over the
// lanes), so writers never wait for one another; every lane's file is named and
// rotated like the only one. A failed write is cut off again with ftruncate(),
// so the file never holds half a record; if even that fails the file is
// finished as it is (a reader skips its torn tail) and the next record starts a
// new one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/raw_log.h"
#include "tm_core/status.h"

namespace tm_core {

enum class FsyncPolicy {
  kNone,      // leave flushing to the kernel: fastest; a power cut may lose recent records
  kInterval,  // fdatasync the current log every fsync_interval seconds (from Tick())
  kEvery,     // fdatasync after every record, before it is acknowledged: slowest
};

struct RotatingLogOptions {
  std::string dir = ".";
  std::string base_name = "telemetry.log";  // as the old server named its logs
  RawLogVersion version = RawLogVersion::kV1;
  uint64_t max_size = 500ULL << 20;
  double max_idle = 300;   // seconds without a record
  double max_span = 3600;  // seconds since the log's first record
  FsyncPolicy fsync = FsyncPolicy::kNone;
  double fsync_interval = 1;  // seconds between syncs under FsyncPolicy::kInterval
  std::string host;        // empty: gethostname()
  unsigned lanes = 1;      // logs written at once, one per writing thread
};

class RotatingLog {
 public:
  enum class Cause { kSize, kIdle, kSpan, kShutdown, kWriteError, kCount };

  // `on_error` hears of failures that no caller is waiting for (a rename that
  // failed during rotation); it may be called with the lock held, so it must not
  // call back into the log.
  RotatingLog(RotatingLogOptions options, std::function<void(const Status&)> on_error);
  ~RotatingLog();  // closes without finishing; call Finish() first

  // Appends one whole encoded record (see AppendRawRecord). OK means the record
  // is in the file (and synced, with FsyncPolicy::kEvery).
  Status Append(std::string_view record, uint64_t now_ms);

  // Appends whole encoded records in order, with one writev() for as many as
  // fit (IOV_MAX, and up to the record that fills the log: rotation happens
  // between records as with Append). *stored (if not null) is set to the number
  // of leading records that are in the file: all of them when OK; on an error
  // the records from *stored on are not in any file (a failed write is cut back
  // with ftruncate, as in Append).
  Status AppendBatch(std::span<const std::string_view> records, uint64_t now_ms,
                     size_t* stored);

  // Finishes the current log if it is idle or old enough; syncs it under
  // FsyncPolicy::kInterval once fsync_interval has passed. Call at least that often.
  void Tick(uint64_t now_ms);

  // Finishes the current log, if any. Later records start a new one.
  Status Finish();

  // Finishes the logs that an earlier process on this host left unfinished when
  // it died (its pid no longer runs), so that no record is stranded. Returns the
  // names it finished.
  std::vector<std::string> RecoverOrphans();

  const RotatingLogOptions& options() const { return options_; }
  uint64_t rotations(Cause cause) const { return rotations_[static_cast<int>(cause)].load(); }
  uint64_t write_errors() const { return write_errors_.load(); }
  uint64_t current_size() const;  // bytes in the logs being written

 private:
  struct File;
  struct Lane;
  Lane& LaneOfThisThread();
  Status OpenLocked(Lane& lane, uint64_t now_ms);
  // Writes `records` (`bytes` in all) to the lane's open file: all or none.
  Status WriteLocked(Lane& lane, std::span<const std::string_view> records, size_t bytes,
                     uint64_t now_ms);
  bool RotateLocked(Lane& lane, Cause cause);  // false: the rename failed
  std::string Prefix() const;  // "<base>.<version>.<host>."
  uint64_t NextNameMs(uint64_t now_ms);

  RotatingLogOptions options_;
  std::function<void(const Status&)> on_error_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<unsigned> next_lane_{0};
  std::atomic<uint64_t> last_name_ms_{0};
  std::atomic<uint64_t> rotations_[static_cast<int>(Cause::kCount)] = {};
  std::atomic<uint64_t> write_errors_{0};
};

const char* RotationCauseName(RotatingLog::Cause cause);

}  // namespace tm_core
