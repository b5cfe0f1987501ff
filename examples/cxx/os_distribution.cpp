// OS distribution as a compiled job: "OS<TAB>count" per info.OS (UNKNOWN when
// missing or not a string), as the streaming os-distribution example.
//   tm-mapreduce --job examples/cxx/os_distribution.cpp --data-dir store
#include <tm/job.h>

struct OsDistribution : tmjob::SumValues {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    // doc(), not json(): only the values on the way to info.OS are parsed.
    std::string_view os;
    if (ctx.doc()["info"]["OS"].get(os) != simdjson::SUCCESS) os = "UNKNOWN";
    ctx.emit(os, "1");
  }
};

TM_JOB(OsDistribution)
