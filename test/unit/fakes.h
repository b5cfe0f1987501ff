// Test doubles for the streaming interfaces: in-memory sources that split
// their input anywhere, and reporters that remember what they were told.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "tm_core/byte_source.h"
#include "tm_core/raw_log.h"

namespace tm_core::test {

// Hands out at most `chunk` bytes per Read(), so readers see every split.
class StringSource : public ByteSource {
 public:
  static std::unique_ptr<ByteSource> New(std::string data, size_t chunk = 4096) {
    return std::make_unique<StringSource>(std::move(data), chunk);
  }
  StringSource(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Status Read(char* buf, size_t n, size_t* got) override {
    *got = std::min({n, chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, *got, buf);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Fails with EIO after handing out `good` bytes.
class FailingSource : public ByteSource {
 public:
  FailingSource(std::string data, size_t good) : data_(std::move(data)), good_(good) {}
  Status Read(char* buf, size_t n, size_t* got) override {
    if (pos_ >= good_) {
      *got = 0;
      return Status::IoError("read error", 5);
    }
    *got = std::min(n, good_ - pos_);
    std::copy_n(data_.data() + pos_, *got, buf);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string data_;
  size_t good_;
  size_t pos_ = 0;
};

// Remembers each skipped run as "file@offset+bytes: why".
struct CollectingReporter : RawLogReader::Reporter {
  std::vector<std::string> skipped;
  uint64_t bytes = 0;
  void Skipped(const Position& where, uint64_t n, std::string_view why) override {
    skipped.push_back(where.file + "@" + std::to_string(where.offset) + "+" + std::to_string(n) +
                      ": " + std::string(why));
    bytes += n;
  }
};

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tm-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The real third-party files of ../shared/testdata, if this checkout has them.
inline std::string SharedTestData(const std::string& relative) {
  const char* root = std::getenv("TM_SHARED_TESTDATA");
  std::filesystem::path base = root ? root : TM_SOURCE_DIR "/../shared/testdata";
  std::filesystem::path p = base / relative;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tm_core::test

// Declares `var` as the path of a file of ../shared/testdata, or skips the
// test visibly (ctest's SKIP_REGULAR_EXPRESSION) when the folder is absent.
#define TM_SHARED_FILE_OR_SKIP(var, relative)              \
  const std::string var = ::tm_core::test::SharedTestData(relative); \
  if (var.empty()) {                                       \
    WARN("SKIPPED: ../shared/testdata is absent");         \
    SUCCEED();                                             \
    return;                                                \
  }

namespace tm_core::test {

}  // namespace tm_core::test
