#include "tm_core/raw_log.h"

#include <algorithm>
#include <cstring>

namespace tm_core {
namespace {

// Enough for several records of the usual size: what version detection looks at.
constexpr size_t kDetectWindow = 1 << 20;
// Records version detection tries to read each way.
constexpr int kDetectRecords = 8;

uint64_t LoadLE(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void StoreLE(uint64_t v, int bytes, char* p) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

struct Header {
  size_t size = 0;  // of the header itself
  size_t ip_len = 0;
  size_t path_len = 0;
  uint64_t body_len = 0;
  uint64_t time_ms = 0;
  uint64_t total() const { return size + ip_len + path_len + body_len; }
};

// `p` holds RawHeaderSize(version) bytes starting with the separator.
Header DecodeHeader(RawLogVersion version, const char* p) {
  Header h;
  h.size = RawHeaderSize(version);
  size_t at = 1;
  if (version == RawLogVersion::kV2) h.ip_len = static_cast<unsigned char>(p[at++]);
  h.path_len = LoadLE(p + at, 2);
  h.body_len = LoadLE(p + at + 2, 4);
  h.time_ms = LoadLE(p + at + 6, 8);
  return h;
}

bool PlausibleHeader(const Header& h, uint64_t max_body_size) {
  return h.time_ms <= kMaxPlausibleTimeMs && h.body_len <= max_body_size;
}

// Paths and addresses are URL and header text: control bytes mean we are not
// looking at a real record.
bool PlausibleText(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

RawLogVersion VersionFromName(std::string_view name) {
  if (name.find(".v2.") != std::string_view::npos) return RawLogVersion::kV2;
  if (name.find(".v1.") != std::string_view::npos) return RawLogVersion::kV1;
  return RawLogVersion::kUnknown;
}

// How well `head` reads as `version`: 2 points per plausible record, 1 more
// when a separator (or the end) follows it exactly.
int DetectionScore(RawLogVersion version, std::string_view head, bool whole) {
  size_t pos = head.find(kRawRecordSeparator);
  if (pos == std::string_view::npos) return 0;
  const size_t hs = RawHeaderSize(version);
  int score = 0;
  for (int i = 0; i < kDetectRecords && pos < head.size(); ++i) {
    if (head[pos] != kRawRecordSeparator || head.size() - pos < hs) break;
    Header h = DecodeHeader(version, head.data() + pos);
    if (!PlausibleHeader(h, UINT32_MAX)) break;
    if (head.size() - pos < hs + h.ip_len + h.path_len) break;
    if (!PlausibleText(head.substr(pos + hs, h.ip_len + h.path_len))) break;
    if (head.size() - pos < h.total()) {
      if (!whole) score += 2;  // plausible so far; the rest is beyond the window
      break;
    }
    score += 2;
    pos += h.total();
    if (pos == head.size() || head[pos] == kRawRecordSeparator) score += 1;
  }
  return score;
}

}  // namespace

size_t RawHeaderSize(RawLogVersion version) {
  return version == RawLogVersion::kV2 ? kRawHeaderSizeV2 : kRawHeaderSizeV1;
}

const char* RawLogVersionName(RawLogVersion version) {
  switch (version) {
    case RawLogVersion::kV1:
      return "v1";
    case RawLogVersion::kV2:
      return "v2";
    default:
      return "unknown";
  }
}

bool RawRecordFits(RawLogVersion version, size_t ip_len, size_t path_len, size_t body_len) {
  size_t max_ip = version == RawLogVersion::kV2 ? kMaxRawClientIpLength : 0;
  return ip_len <= max_ip && path_len <= kMaxRawPathLength && body_len <= UINT32_MAX;
}

void EncodeRawHeader(RawLogVersion version, size_t ip_len, size_t path_len, size_t body_len,
                     uint64_t time_ms, char* out) {
  size_t at = 0;
  out[at++] = kRawRecordSeparator;
  if (version == RawLogVersion::kV2) out[at++] = static_cast<char>(ip_len);
  StoreLE(path_len, 2, out + at);
  StoreLE(body_len, 4, out + at + 2);
  StoreLE(time_ms, 8, out + at + 6);
}

Status AppendRawRecord(RawLogVersion version, const RawRecord& record, std::string* out) {
  if (!RawRecordFits(version, record.client_ip.size(), record.path.size(), record.body.size()))
    return Status::InvalidArgument("record field too long for raw log " +
                                   std::string(RawLogVersionName(version)));
  char header[kRawHeaderSizeV2];
  EncodeRawHeader(version, record.client_ip.size(), record.path.size(), record.body.size(),
                  record.time_ms, header);
  out->append(header, RawHeaderSize(version));
  out->append(record.client_ip);
  out->append(record.path);
  out->append(record.body);
  return Status::Ok();
}

RawLogVersion DetectRawLogVersion(std::string_view head, bool head_is_whole_file,
                                  std::string_view name_hint) {
  int v1 = DetectionScore(RawLogVersion::kV1, head, head_is_whole_file);
  int v2 = DetectionScore(RawLogVersion::kV2, head, head_is_whole_file);
  if (v1 > v2) return RawLogVersion::kV1;
  if (v2 > v1) return RawLogVersion::kV2;
  RawLogVersion hinted = VersionFromName(name_hint);
  if (hinted != RawLogVersion::kUnknown) return hinted;
  return v1 > 0 ? RawLogVersion::kV1 : RawLogVersion::kUnknown;
}

RawLogReader::RawLogReader(std::unique_ptr<ByteSource> source, std::string name,
                           Reporter* reporter, Options options)
    : in_(std::move(source), options.chunk_size),
      name_(std::move(name)),
      reporter_(reporter),
      options_(options),
      version_(options.version) {}

void RawLogReader::Skip(size_t n, const char* why) {
  if (pending_skip_bytes_ == 0) {
    pending_skip_offset_ = in_.offset();
    pending_skip_why_ = why;
  }
  pending_skip_bytes_ += n;
  in_.Consume(n);
}

void RawLogReader::FlushSkipped() {
  if (pending_skip_bytes_ == 0) return;
  skipped_bytes_ += pending_skip_bytes_;
  ++skipped_runs_;
  if (reporter_)
    reporter_->Skipped({name_, records_ + 1, pending_skip_offset_}, pending_skip_bytes_,
                       pending_skip_why_);
  pending_skip_bytes_ = 0;
}

bool RawLogReader::Detect() {
  in_.Fill(kDetectWindow);
  if (!in_.status().ok()) return false;
  version_ = DetectRawLogVersion({in_.data(), in_.available()}, in_.eof(), name_);
  if (version_ == RawLogVersion::kUnknown) version_ = RawLogVersion::kV1;
  return true;
}

bool RawLogReader::Next(RawRecord* record) {
  if (!in_.status().ok()) return false;
  if (version_ == RawLogVersion::kUnknown && !Detect()) return false;
  const size_t hs = RawHeaderSize(version_);
  for (;;) {
    if (!in_.Fill(1)) break;
    const char* p = in_.data();
    if (*p != kRawRecordSeparator) {
      const void* sep = std::memchr(p, kRawRecordSeparator, in_.available());
      Skip(sep ? static_cast<const char*>(sep) - p : in_.available(), "not a record separator");
      continue;
    }
    if (!in_.Fill(hs)) {
      if (!in_.status().ok()) break;
      Skip(in_.available(), "record header cut short by the end of the input");
      continue;
    }
    Header h = DecodeHeader(version_, in_.data());
    if (!PlausibleHeader(h, options_.max_body_size)) {
      Skip(1, "impossible record header (time or body length)");
      continue;
    }
    if (!in_.Fill(h.total())) {
      if (!in_.status().ok()) break;
      Skip(1, "record cut short by the end of the input");
      continue;
    }
    p = in_.data();
    std::string_view ip(p + hs, h.ip_len);
    std::string_view path(p + hs + h.ip_len, h.path_len);
    if (!PlausibleText(ip) || !PlausibleText(path)) {
      Skip(1, "control bytes in record path or address");
      continue;
    }
    FlushSkipped();
    record->time_ms = h.time_ms;
    record->client_ip = ip;
    record->path = path;
    record->body = std::string_view(p + hs + h.ip_len + h.path_len, h.body_len);
    record_offset_ = in_.offset();
    in_.Consume(h.total());
    ++records_;
    return true;
  }
  FlushSkipped();
  return false;
}

}  // namespace tm_core
