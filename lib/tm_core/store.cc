#include "tm_core/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "tm_core/cli.h"
#include "tm_core/interrupt.h"
#include "tm_core/s3.h"
#include "tm_core/store_files.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool PercentDecode(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      *out += s[i];
      continue;
    }
    std::string byte;
    if (i + 2 >= s.size() || !Unhex(s.substr(i + 1, 2), &byte)) return false;
    *out += byte;
    i += 2;
  }
  return true;
}

// A directory as a store. Keys are paths below root_.
class LocalStore : public Store {
 public:
  LocalStore(const StoreUrl& url, const StoreOptions& options)
      : url_(url.url), root_(url.path), options_(options) {}

  const std::string& url() const override { return url_; }

  Status ListUnsorted(std::string_view prefix, std::vector<ObjectInfo>* found) override {
    // Walk only the deepest directory the prefix names.
    std::string dir = root_ + std::string(prefix.substr(0, prefix.rfind('/') + 1));
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Status::Ok();
    fs::recursive_directory_iterator it(dir, ec), end;
    if (ec) return Status::IoError(dir, ec.value());
    for (; it != end; it.increment(ec)) {
      if (ec) return Status::IoError(it->path().string(), ec.value());
      const std::string name = it->path().filename().string();
      if (name.starts_with('.')) {  // being written, or not ours
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec)) continue;
      std::string key = it->path().string().substr(root_.size());
      if (!key.starts_with(prefix)) continue;
      ObjectInfo info;
      info.key = std::move(key);
      info.size = it->file_size(ec);
      if (ec) return Status::IoError(it->path().string(), ec.value());
      found->push_back(std::move(info));
    }
    return Status::Ok();
  }

  Status Head(const std::string& key, ObjectInfo* object) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    const std::string path = root_ + key;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      return errno == ENOENT || errno == ENOTDIR ? Status::NotFound(UrlOf(key) + ": no such object")
                                                 : Status::IoError(path, errno);
    if (!S_ISREG(st.st_mode)) return Status::NotFound(UrlOf(key) + ": not a file");
    FileDigests digests;
    Status s = DigestFile(path, false, 0, &digests);
    if (!s.ok()) return s;
    object->key = key;
    object->size = digests.size;
    object->sha256 = digests.sha256;
    object->etag.clear();
    return Status::Ok();
  }

  Status Put(const std::string& key, const std::string& path, const FileDigests& file) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    // A file that changed since it was digested is not what was asked for:
    // the copy is checked against the digest before it is renamed into place.
    CopyResult copied;
    return CopyFileAtomically(path, root_ + key, file.sha256, options_.on_bytes, &copied);
  }

  Status Get(const std::string& key, const std::string& path, ObjectInfo* object) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    CopyResult copied;
    Status s = CopyFileAtomically(root_ + key, path, "", options_.on_bytes, &copied);
    if (!s.ok()) {
      if (s.code() == Status::Code::kNotFound)
        return Status::NotFound(UrlOf(key) + ": no such object");
      return s;
    }
    if (object) {
      object->key = key;
      object->size = copied.size;
      object->sha256 = copied.sha256;
      object->etag.clear();
    }
    return Status::Ok();
  }

  Status Delete(const std::string& key) override {
    if (!IsValidKey(key)) return Status::InvalidArgument(UrlOf(key) + ": not a valid key");
    if (::unlink((root_ + key).c_str()) != 0 && errno != ENOENT)
      return Status::IoError(root_ + key, errno);
    return Status::Ok();
  }

  void PutDigestsNeeded(uint64_t, bool* md5, uint64_t* part_size) const override {
    *md5 = false;  // a local copy is checked by its SHA-256 alone
    *part_size = 0;
  }

 private:
  std::string url_;
  std::string root_;  // ends in '/'
  StoreOptions options_;
};

}  // namespace

std::string EtagMd5(std::string_view etag) {
  if (etag.size() != 32 || !std::all_of(etag.begin(), etag.end(), IsHexDigit)) return "";
  return Lower(std::string(etag));
}

bool SameContent(const ObjectInfo& object, const FileDigests& file) {
  if (object.size != file.size) return false;
  bool compared = false;
  if (!object.sha256.empty()) {
    if (Lower(object.sha256) != file.sha256) return false;
    compared = true;
  }
  if (std::string md5 = EtagMd5(object.etag); !md5.empty()) {
    if (file.md5.empty() || md5 != file.md5) return false;
    compared = true;
  }
  return compared;
}

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return false;
  size_t start = 0;
  for (;;) {
    size_t slash = key.find('/', start);
    std::string_view segment = key.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (segment.find('\0') != std::string_view::npos) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Status Store::List(std::string_view prefix, std::vector<ObjectInfo>* objects) {
  std::vector<ObjectInfo> found;
  if (Status s = ListUnsorted(prefix, &found); !s.ok()) return s;
  std::sort(found.begin(), found.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  objects->insert(objects->end(), std::make_move_iterator(found.begin()),
                  std::make_move_iterator(found.end()));
  return Status::Ok();
}

Status ParseStoreUrl(std::string_view url, StoreUrl* parsed) {
  auto invalid = [url](std::string_view why) {
    return Status::InvalidArgument("'" + std::string(url) + "': " + std::string(why));
  };
  *parsed = StoreUrl();
  if (url.empty()) return invalid("empty store URL");
  if (url.find('\0') != std::string_view::npos) return invalid("NUL in URL");
  size_t colon = url.find("://");
  bool has_scheme =
      colon != std::string_view::npos && colon > 0 &&
      std::all_of(url.begin(), url.begin() + colon, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  if (has_scheme) {
    std::string scheme = Lower(std::string(url.substr(0, colon)));
    std::string_view rest = url.substr(colon + 3);
    if (scheme == "s3") {
      size_t slash = rest.find('/');
      std::string_view bucket = rest.substr(0, slash);
      if (bucket.empty()) return invalid("no bucket");
      if (bucket.size() > 255 || !std::all_of(bucket.begin(), bucket.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
          }))
        return invalid("not a bucket name");
      std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash + 1));
      if (!prefix.empty()) {
        if (prefix.back() == '/') prefix.pop_back();
        if (!IsValidKey(prefix)) return invalid("the prefix has an empty, '.' or '..' segment");
        prefix += '/';
      }
      parsed->kind = StoreUrl::Kind::kS3;
      parsed->bucket.assign(bucket);
      parsed->prefix = prefix;
      parsed->url = "s3://" + parsed->bucket + "/" + prefix;
      return Status::Ok();
    }
    if (scheme == "file") {
      if (rest.starts_with("localhost/")) rest.remove_prefix(9);
      if (!rest.starts_with('/'))
        return invalid("a file URL needs an absolute path (file:///DIR/)");
      std::string path;
      if (!PercentDecode(rest, &path)) return invalid("bad %-escape");
      if (path.find('\0') != std::string::npos) return invalid("NUL in path");
      if (!path.ends_with('/')) path += '/';
      parsed->kind = StoreUrl::Kind::kLocal;
      parsed->path = path;
      parsed->url = "file://" + std::string(rest) + (rest.ends_with('/') ? "" : "/");
      return Status::Ok();
    }
    return invalid("unsupported URL scheme (s3:// and file:// are)");
  }
  std::string path(url);
  if (!path.ends_with('/')) path += '/';
  parsed->kind = StoreUrl::Kind::kLocal;
  parsed->path = path;
  parsed->url = path;
  return Status::Ok();
}

Status OpenStore(std::string_view url, const StoreOptions& options, std::unique_ptr<Store>* store) {
  StoreUrl parsed;
  Status s = ParseStoreUrl(url, &parsed);
  if (!s.ok()) return s;
  if (parsed.kind == StoreUrl::Kind::kS3) return NewS3Store(parsed, options, store);
  *store = NewLocalStore(parsed, options);
  return Status::Ok();
}

std::unique_ptr<Store> NewLocalStore(const StoreUrl& url, const StoreOptions& options) {
  return std::make_unique<LocalStore>(url, options);
}

void AddStoreOptions(CLI::App& app, StoreOptions* options) {
  app.add_option("--endpoint", options->endpoint,
                 "S3-compatible server, e.g. http://127.0.0.1:9000 (default: AWS, "
                 "https://s3.REGION.amazonaws.com)")
      ->type_name("URL");
  app.add_option("--region", options->region,
                 "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config, us-east-1)")
      ->type_name("NAME");
  app.add_option("-j,--jobs", options->jobs, "Transfers in flight at once")
      ->type_name("N")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--retries", options->retries,
                 "Further attempts of a request after a 5xx, 429, timeout, reset connection or "
                 "checksum mismatch")
      ->type_name("N")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cli::AddDurationOption(app, "--retry-delay", options->retry_delay,
                         "Wait before the first retry, doubled each time (jittered) [1s]");
  cli::AddDurationOption(app, "--connect-timeout", options->connect_timeout,
                         "Give up connecting after this long [10s]");
  cli::AddDurationOption(app, "--timeout", options->stall_timeout,
                         "Abort (and retry) a transfer that moves no data for this long [60s]");
}

}  // namespace tm_core
