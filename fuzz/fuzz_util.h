// What the fuzz targets share: a check that stops the run, and an in-memory
// ByteSource that splits its input at varying points.
//
// Every target defines LLVMFuzzerTestOneInput and nothing else that libFuzzer
// calls. Built with TM_FUZZ it is linked with libFuzzer's main; otherwise with
// replay_main.cc, which runs it once on each file named on the command line, so
// that the seed corpus and every crash found so far replay in the normal and
// the sanitizer test builds too.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "tm_core/byte_source.h"

// Stops the run when a property the library promises does not hold. abort()
// is what libFuzzer (and the replay driver's caller) counts as a crash.
#define FUZZ_CHECK(cond, what)                                                            \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                            \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

namespace tm_core::fuzz {

// A small deterministic generator, seeded from the input, so one input always
// takes the same path (libFuzzer needs that to minimise and replay).
class Rng {
 public:
  explicit Rng(std::string_view seed) {
    for (unsigned char c : seed) state_ = (state_ ^ c) * 0x100000001b3ULL;  // FNV-1a
  }
  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // A size in [1, max], mostly small: the splits that find framing bugs.
  size_t Size(size_t max) {
    uint64_t r = Next();
    size_t limit = (r & 3) == 0 ? max : std::min<size_t>(max, 17);
    return 1 + static_cast<size_t>((r >> 8) % limit);
  }

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

// Hands out `data` in reads of sizes drawn from `rng` (all of it at once when
// `split` is false), then, if `fail_at` is set, fails with EIO once that many
// bytes have gone out.
class SplitSource : public ByteSource {
 public:
  static constexpr size_t kNoFailure = SIZE_MAX;

  SplitSource(std::string_view data, bool split, uint64_t seed, size_t fail_at = kNoFailure)
      : data_(data), split_(split), rng_(std::to_string(seed)), fail_at_(fail_at) {}

  Status Read(char* buf, size_t n, size_t* got) override {
    size_t end = std::min(data_.size(), fail_at_);
    if (pos_ >= end && fail_at_ != kNoFailure) {
      *got = 0;
      return Status::IoError("read error (injected)");
    }
    size_t want = split_ ? rng_.Size(64) : n;
    *got = std::min({n, want, end - pos_});
    std::copy_n(data_.data() + pos_, *got, buf);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string_view data_;
  bool split_;
  Rng rng_;
  size_t fail_at_;
  size_t pos_ = 0;
};

inline std::unique_ptr<ByteSource> NewSplitSource(std::string_view data, bool split, uint64_t seed,
                                                  size_t fail_at = SplitSource::kNoFailure) {
  return std::make_unique<SplitSource>(data, split, seed, fail_at);
}

}  // namespace tm_core::fuzz
