// tm-partition: reads record streams and stores every record as a
// "<uuid>\t<json>" line in the xz file of its partition under a store
// directory, laid out by a schema (tm-store(5), tm-schema(5)).
//
// A file is written under a hidden temporary name (".<name>.tmp") and renamed
// to its final name once it is complete and fsync'd: when it reaches
// --max-size, when more than --max-files files are open (the least recently
// written is finished), at the end, and on SIGINT/SIGTERM. So a reader or
// tm-upload only ever sees complete files. A file is one or more concatenated
// xz streams: only --max-open encoders exist (they hold the memory), and the
// least recently used one ends its stream to start another elsewhere. Final names end in a unique part:
// random per run, or derived from --id, so that a re-run of the same input
// with the same --id rewrites the same names instead of adding duplicates.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tm_core/diagnostics.h"

namespace tm_core {

struct PartitionOptions {
  std::vector<std::string> inputs = {"-"};  // record streams
  std::string out_dir;                      // the store's root (required)
  std::string schema;                       // empty: Schema::Default()
  uint32_t level = 0;                       // xz preset, as the old system used
  uint32_t threads = 1;                     // xz encoder threads per file
  uint64_t max_size = 512ull << 20;         // uncompressed bytes per file
  uint32_t max_open = 32;                   // xz streams (encoders, the memory) open at once
  uint32_t max_files = 512;                 // files being written at once
  std::string id;                           // names the files of a re-runnable unit; empty: random
  std::string manifest;                     // finished files, one per line; empty: none
  std::string rejects;                      // records that cannot be stored; empty: named on stderr
  bool verbose = false;                     // per-partition counts in the summary
  bool quiet = false;                       // no summary, no progress
};

void AddPartitionOptions(CLI::App& app, PartitionOptions* options);

// Runs the job. Input, output and store failures go to `diag` (exit 1);
// rejected records do not.
void Partition(const PartitionOptions& options, Diagnostics& diag);

}  // namespace tm_core
