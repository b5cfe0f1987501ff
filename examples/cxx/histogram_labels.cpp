// Histogram buckets labelled with their lower bounds, from the Histograms.json
// of each record's revision (ctx.histogram; --spec-url says where it is
// fetched). For each converted histogram of a record (an array of bucket
// counts followed by its statistics, as tm-convert(1) stores it), one line
//   NAME/LOWER_BOUND<TAB>count
// per non-empty bucket, summed over all records. A histogram whose definition
// cannot be had is counted as "unlabelled/NAME<TAB>records".
//   tm-mapreduce --job examples/cxx/histogram_labels.cpp --data-dir store
#include <tm/job.h>

#include <cstdint>

struct HistogramLabels : tmjob::SumValues {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    simdjson::dom::object histograms;
    if (ctx.json()["histograms"].get(histograms) != simdjson::SUCCESS) return;
    for (auto [name, value] : histograms) {
      simdjson::dom::array counts;
      if (value.get(counts) != simdjson::SUCCESS) continue;  // unconverted: an object
      auto def = ctx.histogram(name);
      if (!def || counts.size() < def->buckets.size()) {
        ctx.emit("unlabelled/" + std::string(name), "1");
        continue;
      }
      size_t i = 0;
      for (simdjson::dom::element count : counts) {
        if (i == def->buckets.size()) break;  // the statistics follow the buckets
        int64_t n = 0;
        if (count.get(n) == simdjson::SUCCESS && n != 0)
          ctx.emit(std::string(name) + "/" + std::to_string(def->buckets[i]), std::to_string(n));
        i++;
      }
    }
  }
};

TM_JOB(HistogramLabels)
