// The seam between tm-mapreduce's engine and a job: a job makes tasks (a
// mapper, a combiner, a reducer), the engine feeds each task lines and
// collects the lines it emits. Streaming jobs (streaming_task.h) implement
// tasks as processes running a shell command; a job compiled into a shared
// object can implement the same interfaces in-process later, and the engine
// (mapreduce.cc, external_sort.cc) does not change.
//
// Lines never hold '\n'. What the engine feeds:
//   mapper:   one record per line, "uuid\tdim1\t...\tdimN\tjson" (tm-mapreduce(1)),
//             followed in memory by kJsonPadding readable bytes, so that the
//             JSON at its end can be parsed in place
//   combiner: "key\tvalue" lines of one sorted run, in key order
//   reducer:  "key\tvalue" lines of its partition, in key order
// What a task emits: "key\tvalue" lines; a line without a tab is a key with
// an empty value.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tm_core/record.h"
#include "tm_core/status.h"

namespace tm_core {

// Where a task's output lines go. Called from the thread that calls the
// task's Feed() or Finish(); a non-OK status stops the task.
class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual Status Line(std::string_view line) = 0;
};

// One running mapper, combiner or reducer. Feed() lines, then Finish() once;
// output may reach the sink during either. A task destroyed before Finish()
// returned OK is abandoned (a process is killed). Not thread-safe: one task
// belongs to one thread.
class Task {
 public:
  virtual ~Task() = default;
  virtual Status Feed(std::string_view line) = 0;
  // Ends the input and waits for the rest of the output; not OK when the task
  // failed (a process exiting non-zero, killed, or not reading all its input).
  virtual Status Finish() = 0;
};

// A job: what to run in each role. Tasks are made on worker threads; the
// implementation must be safe to call from several at once.
class Job {
 public:
  virtual ~Job() = default;
  virtual bool has_combiner() const = 0;
  virtual bool has_reducer() const = 0;
  // `out` outlives the task.
  virtual Status NewMapper(LineSink* out, std::unique_ptr<Task>* task) = 0;
  virtual Status NewCombiner(LineSink* out, std::unique_ptr<Task>* task) = 0;
  virtual Status NewReducer(LineSink* out, std::unique_ptr<Task>* task) = 0;
};

// The key of a "key\tvalue" line: the bytes before the first tab, or the
// whole line without one.
inline std::string_view KeyOf(std::string_view line) {
  size_t tab = line.find('\t');
  return tab == std::string_view::npos ? line : line.substr(0, tab);
}

}  // namespace tm_core
