// LineReader: the one newline loop under every line format we read (record
// streams, tm-store(5) lines, tm-mapreduce's sorted runs and reducer output).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "tm_core/byte_source.h"
#include "tm_core/status.h"

namespace tm_core {

// Splits a ByteSource into lines in bounded memory, through one ReadBuffer of
// `chunk`-byte reads. A line never holds its '\n'; a last line without one
// counts.
class LineReader {
 public:
  LineReader(std::unique_ptr<ByteSource> source, size_t chunk, size_t max_line = SIZE_MAX)
      : in_(std::move(source), chunk), max_line_(max_line) {}

  // Sets *line to the next line and returns true; the view is valid until the
  // next call. Returns false at the end of the input, or on a read error (then
  // status() is not OK). A line longer than max_line comes out cut to its
  // first max_line bytes with too_long() set, so that the caller can show it;
  // its rest is skipped unread.
  bool Next(std::string_view* line);

  bool too_long() const { return too_long_; }  // of the last line returned
  const Status& status() const { return in_.status(); }
  uint64_t line_number() const { return line_number_; }  // 1-based, of the last line returned
  uint64_t line_offset() const { return line_offset_; }  // its offset in the input
  uint64_t offset() const { return in_.offset(); }       // bytes handed out so far

 private:
  void SkipRestOfLine();

  ReadBuffer in_;
  size_t max_line_;
  size_t consumed_ = 0;   // bytes of the last line (and its '\n') still in front
  bool skipping_ = false;  // the front of the buffer is the head of an overlong line
  bool too_long_ = false;
  uint64_t line_number_ = 0;
  uint64_t line_offset_ = 0;
};

}  // namespace tm_core
