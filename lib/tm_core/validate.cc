#include "tm_core/validate.h"

#include <array>
#include <cerrno>
#include <map>

#include "tm_core/cli.h"
#include "tm_core/interrupt.h"
#include "tm_core/output_file.h"
#include "tm_core/ping.h"
#include "tm_core/raw_log.h"
#include "tm_core/record.h"
#include "tm_core/revision_map.h"
#include "tm_core/text.h"

namespace tm_core {
namespace {

// Hostile input could name millions of different histograms; past this many
// names the rest are counted together.
constexpr size_t kMaxNamesCounted = 10'000;
constexpr std::string_view kOtherNames = "(other names)";

void CountName(std::map<std::string, uint64_t, std::less<>>* counts, std::string_view name) {
  auto it = counts->find(name);
  if (it != counts->end()) {
    ++it->second;
  } else if (counts->size() < kMaxNamesCounted) {
    counts->emplace(name, 1);
  } else {
    ++(*counts)[std::string(kOtherNames)];
  }
}

// %XX decoding as the old server's urllib.unquote did: a malformed escape is
// kept as it is.
std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex(s[i + 1])) >= 0 && (lo = hex(s[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A path segment becomes a column only if it is text: UTF-8, no control bytes.
bool PlainText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    size_t n = c < 0x80 ? 1 : Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// The URL path after /submit/telemetry/: "<docId>" or
// "<docId>/<reason>/<appName>/<appVersion>/<appUpdateChannel>/<appBuildID>".
bool SplitPath(std::string_view path, Record* record, std::string* why) {
  std::vector<std::string> segments;
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    segments.push_back(PercentDecode(path.substr(start, slash - start)));
    if (slash == std::string_view::npos || segments.size() > 6) break;
    start = slash + 1;
  }
  if (segments.size() != 1 && segments.size() != 6) {
    *why = "expected <docId> or 6 segments <docId>/<reason>/<appName>/<appVersion>/"
           "<appUpdateChannel>/<appBuildID>";
    return false;
  }
  if (segments[0].empty()) {
    *why = "empty document id";
    return false;
  }
  for (const std::string& s : segments) {
    if (!PlainText(s)) {
      *why = "control bytes or invalid UTF-8 in a segment";
      return false;
    }
  }
  record->doc_id = segments[0];
  if (segments.size() == 6) {
    record->dimensions = {segments[1], segments[2], segments[3], segments[4], segments[5]};
  } else {
    record->dimensions = {};
  }
  return true;
}

class Job : public RawLogReader::Reporter, public RecordReader::Reporter {
 public:
  Job(const ValidateOptions& options, Diagnostics& diag)
      : options_(options), diag_(diag), specs_(options.specs) {}

  void Run() {
    if (!options_.revision_map.empty()) {
      Status s = RevisionMap::Load(options_.revision_map, &revision_map_);
      if (!s.ok()) return diag_.Fail("--revision-map", s);
    }
    checker_ = std::make_unique<PingChecker>(&specs_, options_.revision_map.empty() ? nullptr : &revision_map_);
    if (Status s = output_.Open(options_.output); !s.ok()) return diag_.Fail(s);
    if (!options_.rejects.empty()) {
      if (Status s = rejects_.Open(options_.rejects); !s.ok()) return diag_.Fail(s);
    }
    for (const std::string& input : options_.inputs) {
      ReadInput(input);
      if (stopped()) break;
    }
    if (Interrupted()) return;  // the outputs' destructors remove the partial files
    if (!write_failed_) {
      if (Status s = output_.Commit(); !s.ok()) diag_.Fail(s);
      if (rejects_.is_open()) {
        if (Status s = rejects_.Commit(); !s.ok()) diag_.Fail(s);
      }
    }
    WriteStats();
    if (!options_.quiet) Summarize();
    if (options_.max_rejects >= 0 && rejected() > static_cast<uint64_t>(options_.max_rejects))
      diag_.Fail(Status::InvalidArgument(std::to_string(rejected()) + " records rejected, more than --max-rejects " +
                                         std::to_string(options_.max_rejects)));
  }

  // RawLogReader::Reporter: damaged framing in a raw log.
  void Skipped(const Position& where, uint64_t bytes, std::string_view why) override {
    skipped_bytes_ += bytes;
    Record record;
    Reject(Reject::kCorruptedData,
           "byte " + std::to_string(where.offset) + ": skipped " + std::to_string(bytes) +
               (bytes == 1 ? " byte: " : " bytes: ") + std::string(why),
           record, where);
  }

  // RecordReader::Reporter: a line that is not a record.
  void Malformed(const Position& where, std::string_view line, std::string_view why) override {
    Record record;
    record.payload.assign(line);
    Reject(Reject::kCorruptedData, "line " + std::to_string(where.record) + ": " + std::string(why), record,
           where);
  }

 private:
  void ReadInput(const std::string& input) {
    Status status;
    auto source = OpenFileSource(input, &status);
    if (!source) return diag_.Fail(input, status);
    // One byte tells the formats apart: a raw log starts with its separator.
    char first = 0;
    size_t got = 0;
    status = source->Read(&first, 1, &got);
    if (!status.ok()) return Interrupted() ? void() : diag_.Fail(input, status);
    if (got == 0) return;  // empty input: nothing to sort
    source = NewPrefixedSource(std::string(1, first), std::move(source));
    if (first == kRawRecordSeparator) {
      ReadRawLog(input, std::move(source));
    } else {
      ReadRecordStream(input, std::move(source));
    }
  }

  void ReadRawLog(const std::string& input, std::unique_ptr<ByteSource> source) {
    RawLogReader::Options reader_options;
    reader_options.max_body_size = options_.max_record_size;
    RawLogReader reader(std::move(source), input, this, reader_options);
    RawRecord raw;
    Record record;
    while (!stopped() && reader.Next(&raw)) {
      Position where = reader.position();
      record.time_ms = raw.time_ms;
      record.client_ip.assign(raw.client_ip);
      std::string why;
      if (!SplitPath(raw.path, &record, &why)) {
        record.doc_id.assign(raw.path);
        record.dimensions = {};
        record.payload.assign(raw.body);
        Reject(Reject::kInvalidPath, "path: " + why, record, where);
        continue;
      }
      if (raw.body.empty()) {
        record.payload.clear();
        Reject(Reject::kEmptyData, "no body", record, where);
        continue;
      }
      if (IsGzip(raw.body)) {
        Status s = InflateGzip(raw.body, options_.max_inflated_size, &record.payload);
        if (!s.ok()) {
          record.payload.assign(raw.body);
          Reject(Reject::kCorruptedData, "gzip: " + s.message(), record, where);
          continue;
        }
        if (record.payload.empty()) {
          Reject(Reject::kEmptyData, "the gzip'd body inflates to nothing", record, where);
          continue;
        }
      } else {
        record.payload.reserve(raw.body.size() + kJsonPadding);
        record.payload.assign(raw.body);
      }
      Check(&record, where);
    }
    if (!reader.status().ok() && !Interrupted()) diag_.Fail(input, reader.status());
  }

  void ReadRecordStream(const std::string& input, std::unique_ptr<ByteSource> source) {
    RecordReader::Options reader_options;
    reader_options.max_line_size = options_.max_record_size;
    RecordReader reader(std::move(source), input, this, reader_options);
    Record record;
    while (!stopped() && reader.Next(&record)) Check(&record, reader.position());
    if (!reader.status().ok() && !Interrupted()) diag_.Fail(input, reader.status());
  }

  void Check(Record* record, const Position& where) {
    Dimensions url_dimensions = record->dimensions;  // a reject keeps the record as it came
    findings_.clear();
    Verdict verdict = checker_->Check(record, options_.convert, &findings_);
    for (const std::string& name : findings_.unknown_histograms) CountName(&unknown_, name);
    for (const std::string& name : findings_.unconvertible_histograms) CountName(&unconvertible_, name);
    if (!verdict.valid) {
      record->dimensions = std::move(url_dimensions);
      Reject(verdict.reason, verdict.detail, *record, where);
      return;
    }
    ++valid_;
    AppendRecordLine(*record, output_.buffer());
    if (Status s = output_.Wrote(); !s.ok()) WriteFailed(s);
  }

  void Reject(Reject reason, const std::string& detail, const Record& record, const Position& where) {
    ++rejected_[static_cast<int>(reason)];
    if (!rejects_.is_open()) {
      // No rejects file: the record stays where it was read; say where.
      if (!options_.quiet) diag_.Warn(where.file, "record " + std::to_string(where.record) + ": " + RejectName(reason) + ": " + detail);
      return;
    }
    AppendRejectLine(RejectName(reason), where.file + ": " + detail, record, RejectHasJsonPayload(reason),
                     rejects_.buffer());
    if (Status s = rejects_.Wrote(); !s.ok()) WriteFailed(s);
  }

  bool stopped() const { return write_failed_ || Interrupted(); }

  void WriteFailed(const Status& s) {
    if (write_failed_) return;
    write_failed_ = true;
    diag_.Fail(s);
  }

  uint64_t rejected() const {
    uint64_t n = 0;
    for (uint64_t r : rejected_) n += r;
    return n;
  }

  void WriteStats() {
    if (options_.stats.empty()) return;
    std::string json = "{\"tool\":";
    AppendJsonString(diag_.program(), &json);
    json += ",\"records\":" + std::to_string(valid_ + rejected());
    json += ",\"valid\":" + std::to_string(valid_);
    json += ",\"rejected\":" + std::to_string(rejected());
    json += ",\"rejected_by_reason\":{";
    for (int r = 0; r < kRejectCount; ++r) {
      if (r) json += ',';
      AppendJsonString(RejectName(static_cast<tm_core::Reject>(r)), &json);
      json += ':' + std::to_string(rejected_[r]);
    }
    json += "}";
    for (auto [key, counts] : {std::pair{"unknown_histogram", &unknown_},
                               std::pair{"unconvertible_histogram", &unconvertible_}}) {
      json += ",\"";
      json += key;
      json += "\":{";
      bool first = true;
      for (const auto& [name, n] : *counts) {
        if (!first) json += ',';
        first = false;
        AppendJsonString(name, &json);
        json += ':' + std::to_string(n);
      }
      json += '}';
    }
    json += ",\"skipped_bytes\":" + std::to_string(skipped_bytes_);
    const SpecCache::Counters& c = specs_.counters();
    json += ",\"spec_fetches\":" + std::to_string(c.fetches);
    json += ",\"spec_parses\":" + std::to_string(c.parses);
    json += "}\n";
    OutputFile stats;
    Status s = stats.Open(options_.stats);
    if (s.ok()) s = stats.Write(json);
    if (s.ok()) s = stats.Commit();
    if (!s.ok()) diag_.Fail(s);
  }

  void Summarize() {
    std::string text = std::to_string(valid_ + rejected()) + " records: " + std::to_string(valid_) +
                       " valid, " + std::to_string(rejected()) + " rejected";
    std::string reasons;
    for (int r = 0; r < kRejectCount; ++r) {
      if (!rejected_[r]) continue;
      reasons += reasons.empty() ? " (" : ", ";
      reasons += RejectName(static_cast<tm_core::Reject>(r));
      reasons += ' ' + std::to_string(rejected_[r]);
    }
    if (!reasons.empty()) text += reasons + ")";
    diag_.Note(text);
    for (auto [what, counts] : {std::pair{"unknown histograms", &unknown_},
                                std::pair{"unconvertible histograms", &unconvertible_}}) {
      if (counts->empty()) continue;
      std::string names;
      for (const auto& [name, n] : *counts) names += (names.empty() ? "" : ", ") + name + " " + std::to_string(n);
      diag_.Note(std::string(what) + " (carried through unconverted): " + names);
    }
  }

  const ValidateOptions& options_;
  Diagnostics& diag_;
  SpecCache specs_;
  RevisionMap revision_map_;
  std::unique_ptr<PingChecker> checker_;
  OutputFile output_, rejects_;
  bool write_failed_ = false;
  Findings findings_;
  uint64_t valid_ = 0;
  std::array<uint64_t, kRejectCount> rejected_{};
  std::map<std::string, uint64_t, std::less<>> unknown_, unconvertible_;
  uint64_t skipped_bytes_ = 0;
};

}  // namespace

void AddValidateOptions(CLI::App& app, ValidateOptions* o) {
  app.add_option("files", o->inputs, "Raw logs or record streams to read; '-' or none reads standard input");
  app.add_option("-o,--output", o->output, "Where valid records go ('-': standard output)")
      ->capture_default_str();
  app.add_option("--rejects", o->rejects,
                 "Where rejected records go, each with its reason; without it they are named on stderr");
  app.add_option("--stats", o->stats, "Write the counts (by reason, unknown histograms) to this file as JSON");
  app.add_option("--revision-map", o->revision_map,
                 "Revisions for pings that carry none, by channel and build id (tm-revision-map(5))");
  app.add_option("--spec-url", o->specs.url_template,
                 "Where Histograms.json of a revision is fetched: {repo} and {rev} are replaced")
      ->capture_default_str();
  app.add_option("--cache-dir", o->specs.cache_dir, "Keep fetched Histograms.json files here");
  app.add_flag("--offline", o->specs.offline, "Never fetch: use --cache-dir only");
  app.add_flag("-q,--quiet", o->quiet, "No summary on stderr, and rejected records not listed there");
  app.add_option("--max-rejects", o->max_rejects, "Exit 1 when more records than this are rejected");
  cli::AddSizeOption(app, "--max-inflated-size", o->max_inflated_size,
                     "Largest body after gzip inflation (32MiB); larger is corrupted_data");
  cli::AddSizeOption(app, "--max-record-size", o->max_record_size,
                     "Largest raw body or record line (64MiB); larger is corrupted_data");
}

void Validate(const ValidateOptions& options, Diagnostics& diag) { Job(options, diag).Run(); }

}  // namespace tm_core
