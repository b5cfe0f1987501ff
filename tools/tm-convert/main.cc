// tm-convert: valid records with their histograms in the compact array form,
// unified pings in the classic shape (ver 5).
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/validate.h"

int main(int argc, char** argv) {
  CLI::App app{"Convert telemetry records to the compact storage form: histograms as bucket arrays "
               "(ver 2), unified pings lifted to the classic shape (ver 5). Checks as tm-validate does.",
               "tm-convert"};
  tm_core::ValidateOptions opts;
  opts.convert = true;
  tm_core::AddValidateOptions(app, &opts);
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv, [&](tm_core::Diagnostics& diag) { tm_core::Validate(opts, diag); });
}
