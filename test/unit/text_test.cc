#include "tm_core/text.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

namespace tm_core {
namespace {

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
