// bench/mapreduce.sh's reduce over many distinct keys: each record emits
// TM_BENCH_KEYS_PER_RECORD keys (<uuid>/<i>) with the value 1; the reduce
// counts each, so the output has one line per distinct key.
#include <tm/job.h>

#include <cstdlib>
#include <string>

struct DistinctKeys {
  long per_record = [] {
    const char* n = std::getenv("TM_BENCH_KEYS_PER_RECORD");
    return n ? std::atol(n) : 1;
  }();
  std::string key;
  void map(std::string_view uuid, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    for (long i = 0; i < per_record; ++i) {
      key.assign(uuid);
      key += '/';
      key += std::to_string(i);
      ctx.emit(key, "1");
    }
  }
  void reduce(std::string_view key, const tmjob::Values& values, tmjob::Context& ctx) {
    ctx.emit(key, std::to_string(values.size()));
  }
};

TM_JOB(DistinctKeys)
