#include "tm_core/xz.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>

#include "fakes.h"

namespace tm_core {
namespace {

// Everything a ByteSource hands out, read `chunk` bytes at a time.
std::string ReadAll(ByteSource& source, size_t chunk, Status* status) {
  std::string out, buf(chunk, '\0');
  for (;;) {
    size_t got = 0;
    *status = source.Read(buf.data(), buf.size(), &got);
    if (!status->ok() || got == 0) return out;
    out.append(buf.data(), got);
  }
}

std::string Compress(const std::vector<std::string>& writes, uint32_t level, uint32_t threads) {
  test::TempDir dir;
  const std::string path = dir.path() + "/f.xz";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  REQUIRE(fd >= 0);
  {
    XzWriter xz;
    REQUIRE(xz.Open(fd, level, threads).ok());
    size_t total = 0;
    for (const std::string& w : writes) {
      REQUIRE(xz.Write(w).ok());
      total += w.size();
    }
    REQUIRE(xz.Finish().ok());
    CHECK(xz.bytes_in() == total);
    CHECK(xz.bytes_out() == static_cast<uint64_t>(::lseek(fd, 0, SEEK_CUR)));
  }
  ::close(fd);
  return test::ReadFile(path);
}

TEST_CASE("What XzWriter compresses, an xz source gives back, read in any chunks", "[xz]") {
  std::mt19937 random(7);
  std::string noise(300000, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  const std::vector<std::string> writes = {"", "a\tb\n", std::string(600000, 'x'), noise, "end\n"};
  std::string all;
  for (const std::string& w : writes) all += w;
  const uint32_t threads = GENERATE(1, 2);
  const uint32_t level = GENERATE(0, 6);
  CAPTURE(threads, level);
  std::string compressed = Compress(writes, level, threads);
  CHECK(compressed.size() < all.size());
  for (size_t chunk : {1, 4093, 1 << 20}) {
    auto source = NewXzSource(test::StringSource::New(compressed, chunk == 1 ? 7 : chunk));
    REQUIRE(source);
    Status status;
    CHECK(ReadAll(*source, chunk, &status) == all);
    CHECK(status.ok());
  }
}

TEST_CASE("Concatenated xz streams read as one, as xz -dc reads them", "[xz]") {
  std::string two = Compress({"one\n"}, 0, 1) + Compress({"two\n"}, 0, 1);
  auto source = NewXzSource(test::StringSource::New(two));
  Status status;
  CHECK(ReadAll(*source, 100, &status) == "one\ntwo\n");
  CHECK(status.ok());
}

TEST_CASE("A damaged or truncated xz stream is Corruption", "[xz]") {
  std::string good = Compress({std::string(10000, 'y')}, 0, 1);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x55;
  for (const std::string& bad : {flipped, good.substr(0, good.size() - 10), std::string("not xz at all")}) {
    auto source = NewXzSource(test::StringSource::New(bad));
    Status status;
    ReadAll(*source, 4096, &status);
    CHECK(status.code() == Status::Code::kCorruption);
    CHECK(status.message().rfind("xz: ", 0) == 0);
  }
}

TEST_CASE("The old system's real store files (legacy .lzma) read as <uuid><TAB><json> lines", "[xz]") {
  TM_SHARED_FILE_OR_SKIP(path, "peer/analysis/example/test/ss-ff-n-22.lzma");
  auto source = NewXzSource(test::StringSource::New(test::ReadFile(path)));
  Status status;
  std::string text = ReadAll(*source, 65536, &status);
  REQUIRE(status.ok());
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  size_t lines = 0;
  for (size_t start = 0; start < text.size(); ++lines) {
    size_t end = text.find('\n', start);
    std::string_view line(text.data() + start, end - start);
    CHECK(line.find('\t') == 36);  // a uuid, then the JSON
    CHECK(line.substr(37, 1) == "{");
    start = end + 1;
  }
  CHECK(lines >= 1);
}

}  // namespace
}  // namespace tm_core
