// OutputFile: a file that is written whole or not at all. Bytes go to a
// temporary name beside the target, which Commit renames over it: a re-run
// replaces its output, and no reader ever sees half of it. "-" is standard
// output, written as it goes.
#pragma once

#include <string>
#include <string_view>

#include "tm_core/status.h"

namespace tm_core {

class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();  // a file not committed is removed

  Status Open(const std::string& path);
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Lines are built straight in the output buffer (one copy fewer than
  // building them apart): append to buffer(), then call Wrote(), which writes
  // the buffer out once it is large.
  std::string* buffer() { return &buffer_; }
  Status Wrote() { return buffer_.size() >= kFlushSize ? Flush() : Status::Ok(); }
  Status Write(std::string_view data) {
    buffer_.append(data);
    return Wrote();
  }

  // Writes what is buffered; for a file, also fsyncs and renames it into place.
  Status Commit();

 private:
  static constexpr size_t kFlushSize = 1 << 20;
  Status Flush();

  std::string path_, temp_;
  int fd_ = -1;
  bool is_stdout_ = false;
  std::string buffer_;
  Status error_;  // the first write error; every later call returns it
};

}  // namespace tm_core
