// ByteSource: a stream of bytes that record readers pull from. Files and
// standard input today; xz streams and S3 objects later, under the same readers.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

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

// Reads a small file (a spec, a schema) whole into *data. NotFound (the path
// alone as message) when there is no such file; Corruption past `limit`
// bytes, so a stray huge file is never read whole.
Status ReadCappedFile(const std::string& path, size_t limit, std::string* data);

// Reads from a file descriptor, retrying reads that a signal interrupts (not
// an interrupt of ours: interrupt.h), and closes it at the end when `owned`.
// Read errors say "read error: <reason>": the caller prefixes the name.
std::unique_ptr<ByteSource> NewFdSource(int fd, bool owned);

// Hands out `prefix` first, then the rest of `rest`: how a reader gets back
// the bytes that were read to guess what kind of input this is.
std::unique_ptr<ByteSource> NewPrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest);

// A window over a ByteSource for the readers of record formats: bytes are read
// in chunks into one reused buffer, looked at in place, and consumed from the
// front. The buffer grows only to the largest `want` asked for.
class ReadBuffer {
 public:
  ReadBuffer(std::unique_ptr<ByteSource> source, size_t chunk_size)
      : source_(std::move(source)), chunk_size_(chunk_size) {}

  // Makes at least `want` bytes available; false if the input ends first (then
  // eof()) or a read fails (then status() is not OK). Views of data() taken
  // before a Fill are invalid after it.
  bool Fill(size_t want);

  const char* data() const { return buf_.data() + begin_; }
  size_t available() const { return end_ - begin_; }
  void Consume(size_t n) { begin_ += n; }
  uint64_t offset() const { return buf_offset_ + begin_; }  // of data() in the input
  bool eof() const { return eof_; }
  const Status& status() const { return status_; }

 private:
  std::unique_ptr<ByteSource> source_;
  size_t chunk_size_;
  Status status_;
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t buf_offset_ = 0;  // input offset of buf_[0]
  bool eof_ = false;
};

}  // namespace tm_core
