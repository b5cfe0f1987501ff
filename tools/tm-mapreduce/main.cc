// tm-mapreduce: MapReduce over a partitioned store with streaming or compiled jobs.
#include <CLI/CLI.hpp>

#include "tm_core/cli.h"
#include "tm_core/mapreduce.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Run a MapReduce job (--mapper, --combiner, --reducer commands, or a compiled --job) over "
      "the files of a store that an input filter selects.",
      "tm-mapreduce"};
  tm_core::MapReduceOptions opts;
  tm_core::AddMapReduceOptions(app, &opts);
  tm_core::cli::Configure(app);
  return tm_core::cli::Main(app, argc, argv,
                            [&](tm_core::Diagnostics& diag) { tm_core::MapReduce(opts, diag); });
}
