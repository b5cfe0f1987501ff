// ByteSource: a stream of bytes that record readers pull from. Files and
// standard input today; xz streams and S3 objects later, under the same readers.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tm_core/status.h"

namespace tm_core {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `n` bytes into `buf`. Sets *got to the count read; 0 with an OK
  // status means end of input. Short reads are normal and say nothing about EOF.
  virtual Status Read(char* buf, size_t n, size_t* got) = 0;
};

// Opens `path` for reading; "-" is standard input (not closed by the source).
// On failure returns null and sets *status to "PATH: reason"-free text: the
// caller prefixes the path.
std::unique_ptr<ByteSource> OpenFileSource(const std::string& path, Status* status);

// Reads from a file descriptor that the caller keeps owning.
std::unique_ptr<ByteSource> NewFdSource(int fd);

}  // namespace tm_core
