#include "tm_core/transfer.h"

#include <cstdio>
#include <vector>

#include "tm_core/interrupt.h"

namespace tm_core {

void RunParallel(int jobs, size_t n, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; !Interrupted() && (i = next++) < n;) fn(i);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs && static_cast<size_t>(t) < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1000) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1000'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f %s", bytes / (bytes < 1000'000 ? 1e3 : 1e6),
                  bytes < 1000'000 ? "kB" : "MB");
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  }
  return buf;
}

TransferReport::TransferReport(Diagnostics& diag, std::string verb, bool show_progress)
    : diag_(diag),
      verb_(std::move(verb)),
      show_progress_(show_progress),
      start_(std::chrono::steady_clock::now()) {
  if (!show_progress_) return;
  painter_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; }))
      Draw();
  });
}

void TransferReport::Stop() {
  if (painter_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    painter_.join();
  }
  std::lock_guard lock(mu_);
  Clear();
}

void TransferReport::Planned(uint64_t files) { planned_files_ += files; }

void TransferReport::Bytes(uint64_t n) { wire_bytes_ += n; }

void TransferReport::Transferred(uint64_t bytes) {
  transferred_++;
  transferred_bytes_ += bytes;
}

void TransferReport::Skipped() { skipped_++; }

void TransferReport::Failed(std::string_view where, const Status& status) {
  failed_++;
  std::lock_guard lock(mu_);
  Clear();
  diag_.Fail(where, status);
}

void TransferReport::Note(std::string_view where, std::string_view what) {
  std::lock_guard lock(mu_);
  Clear();
  diag_.Warn(where, what);
}

void TransferReport::Draw() {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const uint64_t done = transferred_ + skipped_ + failed_;
  char line[256];
  // Bytes on the wire, retries included: they can exceed the files' total.
  std::snprintf(line, sizeof line, "\r%s: %llu/%llu files, %s moved, %.1f MB/s\033[K",
                diag_.program().c_str(), static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(planned_files_.load()),
                FormatBytes(wire_bytes_).c_str(), seconds > 0 ? wire_bytes_ / 1e6 / seconds : 0.0);
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void TransferReport::Clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

std::string TransferReport::Summary() const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const uint64_t files = transferred_ + skipped_ + failed_;
  char rate[64];
  std::snprintf(rate, sizeof rate, " in %.2f s (%.1f MB/s)", seconds,
                seconds > 0 ? transferred_bytes_ / 1e6 / seconds : 0.0);
  return std::to_string(files) + (files == 1 ? " file: " : " files: ") +
         std::to_string(transferred_) + " " + verb_ + ", " + std::to_string(skipped_) +
         " skipped, " + std::to_string(failed_) + " failed; " + FormatBytes(transferred_bytes_) +
         " " + verb_ + rate;
}

}  // namespace tm_core
