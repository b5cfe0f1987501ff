#include "tm_core/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "tm_core/byte_source.h"

namespace tm_core {

struct Digest::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Digest::Digest(Kind kind) : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Only allocation can fail here (both algorithms are in the default
  // provider): a bug or exhausted memory, not a data error.
  if (!ctx_->md ||
      EVP_DigestInit_ex(ctx_->md, kind == Kind::kMd5 ? EVP_md5() : EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("libcrypto: cannot start a digest");
}

Digest::~Digest() = default;

void Digest::Update(const void* data, size_t n) {
  if (n > 0) EVP_DigestUpdate(ctx_->md, data, n);
}

std::string Digest::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool Unhex(std::string_view hex, std::string* bytes) {
  auto value = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) return false;
  bytes->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = value(hex[i]), lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    *bytes += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

std::string Md5Hex(std::string_view data) {
  Digest d(Digest::Kind::kMd5);
  d.Update(data);
  return Hex(d.Finish());
}

std::string Sha256Hex(std::string_view data) {
  Digest d(Digest::Kind::kSha256);
  d.Update(data);
  return Hex(d.Finish());
}

Status DigestFile(const std::string& path, bool md5, uint64_t part_size, FileDigests* digests) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path, errno);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto source = NewFdSource(fd, true);
  Digest sha(Digest::Kind::kSha256);
  std::unique_ptr<Digest> whole_md5, part_md5;
  if (md5) whole_md5 = std::make_unique<Digest>(Digest::Kind::kMd5);
  *digests = FileDigests();
  digests->part_size = part_size;
  uint64_t in_part = 0;
  std::vector<char> buf(256 << 10);
  for (;;) {
    size_t n = 0;
    if (Status s = source->Read(buf.data(), buf.size(), &n); !s.ok())
      return Status::IoError(path + ": " + s.message());
    if (n == 0) break;
    sha.Update(buf.data(), n);
    if (whole_md5) whole_md5->Update(buf.data(), n);
    // Parts need not line up with reads: split the chunk at part boundaries.
    for (size_t off = 0; part_size > 0 && off < n;) {
      if (!part_md5) part_md5 = std::make_unique<Digest>(Digest::Kind::kMd5);
      size_t take = std::min<uint64_t>(n - off, part_size - in_part);
      part_md5->Update(buf.data() + off, take);
      off += take;
      in_part += take;
      if (in_part == part_size) {
        digests->part_md5s.push_back(part_md5->Finish());
        part_md5.reset();
        in_part = 0;
      }
    }
    digests->size += n;
  }
  if (part_md5) digests->part_md5s.push_back(part_md5->Finish());
  if (part_size > 0 && digests->part_md5s.empty())  // an empty file is one empty part
    digests->part_md5s.push_back(Digest(Digest::Kind::kMd5).Finish());
  digests->sha256 = Hex(sha.Finish());
  if (whole_md5) digests->md5 = Hex(whole_md5->Finish());
  return Status::Ok();
}

std::string MultipartEtag(const std::vector<std::string>& part_md5s) {
  Digest d(Digest::Kind::kMd5);
  for (const auto& m : part_md5s) d.Update(m);
  return Hex(d.Finish()) + "-" + std::to_string(part_md5s.size());
}

}  // namespace tm_core
