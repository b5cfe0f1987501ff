// A map-only compiled job (no reduce): "uuid<TAB>memsize" of the Linux
// records, as the streaming linux-memsize example (which writes an empty
// memsize when there is none; this one skips such records).
//   tm-mapreduce --job examples/cxx/linux_memsize.cpp --data-dir store
#include <tm/job.h>

#include <cstdint>

struct LinuxMemsize {
  void map(std::string_view uuid, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    simdjson::ondemand::object info;
    std::string_view os;
    int64_t memsize = 0;
    if (ctx.doc()["info"].get(info) != simdjson::SUCCESS) return;
    if (info["OS"].get(os) != simdjson::SUCCESS || os != "Linux") return;
    if (info["memsize"].get(memsize) != simdjson::SUCCESS) return;
    ctx.emit(uuid, std::to_string(memsize));
  }
};

TM_JOB(LinuxMemsize)
