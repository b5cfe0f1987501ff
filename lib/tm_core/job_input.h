// The input of tm-mapreduce: which store files a filter selects, and their
// lines, read in bounded memory.
//
// Files are chosen by their path alone (partition pruning): a file of a
// local store (tm-store(5)) is selected when Schema::Selects(its path
// relative to the root). Its dimensions are the values of that path, in
// schema order, as the path has them (PathValue form: "saved_session", not
// "saved-session"; OTHER and UNKNOWN as stored).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/byte_source.h"
#include "tm_core/schema.h"
#include "tm_core/status.h"

namespace tm_core {

struct InputFile {
  std::string path;      // as opened: DIR/relative
  std::string relative;  // relative to the store's root
  std::vector<std::string> dimensions;
  uint64_t size = 0;  // bytes on disk (compressed)
  std::string key;    // of a remote store: the object to fetch to `path` first; empty when local
};

// The values of a store path made for `n` dimensions (n-2 directories, then
// two values and "v<ver>.log..." in the file name): false if the path has
// another shape.
bool PathDimensions(std::string_view relative, size_t n, std::vector<std::string>* values);

// Walks `data_dir` and appends the files `filter` selects to *selected,
// sorted by relative path. Names starting with '.' (files being written,
// hidden directories) are skipped. When no file is selected but some have
// the shape of another number of dimensions, the result is InvalidArgument
// naming the filter's count and a path that does not fit, so a filter for
// another store is not mistaken for an empty selection.
Status SelectInputs(const std::string& data_dir, const Schema& filter,
                    std::vector<InputFile>* selected);

// Opens a store file: .lzma and .xz names are decoded (NewXzSource: xz or the
// legacy .lzma format), others read as they are.
std::unique_ptr<ByteSource> OpenStoreFile(const std::string& path, Status* status);

}  // namespace tm_core
