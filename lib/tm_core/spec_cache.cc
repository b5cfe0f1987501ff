#include "tm_core/spec_cache.h"

#include "tm_core/byte_source.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "tm_core/text.h"

namespace tm_core {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxUrl = 1024;
constexpr size_t kMaxRepository = 200;
constexpr size_t kMaxSegments = 8;
// Failures are tiny, and forgetting one costs a fetch with retries, so many
// more are kept than specs.
constexpr size_t kMaxFailures = 4096;

bool IsSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsPlainSegment(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && std::all_of(s.begin(), s.end(), IsSegmentChar);
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool ConsumePrefixNoCase(std::string_view* s, std::string_view prefix) {
  if (s->size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>((*s)[i])) != prefix[i]) return false;
  s->remove_prefix(prefix.size());
  return true;
}

std::string Expand(const std::string& tmpl, const Revision& rev) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 6, "{repo}") == 0) {
      out += rev.repository;
      i += 6;
    } else if (tmpl.compare(i, 5, "{rev}") == 0) {
      out += rev.hash;
      i += 5;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

// Temp file + rename: readers (this process later, or another one sharing the
// cache) see the whole spec or none, even after a crash.
bool WriteAtomically(const std::string& path, std::string_view data) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return false;
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, 0644) == 0;  // mkstemp's 0600 would hide the cache from other users
  for (size_t off = 0; ok && off < data.size();) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += n;
  }
  ok = ::fsync(fd) == 0 && ok;  // else a crash can leave an empty file under the final name
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

struct Sink {
  std::string* body;
  size_t limit;
  bool too_large = false;
};

// CURLOPT_MAXFILESIZE trusts Content-Length; a chunked or compressed body is
// only caught here.
size_t WriteBody(char* data, size_t, size_t n, void* cls) {
  auto* sink = static_cast<Sink*>(cls);
  if (sink->body->size() + n > sink->limit) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, n);
  return n;
}

// Errors that another attempt cannot fix.
bool IsPermanent(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:
      return true;
    default:
      return false;
  }
}

std::once_flag curl_once;

}  // namespace

Status ParseRevisionUrl(std::string_view url, Revision* revision) {
  auto invalid = [url](std::string_view why) {
    std::string msg = "not a revision URL (" + std::string(why) + "): ";
    AppendEscapedLine(url.substr(0, 200), &msg);  // the URL comes from a ping: keep it one line
    if (url.size() > 200) msg += "...";
    return Status::InvalidArgument(msg);
  };
  if (url.size() > kMaxUrl) return invalid("too long");
  std::string_view rest = url;
  if (!ConsumePrefixNoCase(&rest, "https://") && !ConsumePrefixNoCase(&rest, "http://"))
    return invalid("not http or https");
  // The host is checked only so that junk is refused; it is never used.
  size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (slash == std::string_view::npos || host.empty() ||
      !std::all_of(host.begin(), host.end(),
                   [](char c) { return IsSegmentChar(c) || c == ':' || c == '[' || c == ']'; }))
    return invalid("bad host");
  std::string_view path = rest.substr(slash + 1);
  if (path.ends_with('/')) path.remove_suffix(1);
  std::vector<std::string_view> segments;
  for (;;) {
    size_t next = path.find('/');
    segments.push_back(path.substr(0, next));
    if (!IsPlainSegment(segments.back())) return invalid("bad path segment");
    if (next == std::string_view::npos) break;
    path.remove_prefix(next + 1);
  }
  if (segments.size() < 2 || segments[segments.size() - 2] != "rev") return invalid("no /rev/");
  if (segments.size() < 3) return invalid("no repository");
  if (segments.size() - 2 > kMaxSegments) return invalid("repository too deep");
  std::string_view hash = segments.back();
  if (hash.size() < 6 || hash.size() > 40 || !std::all_of(hash.begin(), hash.end(), IsHex))
    return invalid("bad hash");
  std::string repository(segments[0]);
  for (size_t i = 1; i + 2 < segments.size(); ++i) (repository += '/') += segments[i];
  if (repository.size() > kMaxRepository) return invalid("repository too long");
  revision->repository = std::move(repository);
  revision->hash.assign(hash);
  for (char& c : revision->hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Status::Ok();
}

struct SpecCache::Entry {
  std::shared_ptr<const Spec> spec;  // null: `failure` is remembered instead
  Status failure;
  Clock::time_point expires;
  uint64_t used = 0;
};

SpecCache::SpecCache(SpecCacheOptions options) : options_(std::move(options)) {}
SpecCache::~SpecCache() = default;

Status SpecCache::Get(std::string_view revision_url, std::shared_ptr<const Spec>* spec) {
  counters_.lookups++;
  spec->reset();
  Revision revision;
  Status s = ParseRevisionUrl(revision_url, &revision);
  if (!s.ok()) return s;
  const std::string key = revision.repository + "/" + revision.hash;
  if (auto it = entries_.find(key); it != entries_.end()) {
    Entry& e = it->second;
    if (e.spec) {
      counters_.memory_hits++;
      e.used = ++clock_;
      *spec = e.spec;
      return Status::Ok();
    }
    if (Clock::now() < e.expires) {
      counters_.negative_hits++;
      e.used = ++clock_;
      return e.failure;
    }
    entries_.erase(it);
  }
  std::shared_ptr<const Spec> loaded;
  s = Load(revision, &loaded);
  if (!s.ok() && options_.negative_ttl.count() <= 0) return s;
  Entry& e = entries_[key];
  e.spec = loaded;
  e.failure = s;
  e.expires = Clock::now() + options_.negative_ttl;  // counted from the end of the last attempt
  e.used = ++clock_;
  // One entry was added, so evicting the least recently used of its kind keeps the bound.
  const bool failure = !s.ok();
  size_t count = 0;
  auto oldest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if ((it->second.spec == nullptr) != failure) continue;
    count++;
    if (oldest == entries_.end() || it->second.used < oldest->second.used) oldest = it;
  }
  if (count > (failure ? kMaxFailures : options_.max_in_memory)) entries_.erase(oldest);
  *spec = std::move(loaded);
  return s;
}

Status SpecCache::Load(const Revision& revision, std::shared_ptr<const Spec>* spec) {
  std::string path, body;
  if (!options_.cache_dir.empty()) {
    path = options_.cache_dir + "/" + revision.repository + "/" + revision.hash + "/Histograms.json";
    Status s = ReadCappedFile(path, options_.max_spec_size, &body);
    if (s.ok()) {
      auto parsed = std::make_shared<Spec>();
      counters_.parses++;
      s = Spec::Parse(body, parsed.get());
      if (s.ok()) {
        counters_.disk_hits++;
        *spec = std::move(parsed);
        return s;
      }
      s = Status::Corruption(path + ": " + s.message());
    }
    // Online, a bad cached file is only a miss: the fetch below replaces it.
    if (options_.offline && s.code() != Status::Code::kNotFound) return s;
  }
  if (options_.offline) {
    return Status::NotFound(path.empty() ? "offline and no cache directory for " +
                                               revision.repository + "/rev/" + revision.hash
                                         : path + ": not cached, and offline");
  }
  Status s = Fetch(revision, &body);
  if (!s.ok()) return s;
  auto parsed = std::make_shared<Spec>();
  counters_.parses++;
  s = Spec::Parse(body, parsed.get());
  if (!s.ok())
    return Status::Corruption(Expand(options_.url_template, revision) + ": " + s.message());
  if (!path.empty() && !WriteAtomically(path, body)) counters_.disk_write_failures++;
  *spec = std::move(parsed);
  return Status::Ok();
}

Status SpecCache::Fetch(const Revision& revision, std::string* body) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string url = Expand(options_.url_template, revision);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Status::Internal(url + ": cannot start libcurl");
  CURL* h = curl.get();
  Sink sink{body, options_.max_spec_size};
  char error[CURL_ERROR_SIZE];
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
  // A redirect must not turn an http fetch into a local file read.
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // timeouts must not raise SIGALRM in a threaded tool
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_spec_size));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // Histograms.json compresses ~10x
  curl_easy_setopt(h, CURLOPT_USERAGENT, "tm/" TM_VERSION);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  const std::string too_large =
      url + ": larger than " + std::to_string(options_.max_spec_size) + " bytes";
  auto wait = options_.backoff;
  for (int attempt = 1;; ++attempt) {
    body->clear();
    sink.too_large = false;
    error[0] = '\0';
    counters_.fetches++;
    CURLcode rc = curl_easy_perform(h);
    long code = 0;  // 0 for file://
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    Status s;
    bool retry = false;
    // The status decides first: an error page may also be too large or cut short.
    if (code >= 400) {
      std::string why = url + ": HTTP " + std::to_string(code);
      retry = code >= 500 || code == 408 || code == 429;
      s = code == 404 || code == 410 ? Status::NotFound(why) : Status::IoError(why);
    } else if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && sink.too_large)) {
      s = Status::Corruption(too_large);
    } else if (rc != CURLE_OK) {
      std::string why = url + ": " + (error[0] ? error : curl_easy_strerror(rc));
      retry = !IsPermanent(rc);
      s = rc == CURLE_FILE_COULDNT_READ_FILE ? Status::NotFound(why) : Status::IoError(why);
    } else if (code != 0 && code / 100 != 2) {
      s = Status::IoError(url + ": HTTP " + std::to_string(code));
    } else {
      return Status::Ok();
    }
    if (!retry || attempt >= options_.attempts) {
      if (attempt == 1) return s;
      return Status::IoError(s.message() + " (after " + std::to_string(attempt) + " attempts)");
    }
    std::this_thread::sleep_for(wait);
    wait *= 2;
  }
}

}  // namespace tm_core
