// Digests: MD5 and SHA-256 from OpenSSL's libcrypto, for the checksums that
// S3 asks for (Content-MD5, x-amz-content-sha256), the ETags it answers with,
// and our own x-amz-meta-sha256. Never hand-written: only the hex and base64
// glue is ours.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/status.h"

namespace tm_core {

// One running digest. Not copyable; Finish() may be called once.
class Digest {
 public:
  enum class Kind { kMd5, kSha256 };
  explicit Digest(Kind kind);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // The raw digest bytes (16 or 32).
  std::string Finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Lowercase hex of raw bytes; standard base64 (with padding) of raw bytes.
std::string Hex(std::string_view bytes);
std::string Base64(std::string_view bytes);
// The raw bytes of a hex string; false if `hex` is not an even number of hex digits.
bool Unhex(std::string_view hex, std::string* bytes);

std::string Md5Hex(std::string_view data);
std::string Sha256Hex(std::string_view data);

// What is known of a local file's bytes: its size and digests (hex).
struct FileDigests {
  uint64_t size = 0;
  std::string sha256;  // always set by DigestFile
  std::string md5;     // empty unless asked for
  // With part_size > 0: the raw MD5 of each part_size-byte part, in order
  // (the last one may be shorter), as a multipart upload sends them.
  std::vector<std::string> part_md5s;
  uint64_t part_size = 0;
};

// Reads the whole of `path` once and fills *digests: SHA-256 always, MD5 if
// `md5`, and the MD5 of each part if `part_size` > 0. IoError "PATH: reason".
Status DigestFile(const std::string& path, bool md5, uint64_t part_size, FileDigests* digests);

// The ETag S3 gives an object made of parts with these raw MD5s:
// hex(MD5(md5_1 || md5_2 || ...)) + "-" + count.
std::string MultipartEtag(const std::vector<std::string>& part_md5s);

}  // namespace tm_core
