#include "tm_core/rotating_log.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <thread>

#include "fakes.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> Finished(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& n : Names(dir))
    if (n.ends_with(".finished")) out.push_back(dir + "/" + n);
  return out;
}

std::string Record(const std::string& path, const std::string& body) {
  std::string out;
  REQUIRE(AppendRawRecord(RawLogVersion::kV1, {1000, "", path, body}, &out).ok());
  return out;
}

RotatingLogOptions Options(const std::string& dir) {
  RotatingLogOptions o;
  o.dir = dir;
  o.host = "testhost";
  return o;
}

std::vector<std::string> Errors;
auto OnError = [](const Status& s) { Errors.push_back(s.message()); };

TEST_CASE("No log exists until the first record, and Finish renames it whole", "[rotating_log]") {
  test::TempDir dir;
  RotatingLog log(Options(dir.path()), OnError);
  CHECK(Names(dir.path()).empty());
  std::string a = Record("a", "one"), b = Record("b", "two");
  REQUIRE(log.Append(a, 5000).ok());
  REQUIRE(log.Append(b, 5001).ok());
  auto names = Names(dir.path());
  REQUIRE(names.size() == 1);
  CHECK(names[0] == "telemetry.log.v1.testhost." + std::to_string(::getpid()) + ".5000");
  CHECK(Finished(dir.path()).empty());
  REQUIRE(log.Finish().ok());
  auto finished = Finished(dir.path());
  REQUIRE(finished.size() == 1);
  CHECK(test::ReadFile(finished[0]) == a + b);
  CHECK(log.rotations(RotatingLog::Cause::kShutdown) == 1);
  REQUIRE(log.Finish().ok());  // nothing more to finish
  CHECK(Names(dir.path()).size() == 1);
}

TEST_CASE("A log is finished once it reaches the size limit", "[rotating_log]") {
  test::TempDir dir;
  auto options = Options(dir.path());
  std::string rec = Record("p", std::string(100, 'x'));
  options.max_size = rec.size() * 3;
  RotatingLog log(options, OnError);
  for (int i = 0; i < 7; ++i) REQUIRE(log.Append(rec, 1000).ok());
  auto finished = Finished(dir.path());
  REQUIRE(finished.size() == 2);
  for (const auto& f : finished) CHECK(fs::file_size(f) == rec.size() * 3);
  CHECK(log.rotations(RotatingLog::Cause::kSize) == 2);
  CHECK(log.current_size() == rec.size());
  // Names are unique even when logs start within one millisecond.
  CHECK(Names(dir.path()).size() == 3);
}

TEST_CASE("An idle log is finished after max_idle, a busy one after max_span", "[rotating_log]") {
  test::TempDir dir;
  auto options = Options(dir.path());
  options.max_idle = 10;
  options.max_span = 60;
  RotatingLog log(options, OnError);
  REQUIRE(log.Append(Record("a", "x"), 100000).ok());
  log.Tick(109999);
  CHECK(Finished(dir.path()).empty());
  log.Tick(110000);
  CHECK(Finished(dir.path()).size() == 1);
  CHECK(log.rotations(RotatingLog::Cause::kIdle) == 1);

  for (uint64_t t = 200000; t <= 260000; t += 5000) {
    REQUIRE(log.Append(Record("b", "y"), t).ok());
    log.Tick(t);
  }
  CHECK(log.rotations(RotatingLog::Cause::kSpan) == 1);
  CHECK(Finished(dir.path()).size() == 2);
}

TEST_CASE("Concurrent writers on several lanes never interleave records", "[rotating_log]") {
  test::TempDir dir;
  auto options = Options(dir.path());
  options.lanes = 3;
  options.max_size = 50000;
  RotatingLog log(options, OnError);
  const int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        REQUIRE(log.Append(Record(id, std::string(50 + i % 200, 'a' + t)), 1000).ok());
      }
    });
  for (auto& th : threads) th.join();
  REQUIRE(log.Finish().ok());
  std::set<std::string> seen;
  for (const auto& f : Finished(dir.path())) {
    test::CollectingReporter reporter;
    RawLogReader reader(test::StringSource::New(test::ReadFile(f)), f, &reporter);
    RawRecord r;
    while (reader.Next(&r)) {
      int t = std::stoi(std::string(r.path.substr(0, r.path.find('-'))));
      int i = std::stoi(std::string(r.path.substr(r.path.find('-') + 1)));
      CHECK(r.body == std::string(50 + i % 200, 'a' + t));
      CHECK(seen.insert(std::string(r.path)).second);
    }
    CHECK(reporter.skipped.empty());
  }
  CHECK(seen.size() == kThreads * kEach);
}

TEST_CASE("Logs left by a dead process of this host are finished, others are left alone",
          "[rotating_log]") {
  test::TempDir dir;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a pid that surely runs no more
  const std::string dead = "telemetry.log.v1.testhost." + std::to_string(child) + ".123";
  // Written with --include-ip by the dead process, recovered by a v1 one.
  const std::string dead_v2 = "telemetry.log.v2.testhost." + std::to_string(child) + ".124";
  const std::string alive = "telemetry.log.v1.testhost.1.456";  // init is alive
  const std::string other_host = "telemetry.log.v1.otherhost." + std::to_string(child) + ".789";
  for (const auto& n : {dead, dead_v2, alive, other_host}) std::ofstream(dir.path() + "/" + n) << "x";
  RotatingLog log(Options(dir.path()), OnError);
  auto recovered = log.RecoverOrphans();
  std::sort(recovered.begin(), recovered.end());
  CHECK(recovered == std::vector<std::string>{dead, dead_v2});
  CHECK(Names(dir.path()) == std::vector<std::string>{other_host, alive, dead + ".finished",
                                                      dead_v2 + ".finished"});
}

}  // namespace
}  // namespace tm_core

namespace tm_core {
namespace {

TEST_CASE("A batch is written in order and split where a log fills up", "[rotating_log]") {
  test::TempDir dir;
  auto options = Options(dir.path());
  std::vector<std::string> records;
  for (int i = 0; i < 10; ++i) records.push_back(Record("id-" + std::to_string(i), "body"));
  options.max_size = records[0].size() * 4;
  RotatingLog log(options, OnError);
  std::vector<std::string_view> views(records.begin(), records.end());
  size_t stored = 0;
  REQUIRE(log.AppendBatch(views, 1000, &stored).ok());
  CHECK(stored == 10);
  REQUIRE(log.Finish().ok());
  auto finished = Finished(dir.path());
  REQUIRE(finished.size() == 3);  // 4 + 4 + 2 records: rotation only between records
  std::string all;
  for (const auto& f : finished) all += test::ReadFile(f);
  std::string expected;
  for (const auto& r : records) expected += r;
  CHECK(all == expected);
  CHECK(test::ReadFile(finished[0]).size() == records[0].size() * 4);
}

}  // namespace
}  // namespace tm_core
