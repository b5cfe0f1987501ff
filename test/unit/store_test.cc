#include "tm_core/store.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "fakes.h"
#include "tm_core/digest.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;

void WriteFile(const std::string& path, std::string_view data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// Every file below `root`, hidden ones included, relative to it.
std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (!e.is_directory()) files.push_back(fs::relative(e.path(), root).string());
  std::sort(files.begin(), files.end());
  return files;
}

FileDigests Digests(const std::string& path, bool md5 = false, uint64_t part_size = 0) {
  FileDigests d;
  REQUIRE(DigestFile(path, md5, part_size, &d).ok());
  return d;
}

std::unique_ptr<Store> Open(const std::string& url) {
  std::unique_ptr<Store> store;
  REQUIRE(OpenStore(url, StoreOptions(), &store).ok());
  return store;
}

TEST_CASE("Digests are libcrypto's MD5 and SHA-256 in hex and base64", "[store]") {
  CHECK(Md5Hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string raw;
  REQUIRE(Unhex("900150983cd24fb0d6963f7d28e17f72", &raw));
  CHECK(Base64(raw) == "kAFQmDzST7DWlj99KOF/cg==");
  CHECK(Base64("") == "");
  CHECK(Base64("a") == "YQ==");
  CHECK(Hex(raw) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK_FALSE(Unhex("abc", &raw));
  CHECK_FALSE(Unhex("zz", &raw));
}

TEST_CASE("DigestFile gives the whole file's digests and each part's MD5", "[store]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/f";
  const std::string data = "0123456789";
  WriteFile(path, data);
  FileDigests d = Digests(path, true, 4);
  CHECK(d.size == 10);
  CHECK(d.sha256 == Sha256Hex(data));
  CHECK(d.md5 == Md5Hex(data));
  REQUIRE(d.part_md5s.size() == 3);
  CHECK(Hex(d.part_md5s[0]) == Md5Hex("0123"));
  CHECK(Hex(d.part_md5s[2]) == Md5Hex("89"));
  std::string joined;
  for (const auto& m : d.part_md5s) joined += m;
  CHECK(MultipartEtag(d.part_md5s) == Md5Hex(joined) + "-3");

  FileDigests whole = Digests(path);
  CHECK(whole.md5.empty());
  CHECK(whole.part_md5s.empty());
  CHECK(DigestFile(dir.path() + "/missing", false, 0, &d).code() == Status::Code::kIoError);
}

TEST_CASE("A part boundary inside a read buffer splits the parts there", "[store]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/f";
  std::string data(600 << 10, 'x');  // more than one 256 KiB read
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  WriteFile(path, data);
  const uint64_t part = GENERATE(uint64_t{100'000}, uint64_t{256 << 10}, uint64_t{600 << 10});
  CAPTURE(part);
  FileDigests d = Digests(path, false, part);
  REQUIRE(d.part_md5s.size() == (data.size() + part - 1) / part);
  for (size_t i = 0; i < d.part_md5s.size(); ++i)
    CHECK(Hex(d.part_md5s[i]) == Md5Hex(std::string_view(data).substr(i * part, part)));
}

TEST_CASE("Store URLs: s3 buckets and prefixes, file URLs and plain paths", "[store]") {
  StoreUrl u;
  REQUIRE(ParseStoreUrl("s3://bucket/some/prefix", &u).ok());
  CHECK(u.kind == StoreUrl::Kind::kS3);
  CHECK(u.bucket == "bucket");
  CHECK(u.prefix == "some/prefix/");
  CHECK(u.url == "s3://bucket/some/prefix/");
  REQUIRE(ParseStoreUrl("s3://bucket", &u).ok());
  CHECK(u.prefix == "");
  CHECK(u.url == "s3://bucket/");
  REQUIRE(ParseStoreUrl("s3://b.x-y_z/p/", &u).ok());
  CHECK(u.prefix == "p/");
  REQUIRE(ParseStoreUrl("file:///srv/a%20b", &u).ok());
  CHECK(u.kind == StoreUrl::Kind::kLocal);
  CHECK(u.path == "/srv/a b/");
  CHECK(u.url == "file:///srv/a%20b/");
  REQUIRE(ParseStoreUrl("file://localhost/srv/", &u).ok());
  CHECK(u.path == "/srv/");
  REQUIRE(ParseStoreUrl("out", &u).ok());
  CHECK(u.kind == StoreUrl::Kind::kLocal);
  CHECK(u.path == "out/");
  CHECK(u.url == "out/");
}

TEST_CASE("Anything else is not a store URL", "[store]") {
  const std::string url =
      GENERATE(std::string(""), "ftp://host/x", "s3://", "s3:///x", "s3://b/a//c", "s3://b/../x",
               "s3://b/./x", "s3://bu cket/x", "file://host/x", "file://relative", "file:///bad%zz",
               "file:///nul%00", std::string("a\0b", 3));
  CAPTURE(url);
  StoreUrl u;
  CHECK(ParseStoreUrl(url, &u).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Keys are relative paths of plain segments", "[store]") {
  for (const std::string& key :
       std::vector<std::string>{"a", "a/b.c", "..a", "a..b", "a b/c+d é", ".hidden/x"}) {
    CAPTURE(key);
    CHECK(IsValidKey(key));
  }
  for (const std::string& key :
       std::vector<std::string>{"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../a",
                                std::string("a\0b", 3), std::string(1025, 'a')}) {
    CAPTURE(key);
    CHECK_FALSE(IsValidKey(key));
  }
}

TEST_CASE("An object is the same as a file only if every checksum it carries matches", "[store]") {
  FileDigests file;
  file.size = 3;
  file.sha256 = Sha256Hex("abc");
  file.md5 = Md5Hex("abc");
  ObjectInfo o;
  o.size = 3;
  CHECK_FALSE(SameContent(o, file));  // nothing to compare
  o.sha256 = file.sha256;
  CHECK(SameContent(o, file));
  o.etag = "900150983CD24FB0D6963F7D28E17F72";
  CHECK(SameContent(o, file));
  o.etag = "00000000000000000000000000000000";
  CHECK_FALSE(SameContent(o, file));              // the ETag disagrees
  o.etag = "900150983cd24fb0d6963f7d28e17f72-2";  // multipart: not an MD5 of the bytes
  CHECK(SameContent(o, file));
  o.sha256.clear();
  CHECK_FALSE(SameContent(o, file));
  o.etag = Md5Hex("abc");
  CHECK(SameContent(o, file));
  file.md5.clear();
  CHECK_FALSE(SameContent(o, file));  // an MD5 ETag, but the file's MD5 was not computed
  o.size = 4;
  o.sha256 = file.sha256;
  CHECK_FALSE(SameContent(o, file));
  CHECK(EtagMd5("d41d8cd98f00b204e9800998ecf8427e") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(EtagMd5("d41d8cd98f00b204e9800998ecf8427e-1").empty());
  CHECK(EtagMd5("").empty());
}

TEST_CASE("A local store publishes by rename and lists only finished files", "[store]") {
  test::TempDir dir;
  const std::string src = dir.path() + "/src";
  WriteFile(src, "payload");
  auto store = Open("file://" + dir.path() + "/pub");
  CHECK(store->url() == "file://" + dir.path() + "/pub/");
  REQUIRE(store->Put("a/b/c.lzma", src, Digests(src)).ok());
  REQUIRE(store->Put("a/d.lzma", src, Digests(src)).ok());
  REQUIRE(store->Put("e.lzma", src, Digests(src)).ok());
  WriteFile(dir.path() + "/pub/a/.f.lzma.tmp", "being written");
  WriteFile(dir.path() + "/pub/.hidden/g.lzma", "x");
  CHECK(test::ReadFile(dir.path() + "/pub/a/b/c.lzma") == "payload");
  struct stat st;
  REQUIRE(::stat((dir.path() + "/pub/a/b/c.lzma").c_str(), &st) == 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK((st.st_mode & 0777) == (0666 & ~mask));

  std::vector<ObjectInfo> all;
  REQUIRE(store->List("", &all).ok());
  std::vector<std::string> keys;
  for (const auto& o : all) keys.push_back(o.key + "=" + std::to_string(o.size));
  CHECK(keys == std::vector<std::string>{"a/b/c.lzma=7", "a/d.lzma=7", "e.lzma=7"});
  std::vector<ObjectInfo> some;
  REQUIRE(store->List("a/b", &some).ok());
  REQUIRE(some.size() == 1);
  CHECK(some[0].key == "a/b/c.lzma");
  some.clear();
  REQUIRE(store->List("nothing/", &some).ok());
  CHECK(some.empty());

  ObjectInfo head;
  REQUIRE(store->Head("a/d.lzma", &head).ok());
  CHECK(head.size == 7);
  CHECK(head.sha256 == Sha256Hex("payload"));
  CHECK(SameContent(head, Digests(src)));
  CHECK(store->Head("nope", &head).code() == Status::Code::kNotFound);

  ObjectInfo got;
  REQUIRE(store->Get("a/d.lzma", dir.path() + "/down/x", &got).ok());
  CHECK(test::ReadFile(dir.path() + "/down/x") == "payload");
  CHECK(got.sha256 == Sha256Hex("payload"));
  CHECK(store->Get("nope", dir.path() + "/down/y", &got).code() == Status::Code::kNotFound);
  CHECK(FilesUnder(dir.path() + "/down") == std::vector<std::string>{"x"});

  REQUIRE(store->Delete("e.lzma").ok());
  REQUIRE(store->Delete("e.lzma").ok());  // already gone
  CHECK_FALSE(fs::exists(dir.path() + "/pub/e.lzma"));
  CHECK(store->Put("../escape", src, Digests(src)).code() == Status::Code::kInvalidArgument);
  CHECK(store->Get("/etc/passwd", dir.path() + "/z", &got).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("A local store refuses a file that changed since it was digested", "[store]") {
  test::TempDir dir;
  const std::string src = dir.path() + "/src";
  WriteFile(src, "before");
  FileDigests before = Digests(src);
  WriteFile(src, "after!");
  auto store = Open(dir.path() + "/pub");
  Status s = store->Put("x", src, before);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == src + ": changed while being copied");
  CHECK(FilesUnder(dir.path() + "/pub").empty());  // no object, no temporary
  REQUIRE(store->Put("x", src, Digests(src)).ok());
  CHECK(test::ReadFile(dir.path() + "/pub/x") == "after!");
}

TEST_CASE("A local Put replaces an object whole", "[store]") {
  test::TempDir dir;
  const std::string src = dir.path() + "/src";
  auto store = Open(dir.path() + "/pub");
  WriteFile(src, "one");
  REQUIRE(store->Put("k", src, Digests(src)).ok());
  WriteFile(src, "two, longer");
  REQUIRE(store->Put("k", src, Digests(src)).ok());
  CHECK(test::ReadFile(dir.path() + "/pub/k") == "two, longer");
  CHECK(FilesUnder(dir.path() + "/pub") == std::vector<std::string>{"k"});
}

}  // namespace
}  // namespace tm_core
