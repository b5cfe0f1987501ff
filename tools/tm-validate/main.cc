// tm-validate: sort submissions into valid and rejected, by the rules of their
// payload version and the Histograms.json of their revision.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/validate.h"

int main(int argc, char** argv) {
  CLI::App app{"Check telemetry submissions (raw logs or record streams); valid records to standard "
               "output as a record stream, rejected ones to --rejects with their reason.",
               "tm-validate"};
  tm_core::ValidateOptions opts;
  tm_core::AddValidateOptions(app, &opts);
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv, [&](tm_core::Diagnostics& diag) { tm_core::Validate(opts, diag); });
}
