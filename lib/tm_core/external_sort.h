// ExternalSorter: sorts "key\tvalue" lines by key in bounded memory, for the
// shuffle of tm-mapreduce.
//
// Lines are kept in one buffer of at most `memory` bytes (text and index
// together). When it is full, its lines are sorted and written to a run file
// in `work_dir` (a spill); Finish() merges the runs and what is still in
// memory, 64 runs at a time (more levels when there are more), and hands
// every line to a LineSink in key order. Keys compare as bytes (memcmp, as
// LC_ALL=C sort does); lines of one key keep the order they were added in.
//
// With a combiner, each run is fed, sorted, to a combiner task before it is
// kept, and what the combiner emits is sorted again: the buffer is then split,
// half for the lines added, half for the combiner's output.
//
// Run files are named "<name>.<n>.run" and removed once merged, by the
// destructor otherwise (on failure, on interrupt). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/mapreduce_task.h"
#include "tm_core/status.h"

namespace tm_core {

// Makes a combiner task writing to `out` (Job::NewCombiner, in practice).
using NewTaskFunction = std::function<Status(LineSink* out, std::unique_ptr<Task>* task)>;

class ExternalSorter {
 public:
  // The smallest budget: below it the index and a line or two would not fit.
  static constexpr uint64_t kMinMemory = 4096;
  // Runs merged at once; each reads through a buffer of memory / (kFanIn+1),
  // between 1 KiB and 1 MiB.
  static constexpr size_t kFanIn = 64;

  // `work_dir` must exist; `new_combiner` may be null (no combiner).
  ExternalSorter(std::string work_dir, std::string name, uint64_t memory,
                 NewTaskFunction new_combiner = nullptr);
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;
  ~ExternalSorter();

  // Copies `line` (no '\n') in; may spill. A line longer than the buffer
  // is a run of its own.
  Status Add(std::string_view line);

  // Sends every line added (or what the combiner made of them) to `out` in
  // key order, then removes the run files. Call once.
  Status Finish(LineSink* out);

  uint64_t lines_added() const { return lines_added_; }
  uint64_t spills() const { return spills_; }  // run files written, merge levels included

  // Implementation details (external_sort.cc), named here for its helpers.
  class Buffer;
  class Cursor;

 private:
  Status Spill(Buffer* buffer);
  Status Combine();
  Status WriteRun(Buffer* buffer, std::string* path);
  Status Merge(std::vector<std::unique_ptr<Cursor>> cursors, LineSink* out);
  std::string NewRunPath();

  std::string work_dir_, name_;
  uint64_t memory_;
  NewTaskFunction new_combiner_;
  std::unique_ptr<Buffer> added_, combined_;
  std::vector<std::string> runs_;  // in the order written: earlier lines first
  uint64_t lines_added_ = 0, spills_ = 0, next_run_ = 0;
};

// A stable hash of a key (64-bit FNV-1a): which reducer a key goes to is the
// same on every run and every machine. PartitionOf = hash % partitions.
uint64_t KeyHash(std::string_view key);
inline uint32_t PartitionOf(std::string_view key, uint32_t partitions) {
  return static_cast<uint32_t>(KeyHash(key) % partitions);
}

}  // namespace tm_core
