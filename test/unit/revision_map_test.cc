#include "tm_core/revision_map.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "fakes.h"

namespace tm_core {
namespace {

constexpr char kAurora23[] = "https://hg.mozilla.org/releases/mozilla-aurora/rev/a55c55edf302";
constexpr char kAurora24[] = "http://hg.mozilla.org/releases/mozilla-aurora/rev/8d3810543edc";
constexpr char kRelease[] =
    "https://hg.mozilla.org/releases/mozilla-release/rev/a55c55edf302c1f6b5e8a5cbb5f0e6f2e5fb2a63";
constexpr char kCentral[] = "https://hg.mozilla.org/mozilla-central/rev/ad0ae007aa9e";

// One rule line: channel, first build, last build, revision, tab-separated.
std::string Rule(const std::string& channel, const std::string& first, const std::string& last,
                 const std::string& revision) {
  return channel + "\t" + first + "\t" + last + "\t" + revision + "\n";
}

RevisionMap Parsed(const std::string& text) {
  RevisionMap map;
  Status s = RevisionMap::Parse(text, &map);
  INFO(s.message());
  REQUIRE(s.ok());
  return map;
}

// The message of a Parse that must fail with Corruption.
std::string ParseError(const std::string& text) {
  RevisionMap map;
  Status s = RevisionMap::Parse(text, &map);
  CHECK(s.code() == Status::Code::kCorruption);
  return s.message();
}

TEST_CASE("A channel and build id find the revision of the rule that holds them",
          "[revision_map]") {
  RevisionMap map = Parsed(Rule("aurora", "20130520000000", "20130624235959", kAurora23) +
                           Rule("aurora", "20130625000000", "20130805235959", kAurora24) +
                           Rule("release", "20130801000000", "20130831235959", kRelease));
  CHECK(map.Find("aurora", "20130601030203") == kAurora23);
  CHECK(map.Find("aurora", "20130701030203") == kAurora24);
  CHECK(map.Find("release", "20130814063812") == kRelease);
  // Bounds are included.
  CHECK(map.Find("aurora", "20130520000000") == kAurora23);
  CHECK(map.Find("aurora", "20130624235959") == kAurora23);
  CHECK(map.Find("aurora", "20130625000000") == kAurora24);
  CHECK(map.Find("release", "20130831235959") == kRelease);
}

TEST_CASE("No matching rule gives an empty revision", "[revision_map]") {
  RevisionMap map = Parsed(Rule("aurora", "20130520000000", "20130624235959", kAurora23));
  CHECK(map.Find("aurora", "20130519235959").empty());
  CHECK(map.Find("aurora", "20130625000000").empty());
  CHECK(map.Find("beta", "20130601030203").empty());
  CHECK(map.Find("Aurora", "20130601030203").empty());  // channels match exactly
  CHECK(map.Find("", "").empty());
  CHECK(RevisionMap().Find("aurora", "20130601030203").empty());
  CHECK(Parsed("").Find("aurora", "20130601030203").empty());
}

TEST_CASE("The first matching rule wins, and channel * matches every channel", "[revision_map]") {
  RevisionMap map = Parsed(Rule("nightly", "20130101000000", "20131231235959", kCentral) +
                           Rule("*", "20130101000000", "20131231235959", kAurora23) +
                           Rule("aurora", "20130101000000", "20131231235959", kAurora24));
  CHECK(map.Find("nightly", "20130601030203") == kCentral);
  CHECK(map.Find("aurora", "20130601030203") == kAurora23);  // "*" comes first
  CHECK(map.Find("beta", "20130601030203") == kAurora23);
  CHECK(map.Find("", "20130601030203") == kAurora23);
  CHECK(map.Find("nightly", "20140101000000").empty());
}

TEST_CASE("Build ids compare as strings", "[revision_map]") {
  RevisionMap map = Parsed(Rule("*", "20130101000000", "20131231235959", kAurora23));
  CHECK(map.Find("aurora", "2013").empty());           // a prefix sorts before the first
  CHECK(map.Find("aurora", "20130601") == kAurora23);  // between, as text
  CHECK(map.Find("aurora", "2013123123595999").empty());
  CHECK(map.Find("aurora", "UNKNOWN").empty());
}

TEST_CASE("Comments, blank lines and CRLF line ends are ignored", "[revision_map]") {
  const std::string text =
      "# channel\tfirst\tlast\trevision\n"
      "\n"
      "aurora\t20130520000000\t20130624235959\t" +
      std::string(kAurora23) +
      "\r\n"
      "\r\n"
      "#release\t20130801000000\t20130831235959\tbanana\n"
      "release\t20130801000000\t20130831235959\t" +
      std::string(kRelease);  // no final newline
  RevisionMap map = Parsed(text);
  CHECK(map.Find("aurora", "20130601030203") == kAurora23);  // no "\r" left on the URL
  CHECK(map.Find("release", "20130814063812") == kRelease);
  CHECK(map.Find("#release", "20130814063812").empty());
}

TEST_CASE("A line without four tab-separated columns is Corruption naming its line",
          "[revision_map]") {
  const std::string good = Rule("aurora", "20130520000000", "20130624235959", kAurora23);
  const std::string bad = GENERATE(std::string("aurora\t20130520000000\t20130624235959\n"),
                                   std::string("aurora\t20130520000000\t20130624235959\thttps://"
                                               "hg.mozilla.org/m/rev/abcdef\textra\n"),
                                   std::string("aurora 20130520000000 20130624235959 https://"
                                               "hg.mozilla.org/m/rev/abcdef\n"));
  CAPTURE(bad);
  const std::string message = ParseError("# rules\n" + good + bad + good);
  CHECK(message.rfind("line 3: ", 0) == 0);
  CHECK(message.find("4") != std::string::npos);
}

TEST_CASE("A rule whose first build id is after its last is Corruption", "[revision_map]") {
  const std::string message =
      ParseError(Rule("aurora", "20130624235959", "20130520000000", kAurora23));
  CHECK(message.rfind("line 1: ", 0) == 0);
  CHECK(message.find("first") != std::string::npos);
  // One build alone is a range.
  CHECK(Parsed(Rule("aurora", "20130601030203", "20130601030203", kAurora23))
            .Find("aurora", "20130601030203") == kAurora23);
}

TEST_CASE("A rule whose revision is not a revision URL is Corruption naming its line",
          "[revision_map]") {
  const std::string revision =
      GENERATE(std::string("banana"), std::string("a55c55edf302"),
               std::string("ftp://hg.mozilla.org/m/rev/a55c55edf302"),
               std::string("https://hg.mozilla.org/m/rev/xyz"), std::string(""));
  CAPTURE(revision);
  const std::string message =
      ParseError("\n" + Rule("aurora", "20130520000000", "20130624235959", revision));
  CHECK(message.rfind("line 2: ", 0) == 0);
  CHECK(message.find("revision URL") != std::string::npos);
}

TEST_CASE("Parse replaces the rules a map had", "[revision_map]") {
  RevisionMap map = Parsed(Rule("aurora", "20130520000000", "20130624235959", kAurora23));
  REQUIRE(
      RevisionMap::Parse(Rule("beta", "20130520000000", "20130624235959", kAurora24), &map).ok());
  CHECK(map.Find("aurora", "20130601030203").empty());
  CHECK(map.Find("beta", "20130601030203") == kAurora24);
}

TEST_CASE("Load reads a rule file", "[revision_map]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/revisions.tsv";
  std::ofstream(path) << "# from hg\n" << Rule("*", "20130520000000", "20130624235959", kAurora23);
  RevisionMap map;
  REQUIRE(RevisionMap::Load(path, &map).ok());
  CHECK(map.Find("aurora", "20130601030203") == kAurora23);
}

TEST_CASE("Load of a missing file is an IoError naming it", "[revision_map]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/absent.tsv";
  RevisionMap map;
  Status s = RevisionMap::Load(path, &map);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.message().find(path) != std::string::npos);
}

TEST_CASE("Load of a file with a bad rule is Corruption naming the file and the line",
          "[revision_map]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/revisions.tsv";
  std::ofstream(path) << Rule("*", "20130520000000", "20130624235959", kAurora23)
                      << "aurora\t20130520000000\n";
  RevisionMap map;
  Status s = RevisionMap::Load(path, &map);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().rfind(path + ": line 2: ", 0) == 0);
}

}  // namespace
}  // namespace tm_core
