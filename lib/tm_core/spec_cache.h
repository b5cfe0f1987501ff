// SpecCache: the Histograms.json of a ping's revision, fetched once, parsed
// once, kept on disk and in memory.
//
// A revision is named by the URL a ping carries in info.revision, e.g.
// "https://hg.mozilla.org/releases/mozilla-aurora/rev/a55c55edf302". Only the
// repository path and the hash are taken from it: the host a spec is fetched
// from comes from the URL template, never from a ping, so a hostile ping can
// neither make us fetch from a host of its choosing nor write outside the cache.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tm_core/spec.h"
#include "tm_core/status.h"

namespace tm_core {

// The parts of a revision URL that name a revision.
struct Revision {
  std::string repository;  // "releases/mozilla-aurora"
  std::string hash;        // "a55c55edf302": 6 to 40 hex digits, lowercased
};

// Accepts http and https, any host, any repository path of plain segments
// ([A-Za-z0-9._-], not "." or ".."), "/rev/", a short or full hash, and an
// optional trailing slash. InvalidArgument otherwise.
Status ParseRevisionUrl(std::string_view url, Revision* revision);

struct SpecCacheOptions {
  // Where a spec is fetched from: {repo} and {rev} are replaced. http, https
  // and file URLs (libcurl).
  std::string url_template =
      "https://hg.mozilla.org/{repo}/raw-file/{rev}/toolkit/components/telemetry/Histograms.json";
  std::string cache_dir;  // empty: no disk cache. Files: <dir>/<repo>/<rev>/Histograms.json
  bool offline = false;   // disk cache only, never fetch
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // for a whole transfer
  int attempts = 3;                           // per fetch, for network errors and 5xx
  std::chrono::milliseconds backoff{500};     // before the 2nd attempt, doubled each time after
  // A revision that could not be had is not asked for again for this long.
  std::chrono::milliseconds negative_ttl{300'000};
  size_t max_spec_size = 64 << 20;  // a larger Histograms.json is refused
  size_t max_in_memory = 64;        // parsed specs kept; the least recently used goes
};

class SpecCache {
 public:
  explicit SpecCache(SpecCacheOptions options);
  ~SpecCache();

  // The spec of `revision_url`. Many calls for one revision cost one fetch and
  // one parse. InvalidArgument: not a revision URL. NotFound: the server has no
  // such file (404), or offline and not cached. IoError: the fetch failed after
  // all attempts. Corruption: the file is not a usable spec. A failure is
  // remembered for negative_ttl and returned again without a fetch.
  Status Get(std::string_view revision_url, std::shared_ptr<const Spec>* spec);

  struct Counters {
    uint64_t lookups = 0;
    uint64_t memory_hits = 0;
    uint64_t disk_hits = 0;
    uint64_t fetches = 0;   // transfers started, retries included
    uint64_t negative_hits = 0;
    uint64_t parses = 0;
    // Fetched specs that could not be saved to cache_dir (still returned).
    uint64_t disk_write_failures = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Entry;
  Status Load(const Revision& revision, std::shared_ptr<const Spec>* spec);
  Status Fetch(const Revision& revision, std::string* body);

  SpecCacheOptions options_;
  Counters counters_;
  std::map<std::string, Entry> entries_;  // by "<repo>/<rev>"
  uint64_t clock_ = 0;                    // for least-recently-used eviction
};

}  // namespace tm_core
