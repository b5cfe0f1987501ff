// OS distribution as a compiled job: "OS<TAB>count" per info.OS (UNKNOWN when
// missing or not a string), as the streaming os-distribution example.
//   tm-mapreduce --job examples/cxx/os_distribution.cpp --data-dir store
#include <tm/job.h>

#include <charconv>
#include <cstdint>

struct OsDistribution {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    std::string_view os;
    if (ctx.json()["info"]["OS"].get(os) != simdjson::SUCCESS) os = "UNKNOWN";
    ctx.emit(os, "1");
  }
  void reduce(std::string_view key, const tmjob::Values& values, tmjob::Context& ctx) {
    int64_t sum = 0;
    for (std::string_view v : values) {
      int64_t n = 0;
      std::from_chars(v.data(), v.data() + v.size(), n);
      sum += n;
    }
    ctx.emit(key, std::to_string(sum));
  }
  void combine(std::string_view key, const tmjob::Values& values, tmjob::Context& ctx) {
    reduce(key, values, ctx);
  }
};

TM_JOB(OsDistribution)
