#include "tm_core/text.h"

#include <cstdio>
#include <ctime>

namespace tm_core {

std::string FormatTimeMs(uint64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(time_ms % 1000));
  return buf;
}

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t min;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0) {
    n = 2, min = 0x80, cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, min = 0x800, cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid.
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return n;
}

namespace {

enum class Escaping { kJson, kLine };

// The one escaping loop behind AppendJsonString and AppendEscapedLine: they
// differ only in quotes and in how a byte that cannot be shown is written.
void AppendEscaped(std::string_view s, Escaping style, std::string* out) {
  const bool json = style == Escaping::kJson;
  char buf[8];
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c >= 0x80 ? Utf8SequenceLength(s, i) : 1;
    if (n > 1) {
      out->append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
    switch (c) {
      case '\\':
        out->append("\\\\");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      case '"':
        out->append(json ? "\\\"" : "\"");
        continue;
    }
    if (c >= 0x20 && c < 0x7f) {
      out->push_back(static_cast<char>(c));
    } else if (!json) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out->append(buf);
    } else if (c >= 0x80) {
      out->append("\\ufffd");  // not UTF-8: JSON cannot carry the byte itself
    } else {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
    }
  }
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendEscaped(s, Escaping::kJson, out);
  out->push_back('"');
}

void AppendEscapedLine(std::string_view s, std::string* out) {
  AppendEscaped(s, Escaping::kLine, out);
}

}  // namespace tm_core
