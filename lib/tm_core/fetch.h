// tm-fetch: list and download objects of a store (store.h), for the jobs that
// need data and code tarballs. Documented in tm-fetch(1).
//
//   tm-fetch --list URL...   key<TAB>size per object, keys relative to the URL
//                            up to its last '/' (a URL not ending in '/' lists
//                            the keys that start with its last part)
//   tm-fetch URL... DIR      a URL ending in '/' downloads every object below
//                            it to DIR/<key>; any other URL the one object it
//                            names, to DIR/<its name>
// A file already in DIR with the object's size and checksum is not fetched again.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tm_core/diagnostics.h"
#include "tm_core/store.h"

namespace tm_core {

struct FetchOptions {
  std::vector<std::string> urls;
  std::string directory;  // where downloads go (not with list)
  bool list = false;
  bool quiet = false;    // no summary
  bool verbose = false;  // a line per file on stderr
  StoreOptions store;
};

// The flags and arguments of tm-fetch, bound to *options; URLs are checked
// while parsing (a bad one is a usage error).
void AddFetchOptions(CLI::App& app, FetchOptions* options);

// Runs the job; each object that cannot be listed or fetched is named on
// `diag` (exit 1), the others are still fetched.
void Fetch(const FetchOptions& options, Diagnostics& diag);

}  // namespace tm_core
