#include "tm_core/record.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "tm_core/text.h"

namespace tm_core {
namespace {

void AppendColumns(const Record& r, std::string* out) {
  AppendEscapedLine(r.doc_id, out);
  out->push_back('\t');
  out->append(FormatTimeMs(r.time_ms));
  for (const std::string* text : {&r.dimensions.reason, &r.dimensions.app_name,
                                  &r.dimensions.app_version, &r.dimensions.app_update_channel,
                                  &r.dimensions.app_build_id, &r.client_ip}) {
    out->push_back('\t');
    AppendEscapedLine(*text, out);
  }
  out->push_back('\t');
}

// Splits `line` at tabs into exactly `n` columns; false for another count.
template <size_t n>
bool SplitColumns(std::string_view line, std::array<std::string_view, n>* columns) {
  size_t start = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) return false;
    (*columns)[i] = line.substr(start, tab - start);
    start = tab + 1;
  }
  (*columns)[n - 1] = line.substr(start);
  return (*columns)[n - 1].find('\t') == std::string_view::npos;
}

// Most columns hold no backslash: copy them without the unescaping loop.
bool Unescape(std::string_view column, std::string* out) {
  if (column.find('\\') == std::string_view::npos) {
    out->assign(column);
    return true;
  }
  return UnescapeLine(column, out);
}

}  // namespace

void AppendRecordLine(const Record& record, std::string* out) {
  AppendColumns(record, out);
  out->append(record.payload);
  out->push_back('\n');
}

void AppendRejectLine(std::string_view reason, std::string_view detail, const Record& record,
                      bool payload_is_json, std::string* out) {
  AppendEscapedLine(reason, out);
  out->push_back('\t');
  AppendEscapedLine(detail, out);
  out->push_back('\t');
  AppendColumns(record, out);
  if (payload_is_json) {
    out->append(record.payload);
  } else {
    AppendEscapedLine(record.payload, out);
  }
  out->push_back('\n');
}

Status ParseRecordLine(std::string_view line, Record* record) {
  std::array<std::string_view, kRecordColumns> c;
  if (!SplitColumns(line, &c)) {
    size_t tabs = static_cast<size_t>(std::count(line.begin(), line.end(), '\t'));
    return Status::Corruption("expected " + std::to_string(kRecordColumns) + " tab-separated columns, found " +
                              std::to_string(tabs + 1));
  }
  if (!ParseTimeMs(c[1], &record->time_ms))
    return Status::Corruption("column 2: not a time like 2013-09-10T14:21:51.255Z");
  std::string* text[] = {&record->doc_id,
                         nullptr,
                         &record->dimensions.reason,
                         &record->dimensions.app_name,
                         &record->dimensions.app_version,
                         &record->dimensions.app_update_channel,
                         &record->dimensions.app_build_id,
                         &record->client_ip};
  for (size_t i = 0; i < kRecordColumns - 1; ++i) {
    if (text[i] && !Unescape(c[i], text[i]))
      return Status::Corruption("column " + std::to_string(i + 1) + ": bad backslash escape");
  }
  if (c[8].empty()) return Status::Corruption("column 9: no payload");
  // Room for the padding simdjson reads past the end, so it parses in place.
  record->payload.reserve(c[8].size() + kJsonPadding);
  record->payload.assign(c[8]);
  return Status::Ok();
}

RecordReader::RecordReader(std::unique_ptr<ByteSource> source, std::string name,
                           Reporter* reporter, Options options)
    : in_(std::move(source), options.chunk_size, options.max_line_size),
      name_(std::move(name)),
      reporter_(reporter),
      options_(options) {}

bool RecordReader::Next(Record* record) {
  std::string_view line;
  while (in_.Next(&line)) {
    Status s = in_.too_long() ? Status::Corruption("line longer than " +
                                                   std::to_string(options_.max_line_size) + " bytes")
                              : ParseRecordLine(line, record);
    if (s.ok()) {
      ++records_;
      return true;
    }
    ++malformed_;
    if (reporter_) reporter_->Malformed(position(), line, s.message());
  }
  return false;
}

}  // namespace tm_core
