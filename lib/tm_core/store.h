// Store: where finished files are published and where jobs fetch them from.
// One small interface over an S3 bucket (or an S3-compatible server) and a
// local directory, shared by tm-upload, tm-fetch and, later, tm-mapreduce and
// the job runner.
//
// A store is opened from a URL:
//   s3://BUCKET/PREFIX/   objects BUCKET/PREFIX<key> (S3Store, s3.h)
//   file:///DIR/          files DIR/<key> (LocalStore, below); a plain path
//                         ("out/", "/srv/data") means the same
// Keys are relative to the URL: "saved_session/Firefox/x.lzma", never with a
// leading '/', an empty, "." or ".." segment, or a NUL (IsValidKey).
//
// Every call is safe from several threads at once. Transfers are verified:
// Put returns OK only once the object is known to hold the file's bytes, and
// Get only renames a download into place once its checksum matched.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/digest.h"
#include "tm_core/status.h"

namespace tm_core {

// What a store knows of one object.
struct ObjectInfo {
  std::string key;  // relative to the store's URL
  uint64_t size = 0;
  std::string sha256;  // hex; ours (S3 metadata x-amz-meta-sha256) or computed; empty: unknown
  std::string etag;    // the server's ETag without quotes; empty for local files
};

// The MD5 (lowercase hex) that `etag` is, when it is the ETag of a single-part
// upload (32 hex digits); empty otherwise (multipart "…-N", or unknown).
std::string EtagMd5(std::string_view etag);

// Whether `object` is known to hold the bytes of a file with `file`'s digests:
// same size, and every checksum the object carries (sha256; an ETag that is an
// MD5) equal to the file's, and at least one such checksum. An object whose
// checksums cannot be compared is not the same. `file.md5` is needed only when
// EtagMd5(object.etag) is not empty.
bool SameContent(const ObjectInfo& object, const FileDigests& file);

// Looks up an environment variable; the process environment unless a test
// supplies its own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnvironment();

struct StoreOptions {
  // S3: the server, e.g. "http://127.0.0.1:9000"; empty: https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region;        // empty: AWS_REGION, AWS_DEFAULT_REGION, the config file, us-east-1
  int jobs = 4;              // requests in flight at once, over all threads (S3)
  int retries = 5;           // further attempts of a request after a retryable failure
  double retry_delay = 1.0;  // seconds before the first retry; doubled each time, jittered
  double max_retry_delay = 30.0;               // seconds, the cap of that doubling
  double connect_timeout = 10.0;               // seconds
  double stall_timeout = 60.0;                 // seconds without a byte moving abort an attempt
  uint64_t multipart_threshold = 64ull << 20;  // files larger than this go in parts
  uint64_t part_size = 16ull << 20;            // S3 wants at least 5 MiB but for the last
  int list_page_size = 1000;                   // keys per ListObjectsV2 request (1-1000)
  EnvLookup env;  // null: the process environment (credentials, region, test hooks)
  // Called with each count of body bytes sent or received (retries too), from
  // any thread: for progress displays. May be null.
  std::function<void(uint64_t bytes)> on_bytes;
};

class Store {
 public:
  virtual ~Store() = default;

  // The URL the store was opened from, normalised to end in '/': for messages.
  virtual const std::string& url() const = 0;
  std::string UrlOf(std::string_view key) const { return url() + std::string(key); }

  // Appends every object whose key starts with `prefix` (may be empty) to
  // *objects, sorted by key. sha256 is not filled (S3 lists no metadata);
  // local files whose name, or a directory's, starts with '.' are not objects
  // (that is how files being written are named). Missing prefix: no objects.
  Status List(std::string_view prefix, std::vector<ObjectInfo>* objects);

  // NotFound when there is no such object. LocalStore computes sha256 (reads the file).
  virtual Status Head(const std::string& key, ObjectInfo* object) = 0;

  // Publishes the local file `path` as `key`, replacing any object there.
  // `file` must be DigestFile(path, …) of its current bytes, with what
  // PutDigestsNeeded asks for (a part size > 0 means a multipart upload of
  // parts of that size); what is sent is checked against it, so a file
  // that changes meanwhile fails. OK only when the object is confirmed: the
  // server's checksums matched and a HEAD shows our size and sha256. A reader
  // never sees a partial object. S3: retried as StoreOptions say; a failed
  // multipart upload is aborted.
  virtual Status Put(const std::string& key, const std::string& path, const FileDigests& file) = 0;

  // Downloads `key` to the local `path`: written under a temporary name
  // beside it (".NAME.tmp.XXXXXX"), checked against the object's checksums
  // (sha256 metadata or a single-part ETag; the size alone when it has
  // neither), fsync'd, and renamed over `path`; nothing is left on failure.
  // *object (may be null) gets what was fetched, sha256 computed.
  virtual Status Get(const std::string& key, const std::string& path, ObjectInfo* object) = 0;

  // Removes `key`; OK if it was not there.
  virtual Status Delete(const std::string& key) = 0;

  // What Put needs in `file` for an upload of `size` bytes: MD5 (true/false)
  // and the part size (0: a single request). S3: parts above
  // multipart_threshold (and above 5 GiB, S3's largest PUT), of part_size, or
  // larger when a file would need more than S3's 10,000 parts.
  virtual void PutDigestsNeeded(uint64_t size, bool* md5, uint64_t* part_size) const = 0;

 protected:
  // What List finds, in any order: appended to *found.
  virtual Status ListUnsorted(std::string_view prefix, std::vector<ObjectInfo>* found) = 0;
};

// A store URL taken apart.
struct StoreUrl {
  enum class Kind { kS3, kLocal };
  Kind kind = Kind::kLocal;
  std::string bucket;  // S3
  std::string prefix;  // S3: "" or ending in '/'
  std::string path;    // local: the directory, ending in '/'
  std::string url;     // normalised: "s3://b/p/", "file:///dir/"
};

// Accepts "s3://BUCKET[/PREFIX]", "file:///DIR", "file://localhost/DIR" (with
// %XX escapes) and plain paths, absolute or relative; a missing final '/' is
// added (a store URL names a directory). InvalidArgument otherwise.
Status ParseStoreUrl(std::string_view url, StoreUrl* parsed);

// Whether `key` is a relative path of plain segments: not empty, no leading
// or doubled '/', no "." or ".." segment, no NUL, at most 1024 bytes.
bool IsValidKey(std::string_view key);

// Opens the store a URL names. For S3 this resolves credentials and region
// (s3.h); nothing is sent until the first call.
Status OpenStore(std::string_view url, const StoreOptions& options, std::unique_ptr<Store>* store);

// A directory as a store: Put copies to a hidden temporary name beside the
// target, fsyncs and renames it, so a reader never sees a partial file.
std::unique_ptr<Store> NewLocalStore(const StoreUrl& url, const StoreOptions& options);

// The options tm-upload and tm-fetch share (--endpoint, --region, -j,
// --retries, --retry-delay, --connect-timeout, --timeout), bound to *options.
void AddStoreOptions(CLI::App& app, StoreOptions* options);

}  // namespace tm_core
