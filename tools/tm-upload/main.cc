// tm-upload: publish finished files to S3 (or an S3-compatible server) or a
// directory, verified, skipping what is already there.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/upload.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Publish files, directory trees or a manifest's files to s3://BUCKET/PREFIX/ or a "
      "directory; verified, and skipping objects already there with the same checksum.",
      "tm-upload"};
  tm_core::UploadOptions opts;
  tm_core::AddUploadOptions(app, &opts);
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv,
                            [&](tm_core::Diagnostics& diag) { tm_core::Upload(opts, diag); });
}
