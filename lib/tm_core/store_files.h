// Local files written whole or not at all, for the stores: a hidden temporary
// file beside the target (".NAME.XXXXXX.tmp", the naming tm-partition uses for
// files being written, which listings and tm-upload skip), fsync'd and renamed
// over the target, then the directory fsync'd. A reader sees the old file or
// the new one, never a part; after a crash only a hidden temporary is left.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tm_core/status.h"

namespace tm_core {

// Creates the directory of `path` if needed, then the temporary file beside
// it; sets *temp and *fd (mode 0600 until committed).
Status CreateTempBeside(const std::string& path, std::string* temp, int* fd);

// Gives the temporary the usual mode (0666 less the umask), fsyncs and closes
// `fd`, renames `temp` over `path` and fsyncs the directory. On failure the
// temporary is removed. `fd` is closed in every case.
Status CommitTemp(int fd, const std::string& temp, const std::string& path);

// Closes `fd` and removes `temp`: the way out of a failed write.
void DiscardTemp(int fd, const std::string& temp);

struct CopyResult {
  uint64_t size = 0;
  std::string sha256;  // hex, of the bytes copied
};

// Copies `from` to `to` through a temporary as above, hashing what it copies.
// With `expect_sha256` (hex; empty: none), a copy of other bytes is discarded
// before it is renamed into place: Corruption "FROM: changed while being
// copied". NotFound when `from` does not exist or is no regular file; IoError
// "TO: interrupted" when a signal arrives (interrupt.h). `on_bytes` (may be
// null) sees each chunk's size.
Status CopyFileAtomically(const std::string& from, const std::string& to,
                          const std::string& expect_sha256,
                          const std::function<void(uint64_t)>& on_bytes, CopyResult* result);

}  // namespace tm_core
