// Compiled jobs (compiled_job.h): a shared object built by CMake from
// examples/cxx/os_distribution.cpp (TM_TEST_OS_JOB), and sources compiled by
// CompileJob in the test.
#include "tm_core/compiled_job.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fakes.h"

namespace tm_core {
namespace {

struct Lines : LineSink {
  std::vector<std::string> lines;
  Status Line(std::string_view line) override {
    lines.emplace_back(line);
    return Status::Ok();
  }
};

struct FailingLines : LineSink {
  Status Line(std::string_view) override { return Status::IoError("disk full"); }
};

std::string Record(const std::string& uuid, const std::string& json) {
  return uuid + "\tsaved-session\tnightly\t" + json;
}

// Feeds a mapper a line as the engine does: with kJsonPadding readable bytes
// after it (mapreduce_task.h), so that the job may parse its JSON in place.
Status MapLine(Task& mapper, std::string_view line) {
  std::string padded;
  padded.reserve(line.size() + kJsonPadding);
  padded.assign(line);
  return mapper.Feed(padded);
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Compiling against the source tree's tm/job.h (the test binary is not in the
// build root, where JobIncludeDir() looks), into the test's directory.
CompileOptions TestCompileOptions(const test::TempDir& dir) {
  CompileOptions options;
  options.include_dir = TM_SOURCE_DIR "/include";
  options.cache_dir = dir.path() + "/cache/jobs";
  return options;
}

// `source` compiled as TestCompileOptions say; the test stops if it fails.
std::string CompiledJob(const test::TempDir& dir, const std::string& source) {
  std::string so;
  bool compiled = false;
  Status s = CompileJob(source, TestCompileOptions(dir), &so, &compiled);
  INFO(s.message());
  REQUIRE(s.ok());
  return so;
}

bool HaveCompiler() {
  const char* cxx = std::getenv("CXX");
  std::string command = std::string("command -v ") + (cxx && *cxx ? cxx : "c++") + " > /dev/null";
  return std::system(command.c_str()) == 0;
}
#define SKIP_WITHOUT_COMPILER()                  \
  if (!HaveCompiler()) {                        \
    WARN("SKIPPED: no C++ compiler on PATH");   \
    SUCCEED();                                  \
    return;                                     \
  }

TEST_CASE("A job built by CMake loads and says it has a combiner and a reducer", "[compiled_job]") {
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(TM_TEST_OS_JOB, &job).ok());
  CHECK(job->has_combiner());
  CHECK(job->has_reducer());
}

TEST_CASE("A compiled mapper parses the payload on demand and emits key-tab-value lines",
          "[compiled_job]") {
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(TM_TEST_OS_JOB, &job).ok());
  Lines out;
  std::unique_ptr<Task> mapper;
  REQUIRE(job->NewMapper(&out, &mapper).ok());
  CHECK(MapLine(*mapper, Record("u1", R"({"info":{"OS":"Linux"}})")).ok());
  CHECK(MapLine(*mapper, Record("u2", R"({"info":{}})")).ok());
  CHECK(MapLine(*mapper, Record("u3", "not json")).ok());
  CHECK(MapLine(*mapper, "u4\t{\"info\":{\"OS\":\"WINNT\"}}").ok());  // no dimensions
  CHECK(mapper->Finish().ok());
  CHECK(out.lines == std::vector<std::string>{"Linux\t1", "UNKNOWN\t1", "UNKNOWN\t1", "WINNT\t1"});
}

TEST_CASE("A compiled mapper rejects a line without a tab", "[compiled_job]") {
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(TM_TEST_OS_JOB, &job).ok());
  Lines out;
  std::unique_ptr<Task> mapper;
  REQUIRE(job->NewMapper(&out, &mapper).ok());
  CHECK_FALSE(MapLine(*mapper, "no-tab").ok());
}

TEST_CASE("A compiled reducer gets the values of each key together", "[compiled_job]") {
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(TM_TEST_OS_JOB, &job).ok());
  Lines out;
  std::unique_ptr<Task> reducer;
  REQUIRE(job->NewReducer(&out, &reducer).ok());
  for (const char* line : {"Darwin\t1", "Linux\t2", "Linux\t3", "Linux", "WINNT\t5"})
    REQUIRE(reducer->Feed(line).ok());
  // A key's group is reduced when the next key starts.
  CHECK(out.lines == std::vector<std::string>{"Darwin\t1", "Linux\t5"});
  CHECK(reducer->Finish().ok());
  CHECK(out.lines == std::vector<std::string>{"Darwin\t1", "Linux\t5", "WINNT\t5"});
}

TEST_CASE("A compiled combiner with no input emits nothing", "[compiled_job]") {
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(TM_TEST_OS_JOB, &job).ok());
  Lines out;
  std::unique_ptr<Task> combiner;
  REQUIRE(job->NewCombiner(&out, &combiner).ok());
  CHECK(combiner->Finish().ok());
  CHECK(out.lines.empty());
}

TEST_CASE("A sink's error stops a compiled task with that error", "[compiled_job]") {
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(TM_TEST_OS_JOB, &job).ok());
  FailingLines out;
  std::unique_ptr<Task> mapper;
  REQUIRE(job->NewMapper(&out, &mapper).ok());
  Status s = MapLine(*mapper, Record("u1", "{}"));
  CHECK(s.message() == "disk full");
}

TEST_CASE("Loading a missing shared object fails", "[compiled_job]") {
  std::unique_ptr<Job> job;
  CHECK_FALSE(LoadCompiledJob("/nonexistent/job.so", &job).ok());
  CHECK(job == nullptr);
}

TEST_CASE("Job sources are told by their extension", "[compiled_job]") {
  CHECK(IsJobSource("a/job.cpp"));
  CHECK(IsJobSource("job.cc"));
  CHECK(IsJobSource("job.cxx"));
  CHECK_FALSE(IsJobSource("job.so"));
  CHECK_FALSE(IsJobSource(".cpp.so"));
}

TEST_CASE("CompileJob builds a job once and reuses it; dims and exceptions cross the ABI",
          "[compiled_job]") {
  SKIP_WITHOUT_COMPILER();
  test::TempDir dir;
  std::string source = dir.path() + "/dims.cpp";
  Write(source, R"(#include <tm/job.h>
#include <stdexcept>
struct Dims {
  void map(std::string_view uuid, const tmjob::Dims& dims, std::string_view json,
           tmjob::Context& ctx) {
    if (uuid == "boom") throw std::runtime_error("boom!");
    std::string all;
    for (std::string_view d : dims) all += std::string(d) + "|";
    ctx.emit(uuid, all + std::string(json));
    ctx.emit("empty", "");
  }
};
TM_JOB(Dims)
)");
  CompileOptions options = TestCompileOptions(dir);
  std::string so;
  bool compiled = false;
  Status s = CompileJob(source, options, &so, &compiled);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(compiled);
  CHECK(so.rfind(options.cache_dir + "/", 0) == 0);

  std::string again;
  REQUIRE(CompileJob(source, options, &again, &compiled).ok());
  CHECK_FALSE(compiled);
  CHECK(again == so);

  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(so, &job).ok());
  CHECK_FALSE(job->has_reducer());
  CHECK_FALSE(job->has_combiner());
  Lines out;
  std::unique_ptr<Task> mapper;
  REQUIRE(job->NewMapper(&out, &mapper).ok());
  REQUIRE(MapLine(*mapper, "u1\ta\t\tc\t[1]").ok());
  CHECK(out.lines == std::vector<std::string>{"u1\ta||c|[1]", "empty"});
  Status boom = MapLine(*mapper, "boom\t{}");
  CHECK(boom.message() == so + ": map: boom!");
}

TEST_CASE("ctx.doc() reads fields in any order and says when a payload is not JSON; json() alike",
          "[compiled_job]") {
  SKIP_WITHOUT_COMPILER();
  test::TempDir dir;
  std::string source = dir.path() + "/fields.cpp";
  Write(source, R"(#include <tm/job.h>
struct Fields : tmjob::SumValues {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    std::string_view b, a;
    int64_t n = -1;
    auto& doc = ctx.doc();
    // On Demand's rule: after an error, the document is not read again.
    if (doc["b"].get(b) != simdjson::SUCCESS) return ctx.emit("not json", "1");
    if (doc["a"]["n"].get(n) != simdjson::SUCCESS) return ctx.emit("no a.n", "1");
    if (ctx.json()["a"]["s"].get(a) != simdjson::SUCCESS) return ctx.emit("no a.s", "1");
    ctx.emit(std::string(b) + "/" + std::to_string(n) + "/" + std::string(a), "1");
  }
};
TM_JOB(Fields)
)");
  const std::string so = CompiledJob(dir, source);
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(so, &job).ok());
  CHECK(job->has_reducer());
  CHECK(job->has_combiner());
  Lines out;
  std::unique_ptr<Task> mapper;
  REQUIRE(job->NewMapper(&out, &mapper).ok());
  REQUIRE(MapLine(*mapper, R"(u1	{"a":{"n":7,"s":"x"},"b":"y"})").ok());
  REQUIRE(MapLine(*mapper, R"(u2	{"b":"z","a":{"s":"w"}})").ok());
  REQUIRE(MapLine(*mapper, "u3\t{\"a\":").ok());
  CHECK(out.lines == std::vector<std::string>{"y/7/x\t1", "no a.n\t1", "not json\t1"});

  Lines reduced;
  std::unique_ptr<Task> reducer;
  REQUIRE(job->NewReducer(&reduced, &reducer).ok());
  for (const char* line : {"k\t2", "k\t3", "l\tx", "l\t4"}) REQUIRE(reducer->Feed(line).ok());
  REQUIRE(reducer->Finish().ok());
  CHECK(reduced.lines == std::vector<std::string>{"k\t5", "l\t4"});
}

TEST_CASE("CompileJob reports the compiler's message for a broken source", "[compiled_job]") {
  SKIP_WITHOUT_COMPILER();
  test::TempDir dir;
  std::string source = dir.path() + "/broken.cc";
  Write(source, "#include <tm/job.h>\nint f() { return }\n");
  CompileOptions options = TestCompileOptions(dir);
  std::string so;
  bool compiled = true;
  Status s = CompileJob(source, options, &so, &compiled);
  CHECK_FALSE(s.ok());
  CHECK_FALSE(compiled);
  CHECK(s.message().find("compilation failed") != std::string::npos);
  CHECK(s.message().find("broken.cc:2:") != std::string::npos);
}

TEST_CASE("ctx.histogram gives the bucket bounds of the record's revision, or why not",
          "[compiled_job]") {
  SKIP_WITHOUT_COMPILER();
  test::TempDir dir;
  Write(dir.path() + "/abcdef1.json",
        R"({"LIN": {"kind": "linear", "low": 1, "high": 4, "n_buckets": 5, "description": "l"}})");
  std::string source = dir.path() + "/hist.cpp";
  Write(source, R"(#include <tm/job.h>
struct Hist {
  void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) {
    std::string why;
    auto h = ctx.histogram("LIN", &why);
    if (!h) return ctx.emit("error", why);
    std::string bounds;
    for (int64_t b : h->buckets) bounds += std::to_string(b) + ",";
    ctx.emit(std::string(h->kind), bounds);
  }
};
TM_JOB(Hist)
)");
  const std::string so = CompiledJob(dir, source);
  SpecCacheOptions specs;
  specs.url_template = "file://" + dir.path() + "/{rev}.json";
  std::unique_ptr<Job> job;
  REQUIRE(LoadCompiledJob(so, &job, specs).ok());
  Lines out;
  std::unique_ptr<Task> mapper;
  REQUIRE(job->NewMapper(&out, &mapper).ok());
  const std::string rev = "https://hg.mozilla.org/releases/mozilla-release/rev/";
  REQUIRE(MapLine(*mapper, R"(u1	{"info":{"revision":")" + rev + R"(abcdef1"}})").ok());
  REQUIRE(MapLine(*mapper, R"(u2	{"info":{}})").ok());
  REQUIRE(MapLine(*mapper, R"(u3	{"info":{"revision":")" + rev + R"(0000001"}})").ok());
  REQUIRE(out.lines.size() == 3);
  CHECK(out.lines[0] == "linear\t0,1,2,3,4,");
  CHECK(out.lines[1] == "error\tno info.revision in the record");
  CHECK(out.lines[2].rfind("error\trevision " + rev + "0000001: ", 0) == 0);
}

}  // namespace
}  // namespace tm_core
