#include "tm_core/schema.h"

#include <catch2/catch.hpp>

#include "fakes.h"

namespace tm_core {
namespace {

Schema ParseOk(const std::string& json) {
  Schema schema;
  Status s = Schema::Parse(json, &schema);
  INFO(s.message());
  REQUIRE(s.ok());
  return schema;
}

std::string ParseError(const std::string& json) {
  Schema schema;
  Status s = Schema::Parse(json, &schema);
  return s.ok() ? "<ok>" : s.message();
}

TEST_CASE("Allowed values are anything, a list, or a range of strings", "[schema]") {
  Schema s = ParseOk(R"({"version": 1, "dimensions": [
    {"field_name": "a", "allowed_values": "*"},
    {"field_name": "b", "allowed_values": ["x", "y-z"]},
    {"field_name": "c", "allowed_values": {"min": "20130600", "max": "20130607"}},
    {"field_name": "d", "allowed_values": {"min": 448}}]})");
  const auto& d = s.dimensions();
  REQUIRE(d.size() == 4);
  CHECK(d[0].allowed.Allows("anything"));
  CHECK(d[1].allowed.Allows("y-z"));
  CHECK_FALSE(d[1].allowed.Allows("y_z"));
  // Build ids are longer than the bounds: string order still puts them in range.
  CHECK(d[2].allowed.Allows("20130601031002"));
  CHECK(d[2].allowed.Allows("20130600"));
  CHECK_FALSE(d[2].allowed.Allows("20130608000000"));
  CHECK_FALSE(d[2].allowed.Allows("20130599"));
  CHECK(d[3].allowed.Allows("460"));
  CHECK_FALSE(d[3].allowed.Allows("1000"));  // strings, as documented
}

TEST_CASE("A schema that is not one says what is wrong", "[schema]") {
  CHECK(ParseError("nope").rfind("not JSON", 0) == 0);
  CHECK(ParseError("{}") == "no \"dimensions\" array");
  CHECK(ParseError(R"({"version": 2, "dimensions": []})") == "\"version\" must be 1");
  CHECK(ParseError(R"({"dimensions": [{"allowed_values": "*"}]})") == "dimension 1: no \"field_name\" string");
  CHECK(ParseError(R"({"dimensions": [{"field_name": "a", "allowed_values": "*"}, {"field_name": "a", "allowed_values": "*"}]})") ==
        "dimension 2: \"a\" given twice");
  CHECK(ParseError(R"({"dimensions": [{"field_name": "a", "allowed_values": "x"}]})") ==
        "dimension 1 (a): a string other than \"*\"");
  CHECK(ParseError(R"({"dimensions": [{"field_name": "a", "allowed_values": [1]}]})") ==
        "dimension 1 (a): a list item that is not a string");
  CHECK(ParseError(R"({"dimensions": [{"field_name": "a", "allowed_values": {"low": "1"}}]})") ==
        "dimension 1 (a): \"low\" in a range");
  CHECK(ParseError(R"({"dimensions": [{"field_name": "a", "allowed_values": 3}]})") ==
        "dimension 1 (a): allowed_values must be \"*\", a list or a range");
}

TEST_CASE("The old system's real schemas and filters parse", "[schema]") {
  for (const char* file : {"peer/telemetry/telemetry_schema.json",
                           "peer/process_incoming/worker/common/test/data/telemetry_schema.json",
                           "peer/analysis/test-filter.json",
                           "peer/mapreduce/examples/v2/filter-nightly-buildid.json",
                           "peer/mapreduce/examples/v2/filter_include_all.json",
                           "peer/mapreduce/examples/v2/filter_max_buildid.json",
                           "peer/mapreduce/examples/v2/filter_min_buildid.json",
                           "peer/mapreduce/examples/v2/filter_min_max_buildid.json",
                           "peer/mapreduce/examples/v2/filter_saved_session_Fx_prerelease.json"}) {
    CAPTURE(file);
    TM_SHARED_FILE_OR_SKIP(path, file);
    Schema schema;
    Status s = Schema::Load(path, &schema);
    INFO(s.message());
    CHECK(s.ok());
    CHECK(schema.dimensions().size() >= 6);
  }
}

TEST_CASE("Path values keep letters, digits, '_' and '.', and can never leave the store", "[schema]") {
  CHECK(PathValue("saved-session", false) == "saved_session");  // as the old store named it
  CHECK(PathValue("22.0a1", false) == "22.0a1");
  CHECK(PathValue("22.0a1", true) == "22_0a1");  // dots separate values in file names
  CHECK(PathValue("", false) == "UNKNOWN");
  for (const char* hostile : {"..", ".", "../../x", "/etc/passwd", ".hidden", "a/../b", "\\..", "é"}) {
    CAPTURE(hostile);
    for (bool in_file_name : {false, true}) {
      std::string v = PathValue(hostile, in_file_name);
      CHECK(v.find('/') == std::string::npos);
      CHECK(v[0] != '.');
      CHECK(!v.empty());
    }
  }
  CHECK(PathValue(std::string(1000, 'x'), false).size() == kMaxPathValue);
}

TEST_CASE("The default schema lays out the old store's paths", "[schema]") {
  Schema schema = Schema::Default();
  CHECK(schema.PartitionPath({"saved-session", "Firefox", "nightly", "22.0a1", "20130226031002", "20131011"}, "2") ==
        "saved_session/Firefox/nightly/22.0a1/20130226031002.20131011.v2.log");
  CHECK(schema.PartitionPath({"", "Firefox", "nightly", "../..", "2013.02", "20131011"}, "5") ==
        "UNKNOWN/Firefox/nightly/_._../2013_02.20131011.v5.log");
}

TEST_CASE("A value the schema does not allow is stored as OTHER", "[schema]") {
  Schema schema = ParseOk(R"({"dimensions": [
    {"field_name": "reason", "allowed_values": ["saved-session"]},
    {"field_name": "appBuildID", "allowed_values": {"min": "2013"}},
    {"field_name": "submission_date", "allowed_values": "*"}]})");
  CHECK(schema.PartitionPath({"idle-daily", "2012", "20131011"}, "2") == "OTHER/OTHER.20131011.v2.log");
  CHECK(schema.PartitionPath({"saved-session", "2014", "20131011"}, "2") == "saved_session/2014.20131011.v2.log");
  CHECK(schema.PartitionPath({"saved-session", "", "20131011"}, "2") == "saved_session/UNKNOWN.20131011.v2.log");
}

TEST_CASE("A schema as a filter selects store files by their path alone", "[schema]") {
  // The old system's filter_min_max_buildid.json, written here.
  Schema filter = ParseOk(R"({"version": 1, "dimensions": [
    {"field_name": "reason", "allowed_values": ["saved-session"]},
    {"field_name": "appName", "allowed_values": ["Firefox", "Fennec"]},
    {"field_name": "appUpdateChannel", "allowed_values": ["nightly", "aurora"]},
    {"field_name": "appVersion", "allowed_values": "*"},
    {"field_name": "appBuildID", "allowed_values": {"min": "20130600", "max": "20130607"}},
    {"field_name": "submission_date", "allowed_values": "*"}]})");
  const std::string name = ".v2.log.0ab8723b6fb3455bb34b04d97482fda2.lzma";
  CHECK(filter.Selects("saved_session/Firefox/nightly/22.0a1/20130601031002.20131011" + name));
  CHECK(filter.Selects("saved_session/Fennec/aurora/23.0a2/20130606004003.20130612.v2.log"));
  CHECK_FALSE(filter.Selects("idle_daily/Firefox/nightly/22.0a1/20130601031002.20131011" + name));
  CHECK_FALSE(filter.Selects("saved_session/Firefox/release/22.0a1/20130601031002.20131011" + name));
  CHECK_FALSE(filter.Selects("saved_session/Firefox/nightly/22.0a1/20130608031002.20131011" + name));
  CHECK_FALSE(filter.Selects("saved_session/Firefox/nightly/20130601031002.20131011" + name));  // a level short
  CHECK_FALSE(filter.Selects("saved_session/Firefox/nightly/22.0a1/x/20130601031002.20131011" + name));
  CHECK_FALSE(filter.Selects("saved_session/Firefox/nightly/22.0a1/20130601031002" + name));
}

}  // namespace
}  // namespace tm_core
