// tm-cat: print raw logs as text, one line per record.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/raw_log_cat.h"

int main(int argc, char** argv) {
  CLI::App app{"Print telemetry raw logs as text: time, path, client address, body size.",
               "tm-cat"};
  tm_core::RawLogCatOptions opts;
  std::string format = "auto";
  app.add_option("files", opts.inputs, "Raw logs to read; '-' or none reads standard input");
  app.add_flag("-b,--body", opts.body, "Add a column with the body, gzip inflated, escaped");
  app.add_option("--format", format, "Raw log version: auto (detect), v1 or v2")
      ->check(CLI::IsMember({"auto", "v1", "v2"}))
      ->capture_default_str();
  tm_core::cli::AddSizeOption(app, "--max-inflated-size", opts.max_inflated_size,
                              "Largest inflated body shown (32MiB)");
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv, [&](tm_core::Diagnostics& diag) {
    opts.version = format == "v1"   ? tm_core::RawLogVersion::kV1
                   : format == "v2" ? tm_core::RawLogVersion::kV2
                                    : tm_core::RawLogVersion::kUnknown;
    tm_core::RawLogCat(opts, stdout, diag);
  });
}
