#include "tm_core/spec_cache.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fakes.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kSpec[] = R"({"A":{"kind":"flag","description":"x"}})";
constexpr char kAurora[] = "https://hg.mozilla.org/releases/mozilla-aurora/rev/a55c55edf302";
constexpr char kAuroraPath[] =
    "/releases/mozilla-aurora/raw-file/a55c55edf302/toolkit/components/telemetry/Histograms.json";
constexpr char kTemplateTail[] = "/{repo}/raw-file/{rev}/toolkit/components/telemetry/Histograms.json";

// Options for a test: the server's URLs, a cache under `dir`, and retry and
// timeout settings short enough to keep the test quick.
SpecCacheOptions Options(const test::HttpServer& server, const test::TempDir& dir) {
  SpecCacheOptions o;
  o.url_template = server.url() + kTemplateTail;
  o.cache_dir = dir.path() + "/cache";
  o.connect_timeout = milliseconds(2000);
  o.timeout = milliseconds(2000);
  o.backoff = milliseconds(1);
  return o;
}

std::string CachedFile(const test::TempDir& dir, const std::string& repo_and_rev) {
  return dir.path() + "/cache/" + repo_and_rev + "/Histograms.json";
}

// Every file below `root`, relative to it.
std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (!e.is_directory()) files.push_back(fs::relative(e.path(), root).string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("http and https revision URLs name the same revision", "[spec_cache]") {
  const std::string hash = GENERATE(std::string("a55c55edf302"),
                                    std::string("a55c55edf302c1f6b5e8a5cbb5f0e6f2e5fb2a63"));
  const std::string path = "hg.mozilla.org/releases/mozilla-aurora/rev/" + hash;
  Revision https, http;
  REQUIRE(ParseRevisionUrl("https://" + path, &https).ok());
  REQUIRE(ParseRevisionUrl("http://" + path, &http).ok());
  CHECK(https.repository == "releases/mozilla-aurora");
  CHECK(https.hash == hash);
  CHECK(http.repository == https.repository);
  CHECK(http.hash == https.hash);
}

TEST_CASE("A revision URL may end in a slash and its hash is lowercased", "[spec_cache]") {
  Revision r;
  REQUIRE(ParseRevisionUrl("https://hg.mozilla.org:443/mozilla-central/rev/ABCDEF0/", &r).ok());
  CHECK(r.repository == "mozilla-central");
  CHECK(r.hash == "abcdef0");
}

TEST_CASE("Anything but a plain revision URL is InvalidArgument", "[spec_cache]") {
  const std::string url = GENERATE(
      std::string(""), "ftp://hg.mozilla.org/mozilla-central/rev/abcdef",
      "file:///mozilla-central/rev/abcdef", "hg.mozilla.org/mozilla-central/rev/abcdef",
      "https://hg.mozilla.org/mozilla-central/rev/abcdef?x=1",
      "https://hg.mozilla.org/mozilla-central/rev/abcdef#frag",
      "https://hg.mozilla.org/mozilla%2fcentral/rev/abcdef",
      "https://evil.example/../../etc/rev/abcdef", "https://h/a/./b/rev/abcdef",
      "https://h/a//b/rev/abcdef", "https://hg.mozilla.org/rev/abcdef",
      "https://hg.mozilla.org/mozilla-central/rev/", "https://hg.mozilla.org/mozilla-central/rev",
      "https://hg.mozilla.org/mozilla-central/abcdef", "https://h/m/rev/abcde",
      "https://h/m/rev/" + std::string(41, 'a'), "https://h/m/rev/abcdeg",
      "https://h/m/rev/abcdef//", "https:///m/rev/abcdef", "https://user@h/m/rev/abcdef",
      "https://h/m\n/rev/abcdef", std::string("https://h/m\0x/rev/abcdef", 24),
      "https://h/1/2/3/4/5/6/7/8/9/rev/abcdef", "https://h/" + std::string(201, 'm') + "/rev/abcdef",
      "https://h/" + std::string(5000, 'm') + "/rev/abcdef");
  CAPTURE(url);
  Revision r;
  Status s = ParseRevisionUrl(url, &r);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find('\n') == std::string::npos);
}

TEST_CASE("Many Gets of one revision cost one fetch and one parse", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, kSpec);
  SpecCache cache(Options(server, dir));
  std::shared_ptr<const Spec> first;
  REQUIRE(cache.Get(kAurora, &first).ok());
  REQUIRE(first);
  CHECK(first->Find("A") != nullptr);
  for (int i = 0; i < 10; ++i) {
    std::shared_ptr<const Spec> again;
    REQUIRE(cache.Get(i % 2 ? kAurora : "http://hg.mozilla.org/releases/mozilla-aurora/rev/A55C55EDF302/",
                      &again).ok());
    CHECK(again == first);
  }
  CHECK(server.requests() == 1);
  CHECK(cache.counters().lookups == 11);
  CHECK(cache.counters().memory_hits == 10);
  CHECK(cache.counters().fetches == 1);
  CHECK(cache.counters().parses == 1);
  CHECK(test::ReadFile(CachedFile(dir, "releases/mozilla-aurora/a55c55edf302")) == kSpec);
  CHECK(FilesUnder(dir.path()) ==
        std::vector<std::string>{"cache/releases/mozilla-aurora/a55c55edf302/Histograms.json"});
}

TEST_CASE("A second cache finds the spec on disk without a request", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, kSpec);
  std::shared_ptr<const Spec> spec;
  {
    SpecCache first(Options(server, dir));
    REQUIRE(first.Get(kAurora, &spec).ok());
  }
  SpecCache second(Options(server, dir));
  REQUIRE(second.Get(kAurora, &spec).ok());
  CHECK(spec->Find("A") != nullptr);
  CHECK(server.requests() == 1);
  CHECK(second.counters().disk_hits == 1);
  CHECK(second.counters().fetches == 0);
}

TEST_CASE("Offline, a cached spec is found and a missing one is NotFound", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, kSpec);
  SpecCacheOptions options = Options(server, dir);
  options.offline = true;
  std::shared_ptr<const Spec> spec;
  {
    SpecCache cache(options);
    Status s = cache.Get(kAurora, &spec);
    CHECK(s.code() == Status::Code::kNotFound);
    CHECK(s.message().find("a55c55edf302") != std::string::npos);
    CHECK_FALSE(spec);
  }
  fs::create_directories(dir.path() + "/cache/releases/mozilla-aurora/a55c55edf302");
  std::ofstream(CachedFile(dir, "releases/mozilla-aurora/a55c55edf302")) << kSpec;
  SpecCache cache(options);
  REQUIRE(cache.Get(kAurora, &spec).ok());
  CHECK(spec->Find("A") != nullptr);
  CHECK(server.requests() == 0);
}

TEST_CASE("A 404 is NotFound at once and remembered for negative_ttl", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  SpecCacheOptions options = Options(server, dir);
  options.negative_ttl = milliseconds(50);
  SpecCache cache(options);
  std::shared_ptr<const Spec> spec;
  Status s = cache.Get(kAurora, &spec);
  CHECK(s.code() == Status::Code::kNotFound);
  CHECK(s.message() == server.url() + kAuroraPath + ": HTTP 404");
  CHECK(server.requests() == 1);
  Status again = cache.Get(kAurora, &spec);
  CHECK(again.code() == Status::Code::kNotFound);
  CHECK(again.message() == s.message());
  CHECK(server.requests() == 1);
  CHECK(cache.counters().negative_hits == 1);
  std::this_thread::sleep_for(milliseconds(60));
  server.Serve(kAuroraPath, kSpec);
  REQUIRE(cache.Get(kAurora, &spec).ok());
  CHECK(server.requests() == 2);
}

TEST_CASE("Two 500s then a 200 succeed in three requests", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, kSpec);
  server.FailNext(2, 500);
  SpecCache cache(Options(server, dir));
  std::shared_ptr<const Spec> spec;
  REQUIRE(cache.Get(kAurora, &spec).ok());
  CHECK(server.requests() == 3);
  CHECK(cache.counters().fetches == 3);
  CHECK(cache.counters().parses == 1);
}

TEST_CASE("A server that always answers 500 is an IoError after all attempts", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.FailNext(1000, 503);
  SpecCacheOptions options = Options(server, dir);
  options.attempts = 4;
  SpecCache cache(options);
  std::shared_ptr<const Spec> spec;
  Status s = cache.Get(kAurora, &spec);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.message() == server.url() + kAuroraPath + ": HTTP 503 (after 4 attempts)");
  CHECK(server.requests() == 4);
  CHECK_FALSE(fs::exists(dir.path() + "/cache/releases"));
}

TEST_CASE("A server slower than the timeout is an IoError naming the URL", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, kSpec);
  server.set_delay(milliseconds(300));
  SpecCacheOptions options = Options(server, dir);
  options.timeout = milliseconds(50);
  options.attempts = 2;
  SpecCache cache(options);
  std::shared_ptr<const Spec> spec;
  Status s = cache.Get(kAurora, &spec);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK_THAT(s.message(), Catch::StartsWith(server.url() + kAuroraPath + ": "));
  CHECK_THAT(s.message(), Catch::Contains("timed out"));
  CHECK_THAT(s.message(), Catch::EndsWith("(after 2 attempts)"));
  CHECK(cache.counters().fetches == 2);
}

TEST_CASE("A spec larger than max_spec_size is refused and not cached", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  const bool chunked = GENERATE(false, true);  // with and without Content-Length
  CAPTURE(chunked);
  server.set_chunked(chunked);
  std::string big = R"({"A":{"kind":"flag","description":")" + std::string(20000, 'x') + "\"}}";
  server.Serve(kAuroraPath, big);
  SpecCacheOptions options = Options(server, dir);
  options.max_spec_size = 10000;
  SpecCache cache(options);
  std::shared_ptr<const Spec> spec;
  Status s = cache.Get(kAurora, &spec);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == server.url() + kAuroraPath + ": larger than 10000 bytes");
  CHECK(server.requests() == 1);
  CHECK_FALSE(fs::exists(dir.path() + "/cache/releases"));
}

TEST_CASE("An unparsable spec is Corruption and is not written to disk", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, "<html>not json</html>");
  SpecCache cache(Options(server, dir));
  std::shared_ptr<const Spec> spec;
  Status s = cache.Get(kAurora, &spec);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::StartsWith(server.url() + kAuroraPath + ": "));
  CHECK_FALSE(fs::exists(CachedFile(dir, "releases/mozilla-aurora/a55c55edf302")));
  CHECK(cache.Get(kAurora, &spec).code() == Status::Code::kCorruption);
  CHECK(server.requests() == 1);
}

TEST_CASE("A corrupt file on disk is fetched again online and refused offline", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve(kAuroraPath, kSpec);
  const std::string file = CachedFile(dir, "releases/mozilla-aurora/a55c55edf302");
  fs::create_directories(fs::path(file).parent_path());
  std::ofstream(file) << "{";
  SpecCacheOptions options = Options(server, dir);
  std::shared_ptr<const Spec> spec;
  options.offline = true;
  CHECK(SpecCache(options).Get(kAurora, &spec).code() == Status::Code::kCorruption);
  options.offline = false;
  REQUIRE(SpecCache(options).Get(kAurora, &spec).ok());
  CHECK(server.requests() == 1);
  CHECK(test::ReadFile(file) == kSpec);
}

TEST_CASE("A file:// template reads specs from a directory", "[spec_cache]") {
  test::TempDir dir;
  fs::create_directories(dir.path() + "/hg/releases/mozilla-aurora/a55c55edf302");
  std::ofstream(dir.path() + "/hg/releases/mozilla-aurora/a55c55edf302/Histograms.json") << kSpec;
  SpecCacheOptions options;
  options.url_template = "file://" + dir.path() + "/hg/{repo}/{rev}/Histograms.json";
  options.backoff = milliseconds(1);
  SpecCache cache(options);
  std::shared_ptr<const Spec> spec;
  REQUIRE(cache.Get(kAurora, &spec).ok());
  CHECK(spec->Find("A") != nullptr);
  Status s = cache.Get("https://hg.mozilla.org/releases/mozilla-aurora/rev/bbbbbb", &spec);
  CHECK(s.code() == Status::Code::kNotFound);
  CHECK_THAT(s.message(), Catch::Contains("/hg/releases/mozilla-aurora/bbbbbb/Histograms.json"));
  CHECK(cache.counters().fetches == 2);  // a missing file is not retried
}

TEST_CASE("A hostile revision URL neither picks the host nor escapes the cache", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  server.Serve("/latest/raw-file/abcdef/toolkit/components/telemetry/Histograms.json", kSpec);
  SpecCache cache(Options(server, dir));
  std::shared_ptr<const Spec> spec;
  CHECK(cache.Get("https://evil.example/../../etc/rev/abcdef", &spec).code() ==
        Status::Code::kInvalidArgument);
  CHECK(server.requests() == 0);
  REQUIRE(cache.Get("http://169.254.169.254/latest/rev/abcdef", &spec).ok());
  CHECK(server.paths() ==
        std::vector<std::string>{"/latest/raw-file/abcdef/toolkit/components/telemetry/Histograms.json"});
  CHECK(FilesUnder(dir.path()) == std::vector<std::string>{"cache/latest/abcdef/Histograms.json"});
}

TEST_CASE("Redirects are followed within http but never to file://", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  std::ofstream(dir.path() + "/secret.json") << kSpec;
  server.Serve("/elsewhere.json", kSpec);
  server.Redirect(kAuroraPath, server.url() + "/elsewhere.json");
  server.Redirect("/m/raw-file/abcdef/toolkit/components/telemetry/Histograms.json",
                  "file://" + dir.path() + "/secret.json");
  SpecCache cache(Options(server, dir));
  std::shared_ptr<const Spec> spec;
  REQUIRE(cache.Get(kAurora, &spec).ok());
  CHECK(server.requests() == 2);
  Status s = cache.Get("https://hg.mozilla.org/m/rev/abcdef", &spec);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(server.requests() == 3);  // not retried
}

TEST_CASE("The least recently used spec leaves memory first", "[spec_cache]") {
  test::HttpServer server;
  REQUIRE(server.ok());
  test::TempDir dir;
  for (std::string rev : {"aaaaaa", "bbbbbb", "cccccc"})
    server.Serve("/m/raw-file/" + rev + "/toolkit/components/telemetry/Histograms.json", kSpec);
  SpecCacheOptions options = Options(server, dir);
  options.cache_dir.clear();
  options.max_in_memory = 2;
  SpecCache cache(options);
  std::shared_ptr<const Spec> spec;
  for (std::string rev : {"aaaaaa", "bbbbbb", "aaaaaa", "cccccc", "aaaaaa", "bbbbbb"})
    REQUIRE(cache.Get("https://hg.mozilla.org/m/rev/" + rev, &spec).ok());
  CHECK(cache.counters().memory_hits == 2);  // "a" both times; "b" was evicted by "c"
  CHECK(server.requests() == 4);
  CHECK_FALSE(fs::exists(dir.path() + "/cache"));
}

}  // namespace
}  // namespace tm_core
