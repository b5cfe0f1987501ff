#include "tm_core/text.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

namespace tm_core {
namespace {

// What std::to_chars writes for x, and what FormatDouble writes.
std::string ToChars(double x) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}
std::string Formatted(double x) {
  char buf[32];
  return std::string(buf, FormatDouble(x, buf));
}

TEST_CASE("FormatDouble writes what std::to_chars writes", "[text]") {
  // Its own paths (integers, fixed decimals, 0.00ddd) and to_chars's (scientific,
  // out of range), and the edges between them.
  const double cases[] = {
      0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1.5, 73.31085, 18.41344, 3.97029185295105,
      15.76321739760948, 0.001, 0.0015, 0.000999, 0.0001, 1e-5, 100.0, 123456.0, 1e14, 1.2e14,
      999999999999999.0, 1e15, 1e16, 1e21, 1e22, 1e300, 5e-324, 2.2250738585072014e-308,
      1.7976931348623157e308, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 123456789.123, 4503599627370497.0,
      2251799813685247.5, 9007199254740993.0, 0.30000000000000004, 100.25, 1234.5e-2};
  for (double x : cases) {
    CAPTURE(x);
    CHECK(Formatted(x) == ToChars(x));
    CHECK(Formatted(-x) == ToChars(-x));
  }
  std::mt19937_64 random(20261205);
  // Short decimals, as pings write them: d digits with p after the point.
  for (int i = 0; i < 200000; ++i) {
    const int digits = 1 + static_cast<int>(random() % 17);
    std::string text(1, static_cast<char>('1' + random() % 9));
    while (static_cast<int>(text.size()) < digits) text += static_cast<char>('0' + random() % 10);
    const int point = static_cast<int>(random() % (digits + 4));
    text = point >= digits ? "0." + std::string(static_cast<size_t>(point - digits), '0') + text
                           : text.substr(0, static_cast<size_t>(digits - point)) + "." +
                                 text.substr(static_cast<size_t>(digits - point));
    double x = 0;
    std::from_chars(text.data(), text.data() + text.size(), x);
    CAPTURE(text);
    REQUIRE(Formatted(x) == ToChars(x));
  }
  // Any bits at all, and values near the boundaries of the fast path.
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = random();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    CAPTURE(bits);
    REQUIRE(Formatted(x) == ToChars(x));
    const double scaled[] = {std::ldexp(std::fabs(x) / std::pow(2.0, std::ilogb(x)), static_cast<int>(random() % 60) - 12),
                             static_cast<double>(random() % 1000000) / std::pow(10.0, static_cast<double>(random() % 12))};
    for (double y : scaled) {
      CAPTURE(y);
      REQUIRE(Formatted(y) == ToChars(y));
      REQUIRE(Formatted(std::nextafter(y, 0.0)) == ToChars(std::nextafter(y, 0.0)));
      REQUIRE(Formatted(std::nextafter(y, 1e300)) == ToChars(std::nextafter(y, 1e300)));
    }
  }
}

TEST_CASE("Times print as ISO 8601 UTC with milliseconds", "[text]") {
  CHECK(FormatTimeMs(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatTimeMs(1378822911255) == "2013-09-10T14:21:51.255Z");
}

TEST_CASE("JSON strings escape control bytes and replace invalid UTF-8", "[text]") {
  std::string out;
  AppendJsonString("a\"b\\c\n\t\x01\xc3\xa9\xff", &out);
  CHECK(out == "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\\ufffd\"");
}

TEST_CASE("Escaped lines keep UTF-8 and show every other byte", "[text]") {
  std::string out;
  AppendEscapedLine("x\ty\nz\\\x1e\xe2\x82\xac\x80", &out);
  CHECK(out == "x\\ty\\nz\\\\\\x1e\xe2\x82\xac\\x80");
}

TEST_CASE("Overlong and surrogate UTF-8 forms are invalid", "[text]") {
  CHECK(Utf8SequenceLength("\xc0\x80", 0) == 0);
  CHECK(Utf8SequenceLength("\xed\xa0\x80", 0) == 0);
  CHECK(Utf8SequenceLength("\xf4\x90\x80\x80", 0) == 0);
  CHECK(Utf8SequenceLength("\xf0\x9f\x98\x80", 0) == 4);
}

}  // namespace
}  // namespace tm_core
