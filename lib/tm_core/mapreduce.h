// tm-mapreduce: MapReduce over a partitioned store (tm-store(5)) in bounded
// memory, with jobs that are streaming commands (streaming_task.h), C++ jobs
// compiled into shared objects (compiled_job.h, --job) or, through the same
// Job interface (mapreduce_task.h), any other implementation.
//
// The run, in order:
//  1. Input: the files of --data-dir that --input-filter selects by their
//     paths alone (job_input.h). Nothing else is opened. A remote store
//     (s3://..., file://...; store.h) is listed, and each selected object is
//     fetched by the mapper thread that takes it, into a cache under
//     --work-dir (cache/<hash of the URL>/<key>) where the next run finds it:
//     an object whose cached copy has its size is not fetched again (store
//     files are written once, under unique names). --local-only reads the
//     cache alone; --no-cache fetches into the private work directory and
//     removes each file once mapped.
//  2. Map: --num-mappers worker threads, each driving one mapper task for the
//     whole run, take files from a shared queue; each file goes to one
//     mapper, line by line (the mapper input format is in tm-mapreduce(1)).
//  3. Shuffle: each output line goes to reducer KeyHash(key) % --num-reducers,
//     into that reducer's ExternalSorter (external_sort.h); --memory is
//     shared equally among them; past it, sorted runs spill to a private
//     directory under --work-dir (combined first, with a combiner).
//  4. Reduce: each reducer task gets its partition merged in key order; the
//     outputs are written in reducer order. Without a reducer (map-only),
//     mapper output goes straight to the output, in no particular order.
//  5. Output: --output, written whole or not at all (OutputFile), as TSV,
//     CSV or JSON lines. It is committed only when the job succeeded.
//
// Errors: a bad input line (no tab after the uuid, or too long) and a file
// that cannot be read or decoded to its end are reported as "FILE:LINE: why"
// and counted; more than --max-errors fail the job. A task that fails (a
// command exiting non-zero) fails the job at once. The private work directory
// and every spill file are removed in every case, also on SIGINT/SIGTERM,
// after which the tasks' processes are killed and the tool dies of the signal.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "tm_core/diagnostics.h"
#include "tm_core/mapreduce_task.h"
#include "tm_core/store.h"

namespace tm_core {

struct MapReduceOptions {
  std::string data_dir;      // the store's root (required)
  std::string input_filter;  // a schema used as a filter; empty: Schema::Default(), all files
  std::string work_dir;      // where spills go; empty: $TMPDIR, else /tmp
  std::string mapper, combiner, reducer;  // streaming commands; mapper or job required
  std::string job;  // a compiled job (compiled_job.h): a .so, or C++ source compiled into
                    // WORK_DIR/jobs/ (cached by content hash); excludes the commands
  std::string spec_url;  // --job: where ctx.histogram() fetches Histograms.json
                         // ({repo}, {rev}); empty: SpecCacheOptions' default
  uint32_t num_mappers = 0;               // 0: the number of cores
  uint32_t num_reducers = 1;
  uint64_t memory = 0;      // the shuffle's buffers in all; 0: a quarter of RAM
  uint64_t max_errors = 0;  // bad lines and files tolerated
  std::string output = "-";
  std::string format = "tsv";  // tsv, csv or json
  bool quiet = false;          // no summary and no progress
  bool local_only = false;     // remote store: the cache alone, nothing listed or fetched
  bool no_cache = false;       // remote store: keep no copy once a file is mapped
  StoreOptions store;          // remote store: endpoint, retries, ... (AddStoreOptions)
};

void AddMapReduceOptions(CLI::App& app, MapReduceOptions* options);

// Runs a streaming job, or the compiled job options.job, as `options` says.
void MapReduce(const MapReduceOptions& options, Diagnostics& diag);

// Runs `job` (its mapper, combiner and reducer; the command fields of
// `options` are ignored) over the input `options` names. The seam for jobs
// that are not processes.
void RunJob(const MapReduceOptions& options, Job& job, Diagnostics& diag);

// One output line ("key\tvalue", or a key alone) in `format`, with its '\n':
//   tsv:  the line as it is
//   csv:  key,value, each quoted as RFC 4180 says when it holds ',', '"' or '\r'
//   json: {"key":"...","value":"..."}
// Appended to *out. False for an unknown format.
bool AppendOutputLine(std::string_view format, std::string_view line, std::string* out);

}  // namespace tm_core
