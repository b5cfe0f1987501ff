// xz streams (liblzma): the store's compression. tm-partition writes them with
// XzWriter; readers of store files (tm-mapreduce, tests) read them through
// NewXzSource under the same record readers as plain files.
#pragma once

#include <lzma.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tm_core/byte_source.h"
#include "tm_core/status.h"

namespace tm_core {

// Compresses into one xz stream (CRC64 checks) written to a file descriptor
// that the caller owns. Memory: about 2 MiB at level 0, 94 MiB at level 6
// (lzma_easy_encoder_memusage), per writer and per thread.
class XzWriter {
 public:
  XzWriter() = default;
  XzWriter(const XzWriter&) = delete;
  XzWriter& operator=(const XzWriter&) = delete;
  ~XzWriter();

  // `level` 0-9; `threads` above 1 uses liblzma's multi-threaded encoder.
  Status Open(int fd, uint32_t level, uint32_t threads);
  Status Write(std::string_view data);
  // Ends the stream and writes out the rest; the writer is then done.
  Status Finish();

  uint64_t bytes_in() const { return stream_.total_in; }
  uint64_t bytes_out() const { return stream_.total_out; }

 private:
  Status Code(lzma_action action);
  Status FlushOut();

  lzma_stream stream_ = LZMA_STREAM_INIT;
  int fd_ = -1;
  std::vector<uint8_t> out_;
};

// Decodes what `compressed` holds, as `xz -dc` does: xz (one or more
// concatenated streams) or the legacy .lzma format of the old system's store.
// A damaged stream is a Corruption status from Read. Null only if liblzma
// cannot start (out of memory).
std::unique_ptr<ByteSource> NewXzSource(std::unique_ptr<ByteSource> compressed);

}  // namespace tm_core
