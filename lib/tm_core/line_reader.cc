#include "tm_core/line_reader.h"

#include <algorithm>
#include <cstring>

namespace tm_core {

bool LineReader::Next(std::string_view* line) {
  in_.Consume(consumed_);
  consumed_ = 0;
  if (skipping_) SkipRestOfLine();
  too_long_ = false;
  size_t scanned = 0;  // bytes already known to hold no newline
  for (;;) {
    const char* p = in_.data();
    // No memchr on an empty buffer: before the first fill its data() is null.
    const void* nl =
        in_.available() > scanned ? std::memchr(p + scanned, '\n', in_.available() - scanned) : nullptr;
    if (nl) {
      const size_t n = static_cast<const char*>(nl) - p;
      ++line_number_;
      line_offset_ = in_.offset();
      too_long_ = n > max_line_;
      *line = {p, std::min(n, max_line_)};
      consumed_ = n + 1;
      return true;
    }
    scanned = in_.available();
    if (scanned > max_line_) {
      // Hand out the head once; the next call drops the rest unseen, so memory
      // stays bounded by max_line whatever the input.
      ++line_number_;
      line_offset_ = in_.offset();
      too_long_ = true;
      *line = {p, max_line_};
      skipping_ = true;
      return true;
    }
    if (!in_.Fill(scanned + 1)) {
      if (!in_.status().ok() || scanned == 0) return false;
      ++line_number_;
      line_offset_ = in_.offset();
      *line = {in_.data(), scanned};
      consumed_ = scanned;
      return true;
    }
  }
}

void LineReader::SkipRestOfLine() {
  skipping_ = false;
  for (;;) {
    const char* p = in_.data();
    const void* nl = in_.available() ? std::memchr(p, '\n', in_.available()) : nullptr;
    if (nl) {
      in_.Consume(static_cast<const char*>(nl) - p + 1);
      return;
    }
    in_.Consume(in_.available());
    if (!in_.Fill(1)) return;
  }
}

}  // namespace tm_core
