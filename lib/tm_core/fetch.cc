#include "tm_core/fetch.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "tm_core/interrupt.h"
#include "tm_core/transfer.h"

namespace tm_core {
namespace {

// Splits a URL after its last '/': the store's URL, and what follows (a key,
// or the start of keys to list). "s3://bucket" is all store.
void SplitUrl(const std::string& url, std::string* base, std::string* rest) {
  size_t scheme = url.find("://");
  size_t slash = url.rfind('/');
  if (scheme != std::string::npos && slash <= scheme + 2) {
    *base = url + "/";
    rest->clear();
  } else if (slash == std::string::npos) {
    *base = "./";
    *rest = url;
  } else {
    *base = url.substr(0, slash + 1);
    *rest = url.substr(slash + 1);
  }
}

struct Item {
  Store* store = nullptr;
  std::string key;
  std::string path;     // the local file
  bool listed = false;  // size and etag known from a listing
  ObjectInfo object;
};

class Stores {
 public:
  explicit Stores(const StoreOptions& options) : options_(options) {}
  // The store of `base`, opened once.
  Status Open(const std::string& base, Store** store) {
    auto& slot = stores_[base];
    if (!slot) {
      Status s = OpenStore(base, options_, &slot);
      if (!s.ok()) {
        stores_.erase(base);
        return s;
      }
    }
    *store = slot.get();
    return Status::Ok();
  }

 private:
  const StoreOptions& options_;
  std::map<std::string, std::unique_ptr<Store>> stores_;
};

void List(const FetchOptions& o, Diagnostics& diag) {
  Stores stores(o.store);
  for (const std::string& url : o.urls) {
    std::string base, rest;
    SplitUrl(url, &base, &rest);
    Store* store;
    Status s = stores.Open(base, &store);
    std::vector<ObjectInfo> objects;
    if (s.ok()) s = store->List(rest, &objects);
    if (!s.ok()) {
      if (!Interrupted()) diag.Fail(url, s);
      continue;
    }
    for (const auto& object : objects)
      std::printf("%s\t%llu\n", object.key.c_str(), static_cast<unsigned long long>(object.size));
    if (std::fflush(stdout) != 0) return;  // cli::Main reports it at the close
  }
}

// Fetches one object, or finds it already there. Failures are reported here.
void FetchOne(Item& item, const FetchOptions& o, TransferReport& report) {
  auto fail = [&](const Status& s) {
    if (!Interrupted()) report.Failed(item.path, s);  // the store's message names the URL
  };
  struct stat st;
  if (::stat(item.path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      (!item.listed || static_cast<uint64_t>(st.st_size) == item.object.size)) {
    // The listing has no sha256 (metadata): a HEAD has.
    ObjectInfo remote;
    Status s = item.store->Head(item.key, &remote);
    if (!s.ok()) return fail(s);
    if (remote.size == static_cast<uint64_t>(st.st_size)) {
      FileDigests local;
      s = DigestFile(item.path, !EtagMd5(remote.etag).empty(), 0, &local);
      if (!s.ok()) return fail(s);
      if (SameContent(remote, local)) {
        report.Skipped();
        if (o.verbose) report.Note(item.path, "already there, skipped");
        return;
      }
    }
  }
  ObjectInfo got;
  Status s = item.store->Get(item.key, item.path, &got);
  if (s.code() == Status::Code::kNotFound && !item.listed)
    s = Status::NotFound(s.message() + " (a prefix is fetched with a URL ending in '/')");
  if (!s.ok()) return fail(s);
  report.Transferred(got.size);
  if (o.verbose) report.Note(item.path, "downloaded from " + item.store->UrlOf(item.key));
}

void Download(const FetchOptions& o, Diagnostics& diag) {
  ::signal(SIGPIPE, SIG_IGN);  // a server that hangs up is an error to report, not a death
  TransferReport report(diag, "downloaded", !o.quiet && ::isatty(STDERR_FILENO));
  StoreOptions store_options = o.store;
  store_options.on_bytes = [&report](uint64_t n) { report.Bytes(n); };
  Stores stores(store_options);
  std::string dir = o.directory;
  if (!dir.ends_with('/')) dir += '/';
  std::vector<Item> items;
  for (const std::string& url : o.urls) {
    std::string base, rest;
    SplitUrl(url, &base, &rest);
    Store* store;
    if (Status s = stores.Open(base, &store); !s.ok()) {
      report.Failed(url, s);
      continue;
    }
    if (!rest.empty()) {
      Item item;
      item.store = store;
      item.key = rest;
      item.path = dir + rest;
      items.push_back(std::move(item));
      continue;
    }
    std::vector<ObjectInfo> objects;
    if (Status s = store->List("", &objects); !s.ok()) {
      if (!Interrupted()) report.Failed(url, s);
      continue;
    }
    if (objects.empty()) report.Note(url, "no objects");
    for (auto& object : objects) {
      // A hostile listing must not write outside DIR.
      if (!IsValidKey(object.key)) {
        report.Failed(
            store->UrlOf(object.key),
            Status::InvalidArgument("key is not a relative path of plain names; not fetched"));
        continue;
      }
      Item item;
      item.store = store;
      item.key = object.key;
      item.path = dir + object.key;
      item.listed = true;
      item.object = object;
      items.push_back(std::move(item));
    }
  }
  if (Interrupted()) return;
  // Two objects for one local file would overwrite each other: the second is refused.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.path < b.path; });
  std::vector<Item> unique;
  for (auto& item : items) {
    if (!unique.empty() && unique.back().path == item.path) {
      // The same object asked for twice (a prefix and one of its objects) is fetched once.
      if (unique.back().store->UrlOf(unique.back().key) == item.store->UrlOf(item.key)) continue;
      report.Failed(item.store->UrlOf(item.key),
                    Status::InvalidArgument("same local file as " +
                                            unique.back().store->UrlOf(unique.back().key) + ": " +
                                            item.path));
      continue;
    }
    unique.push_back(std::move(item));
  }
  report.Planned(unique.size());
  RunParallel(o.store.jobs, unique.size(), [&](size_t i) { FetchOne(unique[i], o, report); });
  report.Stop();
  if (Interrupted()) return;
  if (!o.quiet) diag.Note(report.Summary());
}

}  // namespace

void AddFetchOptions(CLI::App& app, FetchOptions* options) {
  auto args = std::make_shared<std::vector<std::string>>();
  app.add_option("urls", *args,
                 "URL... DIR: objects (s3://BUCKET/KEY) and prefixes (ending in '/') to download "
                 "into DIR; with --list, URL... only")
      ->type_name("URL");
  app.add_flag("--list", options->list,
               "List the objects below each URL (key<TAB>size) instead of downloading");
  app.add_option("--page-size", options->store.list_page_size,
                 "Keys asked for per listing request (S3 ListObjectsV2 max-keys)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_flag("-q,--quiet", options->quiet, "No summary at the end");
  app.add_flag("-v,--verbose", options->verbose, "A line on standard error for each file");
  AddStoreOptions(app, &options->store);
  app.callback([args, options] {
    if (options->list) {
      if (args->empty()) throw CLI::ValidationError("--list needs a URL");
      options->urls = *args;
    } else {
      if (args->size() < 2) throw CLI::ValidationError("give URL... DIR (or --list URL...)");
      options->directory = args->back();
      options->urls.assign(args->begin(), args->end() - 1);
    }
    for (const auto& url : options->urls) {
      StoreUrl parsed;
      if (Status s = ParseStoreUrl(url, &parsed); !s.ok()) throw CLI::ValidationError(s.message());
    }
  });
}

void Fetch(const FetchOptions& options, Diagnostics& diag) {
  if (options.list) {
    List(options, diag);
  } else {
    Download(options, diag);
  }
}

}  // namespace tm_core
