#include "tm_core/text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

bool ParseTimeMs(std::string_view text, uint64_t* time_ms) {
  // Fixed width: digits at every position but the punctuation ones.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  auto number = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1] ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  // Days since the epoch from the civil date (Howard Hinnant's algorithm).
  int y = month <= 2 ? year - 1 : year;
  int era = y / 400;
  int yoe = y - era * 400;
  int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  *time_ms = static_cast<uint64_t>(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 +
             static_cast<uint64_t>(number(20, 3));
  return true;
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

// The bytes that a style copies as they are: printable ASCII but the
// backslash, and in JSON the quote.
constexpr std::array<bool, 256> PlainBytes(Escaping style) {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '\\' && (c != '"' || style == Escaping::kLine);
  return plain;
}
constexpr std::array<bool, 256> kPlainInJson = PlainBytes(Escaping::kJson);
constexpr std::array<bool, 256> kPlainInLine = PlainBytes(Escaping::kLine);

// Where the run of plain bytes from s[i] on ends, or an earlier place: the
// scan goes 16 bytes at a time, and leaves the last few bytes to the caller.
size_t PlainRun(std::string_view s, size_t i, bool json) {
#ifdef __SSE2__
  const __m128i below = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i quote = _mm_set1_epi8(json ? '"' : '\\');
  for (; i + 16 <= s.size(); i += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Signed: bytes of 0x80 and above are negative, so "less than 0x20" takes them too.
    __m128i bad =
        _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(bytes, below), _mm_cmpeq_epi8(bytes, del)),
                     _mm_or_si128(_mm_cmpeq_epi8(bytes, backslash), _mm_cmpeq_epi8(bytes, quote)));
    if (int mask = _mm_movemask_epi8(bad))
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#else
  (void)json;
#endif
  return i;
}

// The one escaping loop behind AppendJsonString and AppendEscapedLine: they
// differ only in quotes and in how a byte that cannot be shown is written.
void AppendEscaped(std::string_view s, Escaping style, std::string* out) {
  const bool json = style == Escaping::kJson;
  const std::array<bool, 256>& plain = json ? kPlainInJson : kPlainInLine;
  char buf[8];
  for (size_t i = 0; i < s.size();) {
    // Most text is printable ASCII that needs no escape: copy it a run at a time.
    size_t run = PlainRun(s, i, json);
    while (run < s.size() && plain[static_cast<unsigned char>(s[run])]) ++run;
    if (run > i) {
      out->append(s.data() + i, run - i);
      i = run;
      continue;
    }
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

bool UnescapeLine(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out->push_back(s[i]);
      continue;
    }
    if (++i == s.size()) return false;
    switch (s[i]) {
      case '\\': out->push_back('\\'); break;
      case 't': out->push_back('\t'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 'x': {
        auto hex = [](char c) {
          return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        };
        if (i + 2 >= s.size()) return false;
        int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace tm_core
