#include "tm_core/gzip.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "fakes.h"

namespace tm_core {
namespace {

std::string Gzip(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = data.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST_CASE("gzip data inflates to what was compressed", "[gzip]") {
  std::string text = "{\"ver\":1,\"histograms\":{}}";
  for (int i = 0; i < 1000; ++i) text += std::to_string(i);
  std::string out;
  REQUIRE(InflateGzip(Gzip(text), 1 << 20, &out).ok());
  CHECK(out == text);
  CHECK(IsGzip(Gzip(text)));
  CHECK_FALSE(IsGzip(text));
}

TEST_CASE("Concatenated gzip members inflate to the concatenation, as gunzip does", "[gzip]") {
  std::string out;
  REQUIRE(InflateGzip(Gzip("abc") + Gzip("def"), 1 << 20, &out).ok());
  CHECK(out == "abcdef");
}

TEST_CASE("Damaged gzip data is corruption", "[gzip]") {
  std::string good = Gzip(std::string(5000, 'a') + "b");
  std::string out;
  Status truncated = InflateGzip(good.substr(0, good.size() / 2), 1 << 20, &out);
  CHECK(truncated.code() == Status::Code::kCorruption);
  CHECK(truncated.message() == "truncated gzip data");
  Status trailing = InflateGzip(good + "junk", 1 << 20, &out);
  CHECK(trailing.code() == Status::Code::kCorruption);
  std::string flipped = good;
  flipped[12] ^= 0x55;
  CHECK(InflateGzip(flipped, 1 << 20, &out).code() == Status::Code::kCorruption);
  CHECK(InflateGzip("", 1 << 20, &out).code() == Status::Code::kCorruption);
  CHECK(InflateGzip("plain text", 1 << 20, &out).code() == Status::Code::kCorruption);
}

TEST_CASE("A gzip bomb stops at the cap instead of filling memory", "[gzip]") {
  // 256 MiB of zeros compress to about 256 KiB.
  std::string bomb = Gzip(std::string(256 << 20, '\0'));
  REQUIRE(bomb.size() < (1 << 20));
  std::string out;
  Status s = InflateGzip(bomb, 1 << 20, &out);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "inflates to more than 1048576 bytes");
  CHECK(out.capacity() <= (4 << 20));
}

TEST_CASE("A body of exactly the cap inflates", "[gzip]") {
  std::string out;
  CHECK(InflateGzip(Gzip(std::string(1000, 'x')), 1000, &out).ok());
  CHECK(out.size() == 1000);
  CHECK_FALSE(InflateGzip(Gzip(std::string(1001, 'x')), 1000, &out).ok());
}

TEST_CASE("The shared gzip'd text inflates", "[gzip][shared]") {
  TM_SHARED_FILE_OR_SKIP(path, "peer/test/test.txt.gz");
  std::string out;
  REQUIRE(InflateGzip(test::ReadFile(path), 1 << 20, &out).ok());
  CHECK_FALSE(out.empty());
}

}  // namespace
}  // namespace tm_core
