// tm/job.h: the C++ API of compiled tm-mapreduce jobs (tm-mapreduce(1), --job).
// Header-only; a job includes it, defines a class and names it in TM_JOB:
//
//   #include <tm/job.h>
//   struct OsCount {
//     void map(std::string_view uuid, const tmjob::Dims& dims, std::string_view json,
//              tmjob::Context& ctx) {
//       std::string_view os = "UNKNOWN";
//       (void)ctx.doc()["info"]["OS"].get(os);
//       ctx.emit(os, "1");
//     }
//     void reduce(std::string_view key, const tmjob::Values& values, tmjob::Context& ctx);
//     // optional: void combine(key, values, ctx), with reduce's signature
//   };
//   TM_JOB(OsCount)
//
// tm-mapreduce makes one instance of the class per task (per mapper,
// combiner run and reducer) with its default constructor, and calls it from
// one thread only: members need no locking. The calls:
//   map:     once per record; `uuid` is the record's id, `dims` its dimension
//            values (in the store's schema order), `json` its payload.
//   combine: once per key of a sorted run of map output, with all its values.
//   reduce:  once per key of the reducer's partition, keys in sorted order,
//            with all the values of the key (held in memory together).
// ctx.emit(key, value) writes one output line "key<TAB>value" (the key alone
// when value is empty). ctx.doc() is the record's payload as a simdjson On
// Demand document: the fast way to read a few fields, since only the values
// read are parsed. ctx.json() is the same payload as a DOM tree, for a job
// that walks much of it; ctx.histogram(name) the definition (bucket lower bounds) of a histogram in
// the Histograms.json of the record's revision (tm-mapreduce --spec-url). Keys must hold neither
// tab nor newline, values no newline. Views passed to a call are valid during that call only. A job
// without reduce is map-only; combine is used only with reduce. An exception escaping a call fails
// the job with its what() as the message; so does ctx.fail(message).
//
// The binary interface below the C++ API is C-like and versioned
// (TM_JOB_ABI_VERSION): tm-mapreduce dlopen()s the shared object, calls
// tm_job_entry_v1() and checks abi_version and the struct size; nothing of
// tm-mapreduce's own classes crosses it. The JSON views (Context::doc and
// Context::json) are simdjson's, built inside the job's own object: link it
// with -lsimdjson (tm-mapreduce does when it compiles a .cpp itself).
#pragma once

#include <stddef.h>
#include <stdint.h>

// ---- The binary interface (C) -------------------------------------------
extern "C" {

#define TM_JOB_ABI_VERSION 1
// The host reserves this many readable bytes after map()'s json, so that
// the job can parse it in place (simdjson reads past the end of a document).
#define TM_JOB_JSON_PADDING 64

// A byte string, not NUL-terminated.
typedef struct tm_job_str {
  const char* data;
  size_t size;
} tm_job_str;

// How a job writes output: emit() returns 0, or non-zero when the host's
// output failed (the job should stop; its call's result is ignored then).
typedef struct tm_job_emitter {
  void* host;
  int (*emit)(void* host, tm_job_str key, tm_job_str value);
} tm_job_emitter;

// A histogram's definition, as the host found it (tm_job_host.histogram).
// The pointers stay valid until the job's current call returns.
typedef struct tm_job_histogram {
  tm_job_str kind;  // "exponential", "linear", "boolean", "flag", "enumerated", ...
  int keyed;
  const int64_t* buckets;  // lower bounds, ascending, buckets[0] == 0
  size_t num_buckets;
} tm_job_histogram;

// What the host offers a job instance, given to create(); valid as long as
// the instance.
typedef struct tm_job_host {
  void* data;
  // Histogram `name` of the Histograms.json of `revision_url` (a ping's
  // info.revision): 0 and *out filled, or non-zero and *error set to why
  // (no such revision, no such histogram, bounds not computable).
  int (*histogram)(void* data, tm_job_str revision_url, tm_job_str name, tm_job_histogram* out,
                   tm_job_str* error);
} tm_job_host;

// The roles of a task, for create().
enum { TM_JOB_MAPPER = 0, TM_JOB_COMBINER = 1, TM_JOB_REDUCER = 2 };

// What tm_job_entry_v1() returns: static data, valid while the object is
// loaded. Each call returns 0 on success; on failure, non-zero, and
// last_error() tells why (valid until the next call on the instance).
typedef struct tm_job_api {
  uint32_t abi_version;  // TM_JOB_ABI_VERSION
  uint32_t struct_size;  // sizeof(tm_job_api)
  int has_combine;
  int has_reduce;
  void* (*create)(int role, const tm_job_host* host);  // NULL on failure
  void (*destroy)(void* self);
  const char* (*last_error)(void* self);
  // json.data[json.size] up to json.data[json.size + TM_JOB_JSON_PADDING - 1]
  // are readable (their values are unspecified).
  int (*map)(void* self, tm_job_str uuid, const tm_job_str* dims, size_t num_dims, tm_job_str json,
             const tm_job_emitter* out);
  // combine and reduce: one key and all its values.
  int (*combine)(void* self, tm_job_str key, const tm_job_str* values, size_t num_values,
                 const tm_job_emitter* out);
  int (*reduce)(void* self, tm_job_str key, const tm_job_str* values, size_t num_values,
                const tm_job_emitter* out);
} tm_job_api;

typedef const tm_job_api* (*tm_job_entry_fn)(void);
#define TM_JOB_ENTRY_SYMBOL "tm_job_entry_v1"

}  // extern "C"

// ---- The C++ API -------------------------------------------------------
#include <simdjson.h>

#include <charconv>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

static_assert(simdjson::SIMDJSON_PADDING <= TM_JOB_JSON_PADDING,
              "this simdjson reads further past a document than the host reserves");

// Not `namespace tm`: that clashes with C's struct tm.
namespace tmjob {

using Dims = std::span<const std::string_view>;    // a record's dimension values
using Values = std::span<const std::string_view>;  // all the values of one key

// A histogram's definition in Histograms.json; views valid during the call.
struct Histogram {
  std::string_view kind;             // "exponential", "linear", "boolean", ...
  bool keyed = false;                // values are {key: histogram}
  std::span<const int64_t> buckets;  // lower bounds of the buckets, buckets[0] == 0
};

// Given to each call: output, and the record's JSON parsed on demand.
class Context {
 public:
  // Writes "key<TAB>value" (or the key alone when value is empty).
  void emit(std::string_view key, std::string_view value) {
    if (failed_) return;
    if (out_->emit(out_->host, {key.data(), key.size()}, {value.data(), value.size()}) != 0)
      output_failed_ = failed_ = true;
  }
  void emit(std::string_view key, long long value) { emit(key, std::to_string(value)); }

  // The current record's payload as an On Demand document (map only),
  // parsed in place as its values are read: reading info.OS of a 40 KB ping
  // skips the rest of it. simdjson's On Demand rules hold: read each value at
  // most once, and a value taken from the document is invalid once the
  // document is read further; an object's fields may be looked up in any
  // order. Each call starts over with a fresh parse (simdjson 3.0's rewind()
  // is not safe after an error), so call it once per map() and keep the
  // reference. Valid during the map() call. A payload that is not JSON: a
  // result whose error() says why, at the latest at the first value read.
  simdjson::simdjson_result<simdjson::ondemand::document>& doc() {
    document_ = ondemand_.iterate(payload_.data(), payload_.size(),
                                  payload_.size() + TM_JOB_JSON_PADDING);
    return document_;
  }

  // The current record's payload parsed as a DOM tree (map only): parsed at
  // the first call in each map() call, then reused. Valid during the map()
  // call. A payload that is not JSON: an element whose error() says why.
  simdjson::simdjson_result<simdjson::dom::element> json() {
    if (!parsed_) {
      doc_ = parser_.parse(payload_.data(), payload_.size(), false);
      parsed_ = true;
    }
    return doc_;
  }

  // The definition of histogram `name` in the Histograms.json of the current
  // record's revision (its info.revision; map only), fetched and cached by
  // tm-mapreduce (--spec-url). Nothing when it cannot be had: *why (if given)
  // says why. A "STARTUP_" name finds the unprefixed definition. Reads
  // info.revision through json(), so it costs a DOM tree of the record.
  std::optional<Histogram> histogram(std::string_view name, std::string* why = nullptr) {
    std::string_view revision;
    if (json()["info"]["revision"].get(revision) != simdjson::SUCCESS) {
      if (why) *why = "no info.revision in the record";
      return std::nullopt;
    }
    return histogram(revision, name, why);
  }
  // The same for a revision URL of your choice.
  std::optional<Histogram> histogram(std::string_view revision_url, std::string_view name,
                                     std::string* why = nullptr) {
    tm_job_histogram h{};
    tm_job_str error{};
    if (host_ == nullptr || host_->histogram == nullptr) {
      if (why) *why = "the host offers no histogram definitions";
      return std::nullopt;
    }
    if (host_->histogram(host_->data, {revision_url.data(), revision_url.size()},
                         {name.data(), name.size()}, &h, &error) != 0) {
      if (why) why->assign(error.data, error.size);
      return std::nullopt;
    }
    return Histogram{{h.kind.data, h.kind.size}, h.keyed != 0, {h.buckets, h.num_buckets}};
  }

  // Fails the job with `message` once the current call returns.
  void fail(std::string_view message) {
    failed_ = true;
    error_ = message;
  }

  // ---- Used by TM_JOB's glue, not by jobs. ----
  explicit Context(const tm_job_host* host) : host_(host) {}
  void Begin(const tm_job_emitter* out, std::string_view payload) {
    out_ = out;
    payload_ = payload;
    parsed_ = false;
  }
  bool failed() const { return failed_; }
  bool output_failed() const { return output_failed_; }
  std::string& error() { return error_; }

 private:
  const tm_job_host* host_;
  const tm_job_emitter* out_ = nullptr;
  std::string_view payload_;
  bool parsed_ = false;
  bool failed_ = false;
  bool output_failed_ = false;
  std::string error_;
  simdjson::dom::parser parser_;
  simdjson::simdjson_result<simdjson::dom::element> doc_;
  simdjson::ondemand::parser ondemand_;
  simdjson::simdjson_result<simdjson::ondemand::document> document_;
};

// The sum of values written as integers, such as counts and their partial
// sums; a value that is not an integer adds nothing.
inline int64_t sum(const Values& values) {
  int64_t total = 0;
  for (std::string_view v : values) {
    int64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    total += n;
  }
  return total;
}

// A base for jobs whose values are counts: reduce, and combine alike, emit
// "key<TAB>sum". A job derives from it and writes only map().
struct SumValues {
  void reduce(std::string_view key, const Values& values, Context& ctx) {
    ctx.emit(key, static_cast<long long>(sum(values)));
  }
  void combine(std::string_view key, const Values& values, Context& ctx) {
    reduce(key, values, ctx);
  }
};

namespace detail {

template <class J>
concept HasReduce = requires(J& j, std::string_view k, const Values& v, Context& c) {
  j.reduce(k, v, c);
};
template <class J>
concept HasCombine = requires(J& j, std::string_view k, const Values& v, Context& c) {
  j.combine(k, v, c);
};

template <class J>
struct Instance {
  explicit Instance(const tm_job_host* host) : ctx(host) {}
  J job;
  Context ctx;
  std::vector<std::string_view> views;
};

inline std::string_view View(tm_job_str s) { return {s.data, s.size}; }

// Runs `call` on the instance, turning exceptions and ctx.fail() into a
// non-zero result and a message.
template <class J, class F>
int Guard(Instance<J>* in, const tm_job_emitter* out, std::string_view payload, F&& call) {
  in->ctx.Begin(out, payload);
  try {
    call();
  } catch (const std::exception& e) {
    in->ctx.fail(e.what());
  } catch (...) {
    in->ctx.fail("unknown exception");
  }
  if (in->ctx.output_failed()) in->ctx.error() = "output failed";
  return in->ctx.failed() ? 1 : 0;
}

template <class J>
int Grouped(void* self, tm_job_str key, const tm_job_str* values, size_t n,
            const tm_job_emitter* out, bool combine) {
  auto* in = static_cast<Instance<J>*>(self);
  in->views.clear();
  for (size_t i = 0; i < n; i++) in->views.push_back(View(values[i]));
  return Guard(in, out, {}, [&] {
    Values v(in->views.data(), in->views.size());
    if constexpr (HasCombine<J>) {
      if (combine) return in->job.combine(View(key), v, in->ctx);
    }
    if constexpr (HasReduce<J>) in->job.reduce(View(key), v, in->ctx);
  });
}

template <class J>
const tm_job_api* Api() {
  static const tm_job_api api = {
      TM_JOB_ABI_VERSION,
      sizeof(tm_job_api),
      HasCombine<J> && HasReduce<J>,
      HasReduce<J>,
      [](int, const tm_job_host* host) -> void* {
        try {
          return new Instance<J>(host);
        } catch (...) {
          return nullptr;
        }
      },
      [](void* self) { delete static_cast<Instance<J>*>(self); },
      [](void* self) { return static_cast<Instance<J>*>(self)->ctx.error().c_str(); },
      [](void* self, tm_job_str uuid, const tm_job_str* dims, size_t num_dims, tm_job_str json,
         const tm_job_emitter* out) {
        auto* in = static_cast<Instance<J>*>(self);
        in->views.clear();
        for (size_t i = 0; i < num_dims; i++) in->views.push_back(View(dims[i]));
        return Guard(in, out, View(json), [&] {
          in->job.map(View(uuid), Dims(in->views.data(), in->views.size()), View(json), in->ctx);
        });
      },
      [](void* self, tm_job_str key, const tm_job_str* values, size_t n,
         const tm_job_emitter* out) { return Grouped<J>(self, key, values, n, out, true); },
      [](void* self, tm_job_str key, const tm_job_str* values, size_t n,
         const tm_job_emitter* out) { return Grouped<J>(self, key, values, n, out, false); },
  };
  return &api;
}

}  // namespace detail
}  // namespace tmjob

// Exports job class J as this shared object's job (once per object).
#define TM_JOB(J)                                                                             \
  extern "C" __attribute__((visibility("default"))) const tm_job_api* tm_job_entry_v1(void) { \
    return ::tmjob::detail::Api<J>();                                                         \
  }
