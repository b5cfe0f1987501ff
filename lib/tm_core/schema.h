// Schema: the dimensions a store is partitioned by, and which values of each
// get partitions of their own. The old system's telemetry_schema.json format,
// documented in tm-schema(5), so its schemas and filters work unchanged:
//
//   {"version": 1, "dimensions": [{"field_name": "reason", "allowed_values": ...}, ...]}
//
// allowed_values is "*" (anything), a list of strings, or {"min": ..., "max": ...}
// (either bound may be absent; compared as strings, so build ids and yyyymmdd
// dates order correctly). tm-partition lays out its store by a schema; the
// same file, as an input filter, selects store files for tm-mapreduce.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/status.h"

namespace tm_core {

// A record's value that its dimension does not allow is stored as this.
inline constexpr std::string_view kOtherValue = "OTHER";
// A value the record does not have, or that is empty.
inline constexpr std::string_view kUnknownValue = "UNKNOWN";
// Longest value in a path, after which it is cut.
inline constexpr size_t kMaxPathValue = 128;

struct AllowedValues {
  enum class Kind { kAny, kList, kRange };
  Kind kind = Kind::kAny;
  std::vector<std::string> list;    // kList
  std::optional<std::string> min;   // kRange: value >= min
  std::optional<std::string> max;   // kRange: value <= max

  // Whether a record's value (as the record has it) gets a partition of its own.
  bool Allows(std::string_view value) const;
  // Whether a value as a store path has it (PathValue) is selected: list
  // entries are compared in their path form, so a filter saying
  // "saved-session" selects the directory saved_session.
  bool AllowsPathValue(std::string_view path_value) const;
};

struct SchemaDimension {
  std::string field_name;  // reason, appName, appVersion, appUpdateChannel, appBuildID,
                           // submission_date, or a field of the payload's info object
  AllowedValues allowed;
};

// A value as it appears in a store path: every byte but ASCII letters, digits,
// '_' and '.' becomes '_' (as the old store had "saved_session"), a leading '.'
// becomes '_' (no ".", ".." or hidden names), an empty value is UNKNOWN, and
// the value is cut at kMaxPathValue bytes. With `in_file_name`, '.' becomes '_'
// too, since dots separate the values there. No value can name a directory
// outside the store.
std::string PathValue(std::string_view value, bool in_file_name);

class Schema {
 public:
  // Corruption names what is wrong: not JSON, no dimensions, a field_name
  // missing or given twice, allowed_values of another shape.
  static Status Parse(std::string_view json, Schema* schema);
  static Status Load(const std::string& path, Schema* schema);
  // The old system's production schema: reason, appName, appUpdateChannel,
  // appVersion, appBuildID, submission_date, each allowing anything.
  static Schema Default();

  const std::vector<SchemaDimension>& dimensions() const { return dimensions_; }

  // The store path of a partition, relative to the store's root: the first
  // n-2 values as directories, the last two in the file name, then the
  // payload version:  v1/v2/.../v[n-2]/v[n-1].v[n].v<ver>.log
  // `values` are the record's values in schema order, before OTHER and
  // PathValue, which this applies.
  std::string PartitionPath(const std::vector<std::string>& values, std::string_view version) const;

  // Whether a store file (its path relative to the root, as PartitionPath
  // made it, with any suffix after ".log") is selected by this schema used as
  // a filter. A path of another shape is not.
  bool Selects(std::string_view relative_path) const;

 private:
  std::vector<SchemaDimension> dimensions_;
};

}  // namespace tm_core
