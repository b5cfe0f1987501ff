// Record count as a compiled job: tm-mapreduce --job examples/cxx/record_count.cpp
// Output: "records<TAB>N", as the streaming record-count example.
#include <tm/job.h>

struct RecordCount : tmjob::SumValues {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    ctx.emit("records", "1");
  }
};

TM_JOB(RecordCount)
