#include "tm_core/spec.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "tm_core/text.h"

namespace tm_core {
namespace {

// Limits against hostile specs. Firefox needs n_buckets >= 3 (the linear
// layout divides by n_buckets - 2), keeps high within an int, and has never
// had a histogram near kMaxBuckets; it caps categorical labels at 100.
constexpr int kMinBuckets = 3;
constexpr int kMaxBuckets = 100000;
constexpr int64_t kMaxHigh = INT32_MAX;
constexpr size_t kMaxLabels = 100;
constexpr int kMinCategoricalValues = 50;
constexpr int kMaxDepth = 64;
constexpr size_t kMaxQuoted = 40;

// Outside these the bucket arithmetic could divide by zero, take log(0) or
// convert an out-of-range double, all undefined behaviour.
bool LayoutOk(int64_t low, int64_t high, int n_buckets) {
  return n_buckets >= kMinBuckets && n_buckets <= kMaxBuckets && low >= 1 && high > low &&
         high <= kMaxHigh;
}

// `s` quoted for a message: one line, every byte visible, cut short, so a
// hostile spec cannot flood or garble diagnostics.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  AppendEscapedLine(s.substr(0, kMaxQuoted), &out);
  out += s.size() > kMaxQuoted ? "...\"" : "\"";
  return out;
}

// A JSON value for a message: strings quoted, anything else as JSON, cut short.
std::string Show(simdjson::dom::element e) {
  std::string_view text;
  if (e.get(text) == simdjson::SUCCESS) return Quote(text);
  std::string json = simdjson::to_string(e);  // minified, so one line
  return json.size() > kMaxQuoted ? json.substr(0, kMaxQuoted) + "..." : json;
}

// Integer arithmetic as the old Python tools eval()'d it, so "/" and "%"
// round towards minus infinity, but in int64 with every overflow an error.
class Evaluator {
 public:
  explicit Evaluator(std::string_view s) : s_(s) {}

  // Null on success, else why not, to follow the quoted expression.
  const char* Run(int64_t* value) {
    if (!Shift(value)) return error_;
    SkipSpace();
    if (pos_ == s_.size()) return nullptr;
    return s_[pos_] == ')' ? "has unbalanced parentheses" : "is not a number";
  }

 private:
  bool Fail(const char* why) {
    error_ = why;
    return false;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::string_view(" \t\r\n").find(s_[pos_]) != std::string_view::npos)
      ++pos_;
  }
  // Consumes `op` (after spaces) if it is next.
  bool Take(std::string_view op) {
    SkipSpace();
    if (s_.substr(pos_, op.size()) != op) return false;
    pos_ += op.size();
    return true;
  }

  bool Shift(int64_t* v) {
    if (!Add(v)) return false;
    for (;;) {
      bool left = Take("<<");
      if (!left && !Take(">>")) return true;
      int64_t n;
      if (!Add(&n)) return false;
      if (n < 0) return Fail("shifts by a negative count");
      if (!left) {
        *v = n >= 64 ? (*v < 0 ? -1 : 0) : *v >> n;
      } else if (*v != 0 && (n >= 63 || __builtin_mul_overflow(*v, int64_t{1} << n, v))) {
        return Fail("overflows 64 bits");
      }
    }
  }

  bool Add(int64_t* v) {
    if (!Mul(v)) return false;
    for (;;) {
      bool plus = Take("+");
      if (!plus && !Take("-")) return true;
      int64_t r;
      if (!Mul(&r)) return false;
      if (plus ? __builtin_add_overflow(*v, r, v) : __builtin_sub_overflow(*v, r, v))
        return Fail("overflows 64 bits");
    }
  }

  bool Mul(int64_t* v) {
    if (!Unary(v)) return false;
    for (;;) {
      SkipSpace();
      // "<<" and ">>" belong to Shift; "*" alone here ("**" is Python power).
      char op = pos_ < s_.size() ? s_[pos_] : 0;
      if (op != '*' && op != '/' && op != '%') return true;
      if (s_.substr(pos_, 2) == "**") return Fail("is not a number");
      ++pos_;
      int64_t r;
      if (!Unary(&r)) return false;
      if (op == '*') {
        if (__builtin_mul_overflow(*v, r, v)) return Fail("overflows 64 bits");
        continue;
      }
      if (r == 0) return Fail("divides by zero");
      if (r == -1) {  // INT64_MIN / -1 overflows; INT64_MIN % -1 is undefined
        if (op == '%') *v = 0;
        else if (__builtin_sub_overflow(int64_t{0}, *v, v)) return Fail("overflows 64 bits");
        continue;
      }
      int64_t q = *v / r, m = *v % r;
      bool floor = m != 0 && ((m < 0) != (r < 0));
      *v = op == '/' ? q - floor : m + (floor ? r : 0);
    }
  }

  bool Unary(int64_t* v) {
    if (++depth_ > kMaxDepth) return Fail("nests too deeply");
    bool ok;
    if (Take("-")) {
      ok = Unary(v) &&
           (!__builtin_sub_overflow(int64_t{0}, *v, v) || Fail("overflows 64 bits"));
    } else if (Take("(")) {
      ok = Shift(v) && (Take(")") || Fail("has unbalanced parentheses"));
    } else {
      ok = Number(v);
    }
    --depth_;
    return ok;
  }

  bool Number(int64_t* v) {
    SkipSpace();
    size_t start = pos_;
    *v = 0;
    for (; pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; ++pos_) {
      if (__builtin_mul_overflow(*v, 10, v) || __builtin_add_overflow(*v, s_[pos_] - '0', v))
        return Fail("overflows 64 bits");
    }
    if (pos_ == start) return Fail("is not a number");
    // Python 2 read "010" as octal 8; refuse rather than guess.
    if (s_[start] == '0' && pos_ - start > 1) return Fail("has a leading zero");
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))
      return Fail("is not an integer");
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  const char* error_ = "is not a number";
};

// A bound as Histograms.json writes it: a JSON integer, or a string for
// EvaluateBound. Sets *problem ("high: ...") instead of returning a Status,
// as a bad bound makes one histogram unconvertible, not the spec unusable.
bool GetBound(simdjson::dom::object def, const char* field, int64_t fallback, bool required,
              int64_t* value, std::string* problem) {
  simdjson::dom::element e;
  if (def[field].get(e) != simdjson::SUCCESS) {
    if (required) *problem = std::string(field) + ": missing";
    *value = fallback;
    return !required;
  }
  std::string_view text;
  double d;
  std::string why;
  if (e.get(*value) == simdjson::SUCCESS) return true;
  if (e.get(text) == simdjson::SUCCESS) {
    Status status = EvaluateBound(text, value);
    if (status.ok()) return true;
    why = status.message();
  } else if (e.is_uint64()) {
    why = Show(e) + " overflows 64 bits";
  } else if (e.get(d) == simdjson::SUCCESS) {
    // An integral double (1000.0, 1e3) means what it says; 2.5 buckets do not.
    if (d == std::trunc(d) && std::fabs(d) < 0x1p62) {
      *value = static_cast<int64_t>(d);
      return true;
    }
    why = Show(e) + " is not an integer";
  } else {
    why = Show(e) + " is not a number";
  }
  *problem = std::string(field) + ": " + why;
  return false;
}

// True when `b` is a usable bucket list: 0 first, strictly ascending.
bool Ascending(const std::vector<int64_t>& b) {
  return !b.empty() && b[0] == 0 && std::adjacent_find(b.begin(), b.end(), [](int64_t x, int64_t y) {
                                      return x >= y;
                                    }) == b.end();
}

// The layout of one Histograms.json definition, per histogram_tools.py.
void ComputeBuckets(simdjson::dom::object def, HistogramDefinition* h) {
  const std::string& kind = h->kind;
  int64_t low = 1, high = 2, n = 3;  // boolean, flag and count
  if (kind == "enumerated") {
    if (!GetBound(def, "n_values", 0, true, &high, &h->problem)) return;
    n = high < kMaxBuckets ? high + 1 : kMaxBuckets + 1;  // no overflow; range checked below
  } else if (kind == "categorical") {
    simdjson::dom::array labels;
    if (def["labels"].get(labels) != simdjson::SUCCESS) {
      h->problem = "labels: missing or not an array";
      return;
    }
    if (labels.size() > kMaxLabels) {
      h->problem = "labels: " + std::to_string(labels.size()) + " labels, more than " +
                   std::to_string(kMaxLabels);
      return;
    }
    // Firefox takes the largest of the label count, n_values and 50, so that
    // adding labels later does not change the buckets.
    if (!GetBound(def, "n_values", 0, false, &high, &h->problem)) return;
    high = std::max({high, static_cast<int64_t>(labels.size()), int64_t{kMinCategoricalValues}});
    n = high < kMaxBuckets ? high + 1 : kMaxBuckets + 1;
  } else if (kind == "linear" || kind == "exponential") {
    if (!GetBound(def, "low", 1, false, &low, &h->problem) ||
        !GetBound(def, "high", 0, true, &high, &h->problem) ||
        !GetBound(def, "n_buckets", 0, true, &n, &h->problem))
      return;
  }
  // Firefox's runtime (chromium's Histogram::InspectConstructionArguments)
  // raises a minimum below 1 to 1, so pings were bucketed that way; the
  // Python layout would have given a linear low of 0 two 0 buckets.
  low = std::max(low, int64_t{1});
  if (n < kMinBuckets || n > kMaxBuckets) {
    bool by_values = kind == "enumerated" || kind == "categorical";
    h->problem = (by_values ? "n_values: " : "n_buckets: ") + std::to_string(by_values ? high : n) +
                 " is not between " + std::to_string(kMinBuckets - by_values) + " and " +
                 std::to_string(kMaxBuckets - by_values);
  } else if (high <= low || high > kMaxHigh) {
    h->problem = "high: " + std::to_string(high) + " is not between low (" + std::to_string(low) +
                 ") and " + std::to_string(kMaxHigh);
  }
  if (!h->problem.empty()) return;
  h->buckets = kind == "exponential" ? ExponentialBuckets(low, high, static_cast<int>(n))
                                     : LinearBuckets(low, high, static_cast<int>(n));
  if (!Ascending(h->buckets)) {  // a linear layout with more buckets than values
    h->buckets.clear();
    h->problem = std::to_string(n) + " buckets do not fit between " + std::to_string(low) +
                 " and " + std::to_string(high);
  }
}

// The old histogram server's precomputed buckets, taken as given once checked.
// Its "min" and "max" are only buckets[1] and the last bucket again.
void TakeBuckets(simdjson::dom::object def, HistogramDefinition* h) {
  simdjson::dom::array buckets;
  int64_t count;
  if (def["buckets"].get(buckets) != simdjson::SUCCESS) {
    h->problem = "buckets: missing or not an array";
  } else if (def["bucket_count"].get(count) != simdjson::SUCCESS ||
             count != static_cast<int64_t>(buckets.size())) {
    h->problem = "bucket_count: missing or not the number of buckets";
  } else if (count < kMinBuckets || count > kMaxBuckets) {
    h->problem = "bucket_count: " + std::to_string(count) + " is not between " +
                 std::to_string(kMinBuckets) + " and " + std::to_string(kMaxBuckets);
  } else {
    for (simdjson::dom::element e : buckets) {
      int64_t b;
      if (e.get(b) != simdjson::SUCCESS) {
        h->problem = "buckets: " + Show(e) + " is not an integer";
        break;
      }
      h->buckets.push_back(b);
    }
    if (h->problem.empty() && !Ascending(h->buckets)) {
      h->problem = "buckets: not ascending from 0";
    }
  }
  if (!h->problem.empty()) h->buckets.clear();
}

// "true"/"false" strings are old definitions that the server accepted
// (Firefox bug 1271986).
void GetKeyed(simdjson::dom::object def, HistogramDefinition* h) {
  simdjson::dom::element e;
  if (def["keyed"].get(e) != simdjson::SUCCESS) return;
  std::string_view text;
  if (e.get(h->keyed) == simdjson::SUCCESS) return;
  if (e.get(text) == simdjson::SUCCESS && (text == "true" || text == "false")) {
    h->keyed = text == "true";
  } else if (h->problem.empty()) {
    h->problem = "keyed: " + Show(e) + " is not a boolean";
    h->buckets.clear();
  }
}

constexpr std::string_view kKinds[] = {"exponential", "linear",  "boolean",    "flag",
                                       "enumerated",  "count",   "categorical"};
// The cache's kind codes, as the old histogram server wrote them; "1" stood
// for both linear and enumerated.
constexpr std::string_view kCacheKinds[] = {"exponential", "linear", "boolean", "flag", "count"};

Status ParseHistogram(std::string_view name, simdjson::dom::element value, bool cache_form,
                      HistogramDefinition* h) {
  auto fail = [&](const std::string& why) {
    return Status::Corruption("histogram " + Quote(name) + ": " + why);
  };
  simdjson::dom::object def;
  if (value.get(def) != simdjson::SUCCESS) return fail("definition is not an object");
  simdjson::dom::element kind;
  if (def["kind"].get(kind) != simdjson::SUCCESS) return fail("no kind");
  std::string_view text;
  int64_t code = -1;
  if (kind.get(text) == simdjson::SUCCESS) {
    if (cache_form && text.size() == 1 && text[0] >= '0' && text[0] <= '4') code = text[0] - '0';
  } else if (!cache_form || kind.get(code) != simdjson::SUCCESS) {
    return fail("kind " + Show(kind) + " is not a string");
  }
  if (cache_form) {
    if (code < 0 || code > 4) return fail("unknown kind " + Show(kind));
    h->kind = kCacheKinds[code];
    TakeBuckets(def, h);
  } else {
    if (std::find(std::begin(kKinds), std::end(kKinds), text) == std::end(kKinds))
      return fail("unknown kind " + Quote(text));
    h->kind = text;
    ComputeBuckets(def, h);
  }
  GetKeyed(def, h);
  return Status::Ok();
}

}  // namespace

int HistogramDefinition::BucketIndex(int64_t lower_bound) const {
  auto it = std::lower_bound(buckets.begin(), buckets.end(), lower_bound);
  return it != buckets.end() && *it == lower_bound ? static_cast<int>(it - buckets.begin()) : -1;
}

Status Spec::Parse(std::string_view json, Spec* spec) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error != simdjson::SUCCESS) {
    switch (error) {
      case simdjson::EMPTY: return Status::Corruption("spec is empty");
      case simdjson::UTF8_ERROR: return Status::Corruption("spec is not valid UTF-8");
      case simdjson::DEPTH_ERROR: return Status::Corruption("spec nests too deeply");
      case simdjson::CAPACITY:
      case simdjson::MEMALLOC: return Status::Corruption("spec is too large");
      default: return Status::Corruption("spec is not valid JSON");
    }
  }
  simdjson::dom::object top;
  if (root.get(top) != simdjson::SUCCESS) return Status::Corruption("spec is not a JSON object");

  // A Histograms.json histogram named "histograms" would have a kind.
  simdjson::dom::object cache;
  bool cache_form = top["histograms"].get(cache) == simdjson::SUCCESS &&
                    cache["kind"].error() == simdjson::NO_SUCH_FIELD;
  Spec parsed;
  for (auto [name, value] : cache_form ? cache : top) {
    HistogramDefinition h;
    if (Status s = ParseHistogram(name, value, cache_form, &h); !s.ok()) return s;
    parsed.histograms_[std::string(name)] = std::move(h);  // the last duplicate wins, as in Python
  }
  *spec = std::move(parsed);
  return Status::Ok();
}

const HistogramDefinition* Spec::Find(std::string_view name) const {
  auto it = histograms_.find(name);
  // Firefox reports a startup copy of some histograms as STARTUP_<name>.
  constexpr std::string_view kStartup = "STARTUP_";
  if (it == histograms_.end() && name.substr(0, kStartup.size()) == kStartup)
    it = histograms_.find(name.substr(kStartup.size()));
  return it == histograms_.end() ? nullptr : &it->second;
}

Status EvaluateBound(std::string_view expression, int64_t* value) {
  int64_t v;
  if (const char* why = Evaluator(expression).Run(&v))
    return Status::InvalidArgument(Quote(expression) + " " + why);
  *value = v;
  return Status::Ok();
}

std::vector<int64_t> ExponentialBuckets(int64_t low, int64_t high, int n_buckets) {
  if (!LayoutOk(low, high, n_buckets)) return {};
  std::vector<int64_t> ret(n_buckets, 0);
  int64_t current = low;
  ret[1] = current;
  const double log_max = std::log(static_cast<double>(high));
  for (int i = 2; i < n_buckets; ++i) {
    double log_current = std::log(static_cast<double>(current));
    double log_ratio = (log_max - log_current) / (n_buckets - i);
    auto next = static_cast<int64_t>(std::floor(std::exp(log_current + log_ratio) + 0.5));
    current = next > current ? next : current + 1;
    ret[i] = current;
  }
  return ret;
}

std::vector<int64_t> LinearBuckets(int64_t low, int64_t high, int n_buckets) {
  if (!LayoutOk(low, high, n_buckets)) return {};
  std::vector<int64_t> ret(n_buckets, 0);
  const double dlow = static_cast<double>(low), dhigh = static_cast<double>(high);
  for (int i = 1; i < n_buckets; ++i) {
    double range = (dlow * (n_buckets - 1 - i) + dhigh * (i - 1)) / (n_buckets - 2);
    ret[i] = static_cast<int64_t>(range + 0.5);
  }
  return ret;
}

}  // namespace tm_core
