#include "tm_core/cli.h"

#include <catch2/catch.hpp>

namespace tm_core {
namespace {

int Parse(CLI::App& app, std::vector<std::string> args) {
  std::vector<char*> argv{const_cast<char*>("tm-test")};
  for (auto& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code();
  }
  return 0;
}

TEST_CASE("Sizes take binary and decimal suffixes", "[cli]") {
  CLI::App app{"t", "tm-test"};
  uint64_t size = 0;
  cli::AddSizeOption(app, "--size", size, "");
  REQUIRE(Parse(app, {"--size", "200KiB"}) == 0);
  CHECK(size == 204800);
  REQUIRE(Parse(app, {"--size", "500M"}) == 0);
  CHECK(size == 524288000);
  REQUIRE(Parse(app, {"--size", "1GB"}) == 0);
  CHECK(size == 1000000000);
  REQUIRE(Parse(app, {"--size", "17"}) == 0);
  CHECK(size == 17);
  CHECK(Parse(app, {"--size", "12 parsecs"}) != 0);
  CHECK(Parse(app, {"--size", "-5"}) != 0);
  CHECK(Parse(app, {"--size", "inf"}) != 0);
  CHECK(Parse(app, {"--size", "1e3"}) != 0);
  CHECK(Parse(app, {"--size", "0x10"}) != 0);
}

TEST_CASE("Durations take s, ms, m and h", "[cli]") {
  CLI::App app{"t", "tm-test"};
  double seconds = 0;
  cli::AddDurationOption(app, "--wait", seconds, "");
  REQUIRE(Parse(app, {"--wait", "5m"}) == 0);
  CHECK(seconds == 300);
  REQUIRE(Parse(app, {"--wait", "250ms"}) == 0);
  CHECK(seconds == Approx(0.25));
  REQUIRE(Parse(app, {"--wait", "2"}) == 0);
  CHECK(seconds == 2);
  CHECK(Parse(app, {"--wait", "soon"}) != 0);
}

}  // namespace
}  // namespace tm_core
