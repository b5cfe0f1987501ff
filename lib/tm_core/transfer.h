// What tm-upload and tm-fetch share around a Store: running one transfer per
// file on -j threads, counting outcomes, a progress line on a terminal, and
// the summary at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "tm_core/diagnostics.h"

namespace tm_core {

// Calls fn(i) for every i in [0, n) on `jobs` threads (the calling thread is
// one of them). After a signal (interrupt.h) no further i is started.
void RunParallel(int jobs, size_t n, const std::function<void(size_t)>& fn);

// "0 B", "512 B", "12.3 MB", "1.20 GB": decimal units, as the MB/s beside them.
std::string FormatBytes(uint64_t bytes);

// Outcome counts of a run, and a progress line on standard error while it
// lasts. Every message about a file goes through here (not straight to the
// Diagnostics), so that it never lands in the middle of the progress line.
// Thread-safe.
class TransferReport {
 public:
  // `verb` names what was done to a file: "uploaded", "downloaded". The
  // progress line is drawn every half second if `show_progress`.
  TransferReport(Diagnostics& diag, std::string verb, bool show_progress);
  ~TransferReport() { Stop(); }
  // Stops and erases the progress line, before a summary is printed.
  void Stop();

  void Planned(uint64_t files);  // adds to the total shown
  void Bytes(uint64_t n);        // moved over the wire (retries too)

  void Transferred(uint64_t bytes);  // a file done; its size
  void Skipped();                    // already there with the same size and checksum
  void Failed(std::string_view where, const Status& status);  // printed, exit 1
  void Note(std::string_view where, std::string_view what);   // -v lines

  uint64_t failed() const { return failed_; }

  // "N files: A uploaded, B skipped, C failed; X uploaded in T s (R MB/s)".
  std::string Summary() const;

 private:
  void Draw();  // with mu_ held
  void Clear();

  Diagnostics& diag_;
  std::string verb_;
  bool show_progress_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  bool drawn_ = false;
  std::thread painter_;
  std::atomic<uint64_t> planned_files_{0}, wire_bytes_{0};
  std::atomic<uint64_t> transferred_{0}, transferred_bytes_{0}, skipped_{0}, failed_{0};
};

}  // namespace tm_core
