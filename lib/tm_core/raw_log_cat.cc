#include "tm_core/raw_log_cat.h"

#include <cerrno>

#include "tm_core/text.h"

namespace tm_core {
namespace {

class WarnReporter : public RawLogReader::Reporter {
 public:
  explicit WarnReporter(Diagnostics& diag) : diag_(diag) {}
  void Skipped(const Position& where, uint64_t bytes, std::string_view why) override {
    diag_.Warn(where.file, "byte " + std::to_string(where.offset) + ": skipped " +
                               std::to_string(bytes) + (bytes == 1 ? " byte: " : " bytes: ") +
                               std::string(why));
  }

 private:
  Diagnostics& diag_;
};

}  // namespace

void RawLogCat(const RawLogCatOptions& options, std::FILE* out, Diagnostics& diag) {
  WarnReporter reporter(diag);
  std::string line;
  std::string inflated;
  for (const std::string& input : options.inputs) {
    Status status;
    auto source = OpenFileSource(input, &status);
    if (!source) {
      diag.Fail(input, status);
      continue;
    }
    RawLogReader::Options reader_options;
    reader_options.version = options.version;
    RawLogReader reader(std::move(source), input, &reporter, reader_options);
    RawRecord record;
    while (reader.Next(&record)) {
      line = FormatTimeMs(record.time_ms);
      line += '\t';
      AppendEscapedLine(record.path, &line);
      line += '\t';
      if (record.client_ip.empty()) {
        line += '-';
      } else {
        AppendEscapedLine(record.client_ip, &line);
      }
      line += '\t';
      line += std::to_string(record.body.size());
      if (options.body) {
        line += '\t';
        std::string_view body = record.body;
        if (IsGzip(body)) {
          Status s = InflateGzip(body, options.max_inflated_size, &inflated);
          if (s.ok()) {
            body = inflated;
          } else {
            diag.Warn(input, "record " + std::to_string(reader.records()) + ": " +
                                 s.message() + " (shown as stored)");
          }
        }
        AppendEscapedLine(body, &line);
      }
      line += '\n';
      if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
        diag.Fail("standard output", Status::IoError("", errno));
        return;
      }
    }
    if (!reader.status().ok()) diag.Fail(input, reader.status());
  }
}

}  // namespace tm_core
