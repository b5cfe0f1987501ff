// Spec: one revision of Histograms.json, the histogram definitions a ping's
// histograms are checked against and converted with.
//
// Two inputs are accepted, both as the old system read them:
//   * Histograms.json as it stands in the Firefox tree: an object of
//     name -> {"kind": ..., "low", "high", "n_buckets", "n_values", "keyed", ...};
//   * the old histogram server's cache: {"histograms": {name -> {"kind": "0".."4",
//     "min", "max", "bucket_count", "buckets": [...]}}}, buckets precomputed.
// Bucket lower bounds are computed as Firefox computes them (histogram_tools.py).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tm_core/status.h"

namespace tm_core {

struct HistogramDefinition {
  std::string kind;    // "exponential", "linear", "boolean", "flag", "enumerated", "count", "categorical"
  bool keyed = false;  // values are {key -> histogram}, each converted alone
  // The lower bound of each bucket, ascending; buckets[0] is 0 (the underflow
  // bucket). Empty when the bounds cannot be computed; `problem` says why.
  std::vector<int64_t> buckets;
  std::string problem;  // e.g. `high: "JS::gcreason::NUM_TELEMETRY_REASONS" is not a number`

  bool convertible() const { return problem.empty(); }
  // The index of the bucket whose lower bound is `lower_bound`, or -1.
  int BucketIndex(int64_t lower_bound) const;
};

class Spec {
 public:
  // Parses either input form. A histogram whose bounds cannot be evaluated
  // stays in the spec, unconvertible; a spec that is not JSON, not an object,
  // or has a histogram without a kind or with an unknown kind is Corruption,
  // with the histogram's name in the message.
  static Status Parse(std::string_view json, Spec* spec);

  // The definition `name` checks against: the name itself, or for
  // "STARTUP_<name>" the unprefixed definition. Null when there is none.
  const HistogramDefinition* Find(std::string_view name) const;

  size_t size() const { return histograms_.size(); }

 private:
  // Looked up by string_view: a lookup per histogram of every ping must not allocate.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>()(name); }
  };
  std::unordered_map<std::string, HistogramDefinition, NameHash, std::equal_to<>> histograms_;
};

// Evaluates a bound as Histograms.json writes them: a JSON number, or a string
// holding integer arithmetic ("10 * 1000", "60 * 60 * 24", "(1 << 16) + 1").
// Integers, + - * / %, <<, >>, unary minus and parentheses; nothing else, no
// names (so a C++ constant is an error, not a guess). Overflow and division by
// zero are errors. InvalidArgument with the reason.
Status EvaluateBound(std::string_view expression, int64_t* value);

// Firefox's bucket layouts. Each returns n_buckets lower bounds, the first 0,
// or nothing for arguments outside what Spec::Parse accepts: 3 <= n_buckets <=
// 100000 and 1 <= low < high <= INT32_MAX (Parse raises a low below 1 to 1,
// as Firefox does).
std::vector<int64_t> ExponentialBuckets(int64_t low, int64_t high, int n_buckets);
std::vector<int64_t> LinearBuckets(int64_t low, int64_t high, int n_buckets);

}  // namespace tm_core
