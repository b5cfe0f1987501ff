// Compiled jobs: a tm-mapreduce job written in C++ against include/tm/job.h,
// built into a shared object and run in-process, in the engine's mapper and
// reducer threads, through the same Job/Task seam (mapreduce_task.h) as
// streaming jobs.
//
// The shared object exports tm_job_entry_v1() (TM_JOB in tm/job.h), which
// returns a versioned table of C function pointers; nothing else crosses the
// boundary, so a job does not depend on tm_core's layout. Each task gets its
// own job instance (create/destroy), used by one thread only.
//
// What a task does with the lines the engine feeds it (mapreduce_task.h):
//   mapper:            "uuid\tdim1\t...\tdimN\tjson" -> map(uuid, dims, json)
//   combiner, reducer: "key\tvalue" lines in key order, grouped by key ->
//                      combine/reduce(key, values); the values of one key are
//                      held in memory together.
// Emitted (key, value) pairs become "key\tvalue" lines, or "key" when the
// value is empty.
#pragma once

#include <memory>
#include <string>

#include "tm_core/mapreduce_task.h"
#include "tm_core/spec_cache.h"
#include "tm_core/status.h"

namespace tm_core {

// Loads the shared object at `path` (dlopen) and checks its entry point and
// ABI version. Errors name the file: "PATH: no tm_job_entry_v1 (...)". The
// object stays loaded as long as *job lives. The job's ctx.histogram() finds
// Histograms.json through one SpecCache made with `specs`, shared by all its
// tasks behind a mutex (a fetch holds up the other tasks that ask for a spec).
[[nodiscard]] Status LoadCompiledJob(const std::string& path, std::unique_ptr<Job>* job,
                                     SpecCacheOptions specs = {});

// How CompileJob builds a shared object.
struct CompileOptions {
  std::string compiler;     // empty: $CXX, else "c++" from PATH
  std::string include_dir;  // where tm/job.h is; empty: JobIncludeDir()
  std::string cache_dir;    // where the shared objects are kept (made if missing)
};

// The directory holding tm/job.h for jobs compiled by this program: the
// source tree's include/ when the program runs from its build directory,
// else the installed one (CMAKE_INSTALL_FULL_INCLUDEDIR).
std::string JobIncludeDir();

// Compiles the C++ source `source` into a shared object in
// options.cache_dir, named by a hash of the source's bytes and of the
// compiler command, and sets *so_path to it. When that file exists already it
// is reused and *compiled is false. The command:
//   COMPILER -std=c++20 -O2 -shared -fPIC -I INCLUDE_DIR SIMDJSON_CFLAGS
//            -o OUT SOURCE SIMDJSON_LIBS
// with simdjson's flags from `pkg-config simdjson` (else -lsimdjson). A
// failed compilation is an InvalidArgument status holding the compiler's
// output.
[[nodiscard]] Status CompileJob(const std::string& source, const CompileOptions& options,
                                std::string* so_path, bool* compiled);

// True for a name that CompileJob takes: .cpp, .cc, .cxx, .C.
bool IsJobSource(const std::string& path);

}  // namespace tm_core
