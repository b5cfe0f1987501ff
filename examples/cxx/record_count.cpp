// Record count as a compiled job: tm-mapreduce --job examples/cxx/record_count.cpp
// Output: "records<TAB>N", as the streaming record-count example.
#include <tm/job.h>

#include <charconv>
#include <cstdint>

struct RecordCount {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    ctx.emit("records", "1");
  }
  // Sums the values: the combiner's partial sums and the mappers' ones alike.
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

TM_JOB(RecordCount)
