// tm-cat: raw logs as text a person can read. Documented in tm-cat(1).
//
// One line per record: time (ISO 8601 UTC), path, client address ("-" in v1),
// body size in bytes, tab-separated; with `body`, a fifth column holds the
// body, gzip inflated, escaped onto one line (see AppendEscapedLine).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tm_core/diagnostics.h"
#include "tm_core/gzip.h"
#include "tm_core/raw_log.h"

namespace tm_core {

struct RawLogCatOptions {
  std::vector<std::string> inputs = {"-"};
  RawLogVersion version = RawLogVersion::kUnknown;  // kUnknown: detect per file
  bool body = false;
  uint64_t max_inflated_size = kDefaultMaxInflatedSize;
};

// Writes the text to `out`. Damaged bytes and bodies that do not inflate are
// reported to `diag` as warnings and counted; a file that cannot be read fails.
void RawLogCat(const RawLogCatOptions& options, std::FILE* out, Diagnostics& diag);

}  // namespace tm_core
