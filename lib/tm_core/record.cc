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
    : in_(std::move(source), options.chunk_size),
      name_(std::move(name)),
      reporter_(reporter),
      options_(options) {}

bool RecordReader::NextLine(std::string_view* line, bool* too_long) {
  *too_long = false;
  size_t scanned = 0;  // bytes already known to hold no newline
  for (;;) {
    const char* p = in_.data();
    // (No memchr on an empty buffer: its data() may still be null.)
    const void* nl = in_.available() > scanned ? std::memchr(p + scanned, '\n', in_.available() - scanned)
                                               : nullptr;
    if (nl) {
      size_t n = static_cast<const char*>(nl) - p;
      line_offset_ = in_.offset();
      *too_long = n > options_.max_line_size;
      *line = {p, std::min(n, options_.max_line_size)};
      in_.Consume(n + 1);
      return true;
    }
    scanned = in_.available();
    if (scanned > options_.max_line_size) {
      // Hand out the head of the line once, then drop the rest unseen.
      line_offset_ = in_.offset();
      *too_long = true;
      *line = {p, options_.max_line_size};
      overlong_ = true;
      return true;
    }
    if (!in_.Fill(scanned + 1)) {
      if (!in_.status().ok() || scanned == 0) return false;
      line_offset_ = in_.offset();  // a last line without its newline
      *line = {in_.data(), scanned};
      in_.Consume(scanned);
      return true;
    }
  }
}

bool RecordReader::Next(Record* record) {
  std::string_view line;
  bool too_long;
  for (;;) {
    if (overlong_) {
      SkipOverlongRest();
      if (!in_.status().ok()) return false;
    }
    if (!NextLine(&line, &too_long)) return false;
    ++line_;
    Status s = too_long ? Status::Corruption("line longer than " +
                                             std::to_string(options_.max_line_size) + " bytes")
                        : ParseRecordLine(line, record);
    if (s.ok()) {
      ++records_;
      return true;
    }
    ++malformed_;
    if (reporter_) reporter_->Malformed(position(), line, s.message());
  }
}

void RecordReader::SkipOverlongRest() {
  // The reported head is still at the front of the buffer: drop it and
  // everything up to and including the next newline.
  for (;;) {
    const char* p = in_.data();
    const void* nl = in_.available() ? std::memchr(p, '\n', in_.available()) : nullptr;
    if (nl) {
      in_.Consume(static_cast<const char*>(nl) - p + 1);
      overlong_ = false;
      return;
    }
    in_.Consume(in_.available());
    if (!in_.Fill(1)) {
      overlong_ = false;
      return;
    }
  }
}

}  // namespace tm_core
