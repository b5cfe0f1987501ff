// tm-upload: publish files, directory trees, or the files a manifest names,
// to a store (store.h): s3://BUCKET/PREFIX/ or a directory. Documented in
// tm-upload(1).
//
// Each file becomes the object <destination><key>: a file given by name is
// keyed by its base name, a directory's files by their paths below it, a
// manifest's by its first column. An object already there with the same size
// and checksum is skipped, so a re-run after a crash or a kill finishes the
// job without sending anything twice.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tm_core/diagnostics.h"
#include "tm_core/store.h"

namespace tm_core {

struct UploadOptions {
  std::vector<std::string> sources;  // files and directories
  std::string destination;           // a store URL
  std::string files_from;            // a manifest ("-": standard input); empty: none
  std::string root = ".";            // what the manifest's paths are relative to
  bool delete_after = false;         // remove each file once its object is confirmed
  bool dry_run = false;              // print the plan on stdout; send nothing
  bool quiet = false;                // no summary
  bool verbose = false;              // a line per file on stderr
  StoreOptions store;
};

// The flags and arguments of tm-upload, bound to *options. The last
// positional argument is the destination; its URL is checked while parsing
// (a bad one is a usage error).
void AddUploadOptions(CLI::App& app, UploadOptions* options);

// Runs the job. Each file that cannot be published is named on `diag` (exit
// 1); the others are still published.
void Upload(const UploadOptions& options, Diagnostics& diag);

}  // namespace tm_core
