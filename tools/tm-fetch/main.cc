// tm-fetch: list and download objects from S3 (or an S3-compatible server) or
// a directory, verified, skipping files already there.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/fetch.h"

int main(int argc, char** argv) {
  CLI::App app{
      "List (--list) or download objects and prefixes of s3://BUCKET/PREFIX/ or a "
      "directory into DIR; verified, and skipping files already there.",
      "tm-fetch"};
  tm_core::FetchOptions opts;
  tm_core::AddFetchOptions(app, &opts);
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv,
                            [&](tm_core::Diagnostics& diag) { tm_core::Fetch(opts, diag); });
}
