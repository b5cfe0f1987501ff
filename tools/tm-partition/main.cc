// tm-partition: store record streams as xz files of "<uuid>\t<json>" lines,
// one file per partition of a schema.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/partition.h"

int main(int argc, char** argv) {
  CLI::App app{"Store records (a record stream) under --out as xz files of <uuid><TAB><json> lines, "
               "partitioned by a schema's dimensions.",
               "tm-partition"};
  tm_core::PartitionOptions opts;
  tm_core::AddPartitionOptions(app, &opts);
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv, [&](tm_core::Diagnostics& diag) { tm_core::Partition(opts, diag); });
}
