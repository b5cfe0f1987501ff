#include "tm_core/s3.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "tm_core/byte_source.h"
#include "tm_core/digest.h"
#include "tm_core/interrupt.h"
#include "tm_core/store_files.h"

#ifndef TM_VERSION
#define TM_VERSION "unknown"
#endif

namespace tm_core {
namespace {

// SHA-256 of no bytes: the payload hash of HEAD, GET, DELETE and empty POSTs.
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kMaxIniFileSize = 1 << 20;     // ~/.aws/credentials and config hold a few lines
constexpr size_t kMaxResponseBody = 16 << 20;   // a ListObjectsV2 page of 1000 long keys fits
constexpr uint64_t kMaxSinglePut = 5ull << 30;  // S3's largest PUT; above, parts are a must
constexpr uint64_t kMaxParts = 10'000;

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Unquote(std::string s) {
  // ETags come quoted ("…"), and some servers send W/ or &quot; forms.
  if (s.starts_with("W/")) s.erase(0, 2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<std::string> EnvValue(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;  // VAR= counts as unset, as in the AWS CLI
  return v;
}

std::string HomeDirectory(const EnvLookup& env) {
  if (auto home = EnvValue(env, "HOME")) return *home;
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_dir;
  return "";
}

// Reads an AWS file if there is one. A missing file is an empty one.
Status ReadIniFile(const std::string& path, IniSections* sections) {
  std::string text;
  if (Status s = ReadCappedFile(path, kMaxIniFileSize, &text); !s.ok())
    return s.code() == Status::Code::kNotFound ? Status::Ok() : s;
  Status s = ParseIni(text, sections);
  if (!s.ok()) return Status::InvalidArgument(path + ": " + s.message());
  return Status::Ok();
}

bool IsSigningDate(const std::string& s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// A counting semaphore: at most `jobs` requests in flight over all threads.
class Slots {
 public:
  explicit Slots(int n) : free_(n) {}
  void Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      ++free_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

// One HTTP request to the bucket.
struct Request {
  const char* method = "GET";        // GET, HEAD, PUT, POST, DELETE
  std::string key;                   // the full key in the bucket; empty: the bucket
  std::string query;                 // canonical (CanonicalQuery)
  std::vector<std::string> headers;  // more "Name: value" lines, all signed
  std::string body;                  // POST bodies
  int file_fd = -1;                  // PUT bodies: a range of a file
  uint64_t file_offset = 0, file_length = 0;
  std::string content_sha256 = kEmptySha256;  // hex of the body
  std::string content_md5;                    // base64; empty: not sent
  int out_fd = -1;                            // a 2xx body goes here (GET object)
  bool cleanup = false;  // an abort after a failure: sent even when interrupted
};

// What came back from one attempt.
struct Response {
  CURLcode curl = CURLE_OK;
  std::string curl_error;
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;                            // error bodies, and 2xx bodies without out_fd
  int read_errno = 0;                          // reading the file body failed
  std::string sent_md5;                        // raw MD5 of the file body bytes sent
  uint64_t out_bytes = 0;                      // written to out_fd
  std::string out_md5, out_sha256;             // raw digests of those bytes
  int write_errno = 0;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string ErrorCode() const { return XmlText(body, "Code"); }
};

enum class Verdict { kOk, kRetry, kFail };
struct Outcome {
  Verdict verdict = Verdict::kOk;
  Status status;
  static Outcome Ok() { return {}; }
  static Outcome Retry(Status s) { return {Verdict::kRetry, std::move(s)}; }
  static Outcome Fail(Status s) { return {Verdict::kFail, std::move(s)}; }
};

// Transfer errors that another attempt cannot fix.
bool IsPermanent(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_WRITE_ERROR:
    case CURLE_READ_ERROR:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      return true;
    default:
      return false;
  }
}

// S3 error codes of a 4xx answer that another attempt may fix: the body was
// damaged in transit (BadDigest, the SHA-256 mismatch), or the connection was
// too slow or cut (RequestTimeout, IncompleteBody).
bool IsRetryableCode(const std::string& code) {
  return code == "BadDigest" || code == "XAmzContentSHA256Mismatch" || code == "RequestTimeout" ||
         code == "IncompleteBody" || code == "InvalidDigest" || code == "SlowDown" ||
         code == "InternalError";
}

std::once_flag curl_once;

class S3Store : public Store {
 public:
  S3Store(const StoreUrl& url, const StoreOptions& options, AwsConfig config)
      : options_(options),
        config_(std::move(config)),
        bucket_(url.bucket),
        prefix_(url.prefix),
        url_(url.url),
        slots_(std::max(1, options.jobs)) {
    endpoint_ = options_.endpoint.empty() ? "https://s3." + config_.region + ".amazonaws.com"
                                          : options_.endpoint;
    while (endpoint_.ends_with('/')) endpoint_.pop_back();
    sigv4_ = "aws:amz:" + config_.region + ":s3";
    std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  ~S3Store() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  const std::string& url() const override { return url_; }

  void PutDigestsNeeded(uint64_t size, bool* md5, uint64_t* part_size) const override {
    // The whole file's MD5 is also what some servers (s3rver, for one) give
    // a multipart object as its ETag.
    *md5 = true;
    *part_size = 0;
    if (size <= std::min(options_.multipart_threshold, kMaxSinglePut)) return;
    // S3 takes at most 10,000 parts: larger parts (whole MiBs) for a huge file.
    const uint64_t smallest = (size + kMaxParts - 1) / kMaxParts;
    *part_size = std::max(options_.part_size, (smallest + (1 << 20) - 1) >> 20 << 20);
  }

  Status ListUnsorted(std::string_view prefix, std::vector<ObjectInfo>* found) override {
    const std::string full = prefix_ + std::string(prefix);
    std::string token;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> params = {
          {"list-type", "2"}, {"max-keys", std::to_string(options_.list_page_size)}};
      if (!full.empty()) params.emplace_back("prefix", full);
      if (!token.empty()) params.emplace_back("continuation-token", token);
      Request req;
      req.query = CanonicalQuery(params);
      Response resp;
      ListPage page;
      Status s = Call(url_ + std::string(prefix), req, &resp, [&](const Response& r) {
        if (r.status != 200) return HttpFailure(r);
        Status p = ParseListPage(r.body, &page);
        return p.ok() ? Outcome::Ok() : Outcome::Fail(p);
      });
      if (!s.ok()) return s;
      for (auto& o : page.objects) {
        if (!o.key.starts_with(full)) continue;  // a server that ignores prefix
        o.key.erase(0, prefix_.size());
        found->push_back(std::move(o));
      }
      if (!page.truncated) break;
      if (page.next_token == token)
        return Status::Corruption(url_ + std::string(prefix) + ": listing does not advance");
      token = page.next_token;
    }
    return Status::Ok();
  }

  Status Head(const std::string& key, ObjectInfo* object) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    Request req;
    req.method = "HEAD";
    req.key = prefix_ + key;
    Response resp;
    bool missing = false;
    Status s = Call(UrlOf(key), req, &resp, [&](const Response& r) {
      if (r.status == 404) {
        missing = true;
        return Outcome::Ok();
      }
      return r.status == 200 ? Outcome::Ok() : HttpFailure(r);
    });
    if (!s.ok()) return s;
    if (missing) return Status::NotFound(UrlOf(key) + ": no such object");
    return InfoFromHeaders(key, resp, object);
  }

  Status Put(const std::string& key, const std::string& path, const FileDigests& file) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IoError(path, errno);
    Status s =
        file.part_size > 0 ? PutMultipart(key, path, fd, file) : PutSingle(key, path, fd, file);
    ::close(fd);
    if (!s.ok()) return s;
    // Confirmed only when the object, as the server now describes it, is ours.
    ObjectInfo stored;
    s = Head(key, &stored);
    if (!s.ok()) return Status::IoError("uploaded, but not confirmed: " + s.message());
    if (stored.size != file.size || (!stored.sha256.empty() && stored.sha256 != file.sha256))
      return Status::Corruption(UrlOf(key) + ": after the upload the object has " +
                                std::to_string(stored.size) + " bytes and sha256 '" +
                                stored.sha256 + "', not the file's");
    return Status::Ok();
  }

  Status Get(const std::string& key, const std::string& path, ObjectInfo* object) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    std::string temp;
    int fd = -1;
    Status s = CreateTempBeside(path, &temp, &fd);
    if (!s.ok()) return s;
    Request req;
    req.key = prefix_ + key;
    req.out_fd = fd;
    Response resp;
    bool missing = false;
    s = Call(UrlOf(key), req, &resp, [&](const Response& r) {
      if (r.status == 404) {
        missing = true;
        return Outcome::Ok();
      }
      if (r.status != 200) return HttpFailure(r);
      if (r.write_errno) return Outcome::Fail(Status::IoError(temp, r.write_errno));
      const std::string sha = Lower(r.Header("x-amz-meta-sha256"));
      const std::string md5 = EtagMd5(EtagOf(r));
      if (!sha.empty() && sha != Hex(r.out_sha256))
        return Outcome::Retry(Status::Corruption("received bytes with sha256 " + Hex(r.out_sha256) +
                                                 ", the object's is " + sha));
      if (!md5.empty() && md5 != Hex(r.out_md5))
        return Outcome::Retry(Status::Corruption("received bytes with MD5 " + Hex(r.out_md5) +
                                                 ", the object's ETag is " + md5));
      return Outcome::Ok();
    });
    if (s.ok() && missing) s = Status::NotFound(UrlOf(key) + ": no such object");
    if (!s.ok()) {
      DiscardTemp(fd, temp);
      return s;
    }
    s = CommitTemp(fd, temp, path);
    if (!s.ok()) return s;
    if (object) {
      object->key = key;
      object->size = resp.out_bytes;
      object->sha256 = Hex(resp.out_sha256);
      object->etag = EtagOf(resp);
    }
    return Status::Ok();
  }

  Status Delete(const std::string& key) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    Request req;
    req.method = "DELETE";
    req.key = prefix_ + key;
    Response resp;
    return Call(UrlOf(key), req, &resp, [](const Response& r) {
      return r.status / 100 == 2 || r.status == 404 ? Outcome::Ok() : HttpFailure(r);
    });
  }

 private:
  // The ETag to compare with an MD5: none when S3 says the object is
  // encrypted with KMS keys, whose ETags are not the MD5 of the bytes (S3 has
  // then checked Content-MD5 itself).
  static std::string EtagOf(const Response& r) {
    if (r.Header("x-amz-server-side-encryption").starts_with("aws:kms")) return "";
    return Unquote(r.Header("etag"));
  }

  Status InfoFromHeaders(const std::string& key, const Response& r, ObjectInfo* object) {
    object->key = key;
    object->etag = EtagOf(r);
    object->sha256 = Lower(r.Header("x-amz-meta-sha256"));
    const std::string length = r.Header("content-length");
    char* end = nullptr;
    object->size = std::strtoull(length.c_str(), &end, 10);
    if (length.empty() || *end != '\0')
      return Status::Corruption(UrlOf(key) + ": no Content-Length in the answer");
    return Status::Ok();
  }

  static Outcome HttpFailure(const Response& r) {
    std::string what = "HTTP " + std::to_string(r.status);
    const std::string code = r.ErrorCode();
    if (!code.empty()) what += " " + code;
    const std::string message = XmlText(r.body, "Message");
    if (!message.empty()) what += ": " + message;
    bool retry = r.status >= 500 || r.status == 429 || r.status == 408 || IsRetryableCode(code);
    return retry ? Outcome::Retry(Status::IoError(what)) : Outcome::Fail(Status::IoError(what));
  }

  Status PutSingle(const std::string& key, const std::string& path, int fd,
                   const FileDigests& file) {
    std::string md5_raw;
    if (!Unhex(file.md5, &md5_raw) || md5_raw.size() != 16)
      return Status::Internal(path + ": Put needs the file's MD5");
    Request req;
    req.method = "PUT";
    req.key = prefix_ + key;
    req.file_fd = fd;
    req.file_length = file.size;
    req.content_sha256 = file.sha256;
    req.content_md5 = Base64(md5_raw);
    req.headers.push_back("Content-Type: application/octet-stream");
    req.headers.push_back("x-amz-meta-sha256: " + file.sha256);
    Response resp;
    bool stored_other_bytes = false;
    Status s = Call(UrlOf(key), req, &resp, [&](const Response& r) {
      stored_other_bytes = false;
      if (r.status != 200) return HttpFailure(r);
      if (r.sent_md5 != md5_raw)
        return Outcome::Fail(Status::Corruption(path + ": changed while being uploaded"));
      const std::string etag = EtagOf(r);
      if (!etag.empty() && EtagMd5(etag) != file.md5) {
        // A server that does not check Content-MD5 stored what reached it.
        stored_other_bytes = true;
        return Outcome::Retry(Status::Corruption("the server stored other bytes (ETag " + etag +
                                                 ", the file's MD5 is " + file.md5 + ")"));
      }
      return Outcome::Ok();
    });
    if (!s.ok() && stored_other_bytes) (void)Delete(key);  // never leave damaged bytes behind
    return s;
  }

  Status PutMultipart(const std::string& key, const std::string& path, int fd,
                      const FileDigests& file) {
    const std::string where = UrlOf(key);
    if (file.part_md5s.empty() || file.part_size == 0)
      return Status::Internal(path + ": Put needs the file's part MD5s");
    Request init;
    init.method = "POST";
    init.key = prefix_ + key;
    init.query = CanonicalQuery({{"uploads", ""}});
    // What S3 keeps as the object's type (curl would send its form type for a POST).
    init.headers.push_back("Content-Type: application/octet-stream");
    init.headers.push_back("x-amz-meta-sha256: " + file.sha256);
    Response resp;
    std::string upload_id;
    Status s = Call(where, init, &resp, [&](const Response& r) {
      if (r.status != 200) return HttpFailure(r);
      upload_id = XmlText(r.body, "UploadId");
      if (upload_id.empty())
        return Outcome::Fail(
            Status::Corruption("no UploadId in the answer to CreateMultipartUpload"));
      return Outcome::Ok();
    });
    if (!s.ok()) return s;

    const size_t parts = file.part_md5s.size();
    std::vector<std::string> etags(parts);
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    Status first_failure;
    auto worker = [&] {
      for (size_t i; !failed && (i = next++) < parts;) {
        Status ps = PutPart(key, path, fd, file, upload_id, i, &etags[i]);
        if (!ps.ok()) {
          std::lock_guard lock(mu);
          if (!failed.exchange(true)) first_failure = ps;
        }
      }
    };
    const size_t threads = std::min<size_t>(parts, std::max(1, options_.jobs));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    s = failed ? first_failure : Complete(key, file, upload_id, etags);
    if (s.ok()) return s;
    // Complete worked, but the object is not the file: never leave damaged bytes behind.
    if (!failed && s.code() == Status::Code::kCorruption) (void)Delete(key);
    // Parts of an upload neither completed nor aborted stay stored (and billed).
    if (Status a = Abort(key, upload_id); !a.ok()) {
      const std::string msg =
          s.message() + "; and upload " + upload_id + " could not be aborted: " + a.message();
      return s.code() == Status::Code::kCorruption ? Status::Corruption(msg) : Status::IoError(msg);
    }
    return s;
  }

  Status PutPart(const std::string& key, const std::string& path, int fd, const FileDigests& file,
                 const std::string& upload_id, size_t index, std::string* etag) {
    const uint64_t offset = index * file.part_size;
    const uint64_t length = std::min<uint64_t>(file.part_size, file.size - offset);
    // The part's SHA-256 goes in a header, so it is read once before it is sent.
    Digest sha(Digest::Kind::kSha256), md5(Digest::Kind::kMd5);
    std::vector<char> buf(256 << 10);
    for (uint64_t done = 0; done < length;) {
      ssize_t n =
          ::pread(fd, buf.data(), std::min<uint64_t>(buf.size(), length - done), offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IoError(path, errno);
      if (n == 0) return Status::Corruption(path + ": changed while being uploaded (shorter)");
      sha.Update(buf.data(), n);
      md5.Update(buf.data(), n);
      done += n;
    }
    const std::string md5_raw = md5.Finish();
    if (md5_raw != file.part_md5s[index])
      return Status::Corruption(path + ": changed while being uploaded");
    Request req;
    req.method = "PUT";
    req.key = prefix_ + key;
    req.query =
        CanonicalQuery({{"partNumber", std::to_string(index + 1)}, {"uploadId", upload_id}});
    req.file_fd = fd;
    req.file_offset = offset;
    req.file_length = length;
    req.content_sha256 = Hex(sha.Finish());
    req.content_md5 = Base64(md5_raw);
    Response resp;
    const std::string where = UrlOf(key) + " part " + std::to_string(index + 1);
    return Call(where, req, &resp, [&](const Response& r) {
      if (r.status != 200) return HttpFailure(r);
      if (r.sent_md5 != md5_raw)
        return Outcome::Fail(Status::Corruption(path + ": changed while being uploaded"));
      *etag = Unquote(r.Header("etag"));
      if (!etag->empty() && EtagMd5(*etag) != Hex(md5_raw) &&
          !r.Header("x-amz-server-side-encryption").starts_with("aws:kms"))
        return Outcome::Retry(Status::Corruption("the server stored other bytes (ETag " + *etag +
                                                 ", the part's MD5 is " + Hex(md5_raw) + ")"));
      if (etag->empty()) *etag = Hex(md5_raw);
      return Outcome::Ok();
    });
  }

  Status Complete(const std::string& key, const FileDigests& file, const std::string& upload_id,
                  const std::vector<std::string>& etags) {
    Request req;
    req.method = "POST";
    req.key = prefix_ + key;
    req.query = CanonicalQuery({{"uploadId", upload_id}});
    req.body = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags.size(); ++i)
      req.body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
                  XmlEscape("\"" + etags[i] + "\"") + "</ETag></Part>";
    req.body += "</CompleteMultipartUpload>";
    req.headers.push_back("Content-Type: application/xml");
    req.content_sha256 = Sha256Hex(req.body);
    std::string body_md5;
    Unhex(Md5Hex(req.body), &body_md5);
    req.content_md5 = Base64(body_md5);
    Response resp;
    return Call(UrlOf(key), req, &resp, [&](const Response& r) {
      // After a lost answer to a Complete that worked, the retry finds no such
      // upload. Put's HEAD then decides whether the object is ours (size and
      // sha256), so an upload that is really gone fails there.
      if (r.status == 404 && r.ErrorCode() == "NoSuchUpload") return Outcome::Ok();
      if (r.status != 200) return HttpFailure(r);
      // S3 may answer 200 and report an error in the body, to be retried.
      if (!XmlElements(r.body, "Error").empty()) {
        Response as_error = r;
        as_error.status = 500;
        return HttpFailure(as_error);
      }
      // S3 gives MD5(part MD5s)-N; some servers (s3rver) the MD5 of the bytes.
      const std::string etag = Unquote(XmlText(r.body, "ETag"));
      const std::string expected = MultipartEtag(file.part_md5s);
      const bool md5_form = !EtagMd5(etag).empty() || (etag.size() > 33 && etag[32] == '-' &&
                                                       !EtagMd5(etag.substr(0, 32)).empty());
      if (md5_form && etag != expected && EtagMd5(etag) != file.md5)
        return Outcome::Fail(Status::Corruption("the server assembled other bytes (ETag " + etag +
                                                ", expected " + expected + ")"));
      return Outcome::Ok();
    });
  }

  Status Abort(const std::string& key, const std::string& upload_id) {
    Request req;
    req.method = "DELETE";
    req.key = prefix_ + key;
    req.query = CanonicalQuery({{"uploadId", upload_id}});
    req.cleanup = true;
    Response resp;
    Status s = Call("", req, &resp, [](const Response& r) {
      return r.status / 100 == 2 || r.status == 404 ? Outcome::Ok() : HttpFailure(r);
    });
    return s;
  }

  // Sends `req` until `check` is satisfied, a failure is not retryable, or
  // the retries are spent; waits between attempts as StoreOptions say. The
  // failure's message starts with `where` (if not empty).
  template <typename Check>
  Status Call(const std::string& where, const Request& req, Response* resp, Check check) {
    const int attempts = req.cleanup ? 2 : options_.retries + 1;
    double delay = options_.retry_delay;
    std::minstd_rand rng(std::random_device{}());
    for (int attempt = 1;; ++attempt) {
      Perform(req, resp);
      Outcome o;
      if (resp->curl == CURLE_ABORTED_BY_CALLBACK && Interrupted()) {
        o = Outcome::Fail(Status::IoError("interrupted"));
      } else if (resp->curl == CURLE_READ_ERROR && resp->read_errno) {
        o = Outcome::Fail(Status::IoError("reading the file", resp->read_errno));
      } else if (resp->write_errno) {
        o = Outcome::Fail(Status::IoError("writing the download", resp->write_errno));
      } else if (resp->curl != CURLE_OK) {
        Status s = Status::IoError(resp->curl_error.empty() ? curl_easy_strerror(resp->curl)
                                                            : resp->curl_error);
        o = IsPermanent(resp->curl) ? Outcome::Fail(s) : Outcome::Retry(s);
      } else {
        o = check(*resp);
      }
      if (o.verdict == Verdict::kOk) return Status::Ok();
      std::string msg = where.empty() ? o.status.message() : where + ": " + o.status.message();
      if (o.verdict == Verdict::kFail || attempt >= attempts || (Interrupted() && !req.cleanup)) {
        if (attempt > 1) msg += " (after " + std::to_string(attempt) + " attempts)";
        return o.status.code() == Status::Code::kCorruption ? Status::Corruption(msg)
                                                            : Status::IoError(msg);
      }
      // Full jitter over the upper half keeps parallel retries apart.
      double wait = std::min(delay, options_.max_retry_delay) *
                    std::uniform_real_distribution<double>(0.5, 1.0)(rng);
      delay *= 2;
      const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait);
      while (std::chrono::steady_clock::now() < until && (req.cleanup || !Interrupted()))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  struct Transfer {
    const Request* req = nullptr;
    Response* resp = nullptr;
    const StoreOptions* options = nullptr;
    uint64_t sent = 0;
    std::unique_ptr<Digest> sent_md5;
    std::unique_ptr<Digest> out_md5, out_sha256;
    bool out_checked = false, out_ok = false;
    CURL* handle = nullptr;
  };

  static size_t ReadBody(char* buf, size_t size, size_t n, void* cls) {
    auto* t = static_cast<Transfer*>(cls);
    const Request& req = *t->req;
    uint64_t left = req.file_length - t->sent;
    size_t want = std::min<uint64_t>(size * n, left);
    if (want == 0) return 0;
    ssize_t got;
    do {
      got = ::pread(req.file_fd, buf, want, req.file_offset + t->sent);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      t->resp->read_errno = errno;
      return CURL_READFUNC_ABORT;
    }
    if (got == 0) {  // the file shrank: send no garbage, fail the attempt
      t->resp->read_errno = EIO;
      return CURL_READFUNC_ABORT;
    }
    t->sent_md5->Update(buf, got);
    t->sent += got;
    if (t->options->on_bytes) t->options->on_bytes(got);
    return got;
  }

  // libcurl rewinds a body it must send again (a redirect, a 100-continue
  // refused); only a rewind to the start is possible, and restarts the MD5.
  static int SeekBody(void* cls, curl_off_t offset, int origin) {
    auto* t = static_cast<Transfer*>(cls);
    if (offset != 0 || origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
    t->sent = 0;
    t->sent_md5 = std::make_unique<Digest>(Digest::Kind::kMd5);
    return CURL_SEEKFUNC_OK;
  }

  static size_t WriteBody(char* data, size_t, size_t n, void* cls) {
    auto* t = static_cast<Transfer*>(cls);
    if (t->req->out_fd >= 0 && !t->out_checked) {
      long code = 0;
      curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &code);
      t->out_checked = true;
      t->out_ok = code / 100 == 2;
    }
    if (t->out_ok) {
      for (size_t off = 0; off < n;) {
        ssize_t w = ::pwrite(t->req->out_fd, data + off, n - off, t->resp->out_bytes + off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          t->resp->write_errno = errno;
          return 0;  // aborts the transfer
        }
        off += w;
      }
      t->out_md5->Update(data, n);
      t->out_sha256->Update(data, n);
      t->resp->out_bytes += n;
      if (t->options->on_bytes) t->options->on_bytes(n);
      return n;
    }
    if (t->resp->body.size() + n > kMaxResponseBody) return 0;
    t->resp->body.append(data, n);
    return n;
  }

  static size_t OnHeader(char* data, size_t, size_t n, void* cls) {
    auto* t = static_cast<Transfer*>(cls);
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {  // a new answer (after 100 Continue): forget the last
      t->resp->headers.clear();
      return n;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos)
      t->resp->headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    return n;
  }

  static int OnProgress(void* cls, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(cls);
    return Interrupted() && !t->req->cleanup ? 1 : 0;
  }

  CURL* TakeHandle() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void ReturnHandle(CURL* h) {
    std::lock_guard lock(mu_);
    idle_.push_back(h);
  }

  // One attempt. Handles are kept between requests so that connections are reused.
  void Perform(const Request& req, Response* resp) {
    *resp = Response();
    Transfer t;
    t.req = &req;
    t.resp = resp;
    t.options = &options_;
    t.sent_md5 = std::make_unique<Digest>(Digest::Kind::kMd5);
    t.out_md5 = std::make_unique<Digest>(Digest::Kind::kMd5);
    t.out_sha256 = std::make_unique<Digest>(Digest::Kind::kSha256);
    if (req.out_fd >= 0 && ::ftruncate(req.out_fd, 0) != 0) {
      resp->curl = CURLE_WRITE_ERROR;
      resp->write_errno = errno;
      resp->curl_error = "cannot truncate the temporary file";
      return;
    }
    std::string url = endpoint_ + "/" + bucket_;
    if (!req.key.empty()) url += "/" + UriEncode(req.key, true);
    if (!req.query.empty()) url += "?" + req.query;

    curl_slist* headers = nullptr;
    auto add = [&headers](const std::string& h) {
      headers = curl_slist_append(headers, h.c_str());
    };
    add("x-amz-content-sha256: " + req.content_sha256);
    if (!req.content_md5.empty()) add("Content-MD5: " + req.content_md5);
    if (!config_.session_token.empty()) add("x-amz-security-token: " + config_.session_token);
    // The test hook: libcurl 7.88 signs with a given x-amz-date (and sends
    // it twice, its bug 11738; harmless for a capture, never used otherwise).
    if (!config_.signing_date.empty()) add("x-amz-date: " + config_.signing_date);
    for (const auto& h : req.headers) add(h);

    slots_.Acquire();
    CURL* h = TakeHandle();
    t.handle = h;
    if (!h) {
      slots_.Release();
      curl_slist_free_all(headers);
      resp->curl = CURLE_OUT_OF_MEMORY;
      return;
    }
    curl_easy_reset(h);  // keeps the connection cache
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max(1.0, options_.connect_timeout * 1000)));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max(1.0, options_.stall_timeout + 0.999)));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "tm/" TM_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.secret_access_key.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &S3Store::OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &S3Store::WriteBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &S3Store::OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    const std::string method = req.method;
    if (method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (method == "PUT") {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.file_length));
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &S3Store::ReadBody);
      curl_easy_setopt(h, CURLOPT_READDATA, &t);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &S3Store::SeekBody);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    } else if (method == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else if (method == "DELETE") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    resp->curl = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    ReturnHandle(h);
    slots_.Release();
    curl_slist_free_all(headers);
    resp->curl_error = error;
    resp->sent_md5 = t.sent_md5->Finish();
    resp->out_md5 = t.out_md5->Finish();
    resp->out_sha256 = t.out_sha256->Finish();
    if (resp->curl == CURLE_WRITE_ERROR && resp->write_errno == 0 && !t.out_ok) {
      resp->curl_error = "answer larger than " + std::to_string(kMaxResponseBody) + " bytes";
    }
  }

  StoreOptions options_;
  AwsConfig config_;
  std::string bucket_, prefix_, url_, endpoint_, sigv4_;
  Slots slots_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

Status ParseIni(std::string_view text, IniSections* sections) {
  sections->clear();
  std::string section;
  bool in_section = false;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (line.back() != ']')
        return Status::InvalidArgument("line " + std::to_string(line_no) + ": unclosed '['");
      section = Trim(std::string_view(line).substr(1, line.size() - 2));
      (*sections)[section];
      in_section = true;
      continue;
    }
    // Nested settings ("s3 =" then indented lines) belong to the key above.
    if (raw[0] == ' ' || raw[0] == '\t') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      return Status::InvalidArgument("line " + std::to_string(line_no) + ": expected key = value");
    if (!in_section)
      return Status::InvalidArgument("line " + std::to_string(line_no) +
                                     ": setting before any [section]");
    (*sections)[section][Lower(Trim(std::string_view(line).substr(0, eq)))] =
        Trim(std::string_view(line).substr(eq + 1));
  }
  return Status::Ok();
}

Status ResolveAwsConfig(const EnvLookup& env, AwsConfig* config) {
  *config = AwsConfig();
  std::string profile = EnvValue(env, "AWS_PROFILE")
                            .value_or(EnvValue(env, "AWS_DEFAULT_PROFILE").value_or("default"));
  const std::string home = HomeDirectory(env);
  const std::string credentials_file =
      EnvValue(env, "AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  const std::string config_file = EnvValue(env, "AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  IniSections credentials, cfg;
  Status s = ReadIniFile(credentials_file, &credentials);
  if (!s.ok()) return s;
  s = ReadIniFile(config_file, &cfg);
  if (!s.ok()) return s;
  const std::map<std::string, std::string>* cfg_section = nullptr;
  for (const std::string& name : {"profile " + profile, profile}) {
    if (auto it = cfg.find(name); it != cfg.end()) {
      cfg_section = &it->second;
      break;
    }
  }
  auto setting = [](const std::map<std::string, std::string>* section, const std::string& key) {
    if (!section) return std::string();
    auto it = section->find(key);
    return it == section->end() ? std::string() : it->second;
  };

  auto id = EnvValue(env, "AWS_ACCESS_KEY_ID"), secret = EnvValue(env, "AWS_SECRET_ACCESS_KEY");
  if (id || secret) {
    if (!id || !secret)
      return Status::InvalidArgument(
          std::string(id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set, but " +
          (id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is");
    config->access_key_id = *id;
    config->secret_access_key = *secret;
    config->session_token = EnvValue(env, "AWS_SESSION_TOKEN").value_or("");
    config->credentials_from = "environment";
  } else {
    // The credentials file first, then the config file, as the AWS CLI looks.
    std::vector<std::pair<std::string, const std::map<std::string, std::string>*>> places;
    if (auto it = credentials.find(profile); it != credentials.end())
      places.emplace_back(credentials_file + " [" + profile + "]", &it->second);
    if (cfg_section) places.emplace_back(config_file + " [" + profile + "]", cfg_section);
    for (const auto& [where, section] : places) {
      std::string key_id = setting(section, "aws_access_key_id");
      std::string key = setting(section, "aws_secret_access_key");
      if (key_id.empty() && key.empty()) continue;
      if (key_id.empty() || key.empty())
        return Status::InvalidArgument(
            where + ": " + (key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key") +
            " is missing");
      config->access_key_id = key_id;
      config->secret_access_key = key;
      config->session_token = setting(section, "aws_session_token");
      config->credentials_from = where;
      break;
    }
    if (config->access_key_id.empty()) {
      std::string why =
          "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
          "give profile '" +
          profile + "' keys in " + credentials_file;
      for (const char* unsupported :
           {"role_arn", "credential_process", "sso_start_url", "sso_session"})
        if (!setting(cfg_section, unsupported).empty())
          why += " (tm does not support " + std::string(unsupported) + ")";
      return Status::InvalidArgument(why);
    }
  }
  config->region =
      EnvValue(env, "AWS_REGION")
          .value_or(EnvValue(env, "AWS_DEFAULT_REGION").value_or(setting(cfg_section, "region")));
  if (config->region.empty()) config->region = "us-east-1";
  if (auto date = EnvValue(env, "TM_AWS_SIGV4_DATE")) {
    if (!IsSigningDate(*date))
      return Status::InvalidArgument("TM_AWS_SIGV4_DATE: not YYYYMMDDTHHMMSSZ: '" + *date + "'");
    config->signing_date = *date;
  }
  return Status::Ok();
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [k, v] : params) {
    k = UriEncode(k, false);
    v = UriEncode(v, false);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(name);
  const std::string close = "</" + std::string(name) + ">";
  size_t pos = 0;
  for (;;) {
    size_t start = xml.find(open, pos);
    if (start == std::string_view::npos) break;
    size_t after = start + open.size();
    if (after >= xml.size()) break;
    char c = xml[after];
    if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      pos = after;  // <KeyCount> is not <Key>
      continue;
    }
    size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') {  // <Name/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(gt + 1, end - gt - 1));
    pos = end + close.size();
  }
  return out;
}

std::string XmlText(std::string_view xml, std::string_view name) {
  auto elements = XmlElements(xml, name);
  return elements.empty() ? "" : XmlUnescape(elements[0]);
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    size_t semi;
    if (s[i] != '&' || (semi = s.find(';', i)) == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view entity = s.substr(i + 1, semi - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string digits(entity.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = digits.empty() ? 0 : std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || *end != '\0' || cp == 0 || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp < 0xE000)) {
        out += s[i];
        continue;
      }
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | cp >> 12);
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | cp >> 18);
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      out += s[i];
      continue;
    }
    i = semi;
  }
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Status ParseListPage(std::string_view xml, ListPage* page) {
  *page = ListPage();
  if (XmlElements(xml, "ListBucketResult").empty())
    return Status::Corruption("not a ListBucketResult");
  for (std::string_view contents : XmlElements(xml, "Contents")) {
    ObjectInfo info;
    info.key = XmlText(contents, "Key");
    const std::string size = XmlText(contents, "Size");
    char* end = nullptr;
    info.size = std::strtoull(size.c_str(), &end, 10);
    if (size.empty() || *end != '\0' || !std::isdigit(static_cast<unsigned char>(size[0])))
      return Status::Corruption("listing: bad <Size> for key '" + info.key + "'");
    info.etag = Unquote(XmlText(contents, "ETag"));
    page->objects.push_back(std::move(info));
  }
  // Only the top-level IsTruncated counts; it comes before the first <Contents>.
  page->truncated = XmlText(xml, "IsTruncated") == "true";
  page->next_token = XmlText(xml, "NextContinuationToken");
  if (page->truncated && page->next_token.empty())
    return Status::Corruption("listing truncated without a NextContinuationToken");
  return Status::Ok();
}

Status NewS3Store(const StoreUrl& url, const StoreOptions& options, std::unique_ptr<Store>* store) {
  AwsConfig config;
  Status s = ResolveAwsConfig(options.env ? options.env : ProcessEnvironment(), &config);
  if (!s.ok()) return s;
  if (!options.region.empty()) config.region = options.region;
  *store = std::make_unique<S3Store>(url, options, std::move(config));
  return Status::Ok();
}

}  // namespace tm_core
