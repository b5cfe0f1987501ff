// tm-validate and tm-convert: read raw logs or record streams, sort every
// record into valid (standard output or -o, as a record stream) or rejected
// (--rejects, with its reason), and count both. Documented in tm-validate(1)
// and tm-convert(1); the two differ only in what a valid record's payload
// becomes (compacted, or converted).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tm_core/diagnostics.h"
#include "tm_core/gzip.h"
#include "tm_core/spec_cache.h"

namespace tm_core {

struct ValidateOptions {
  std::vector<std::string> inputs = {"-"};  // raw logs or record streams, told apart by their first byte
  std::string output = "-";                 // valid records; a file is replaced whole at the end
  std::string rejects;                      // rejected records; empty: named on stderr only
  std::string stats;                        // counts as JSON; empty: none
  std::string revision_map;                 // empty: none
  bool convert = false;                     // tm-convert: valid payloads in the compact form
  bool quiet = false;                       // no summary on stderr, rejects not listed there
  int64_t max_rejects = -1;                 // more rejected records fail the run; -1: no limit
  uint64_t max_inflated_size = kDefaultMaxInflatedSize;
  uint64_t max_record_size = 64 << 20;  // a longer record-stream line or raw body is corrupted_data
  SpecCacheOptions specs;
};

// The flags both tools share, bound to *options.
void AddValidateOptions(CLI::App& app, ValidateOptions* options);

// Runs the job; input and output failures go to `diag` (exit 1), rejected
// records do not.
void Validate(const ValidateOptions& options, Diagnostics& diag);

}  // namespace tm_core
