#include "tm_core/upload.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "tm_core/cli.h"
#include "tm_core/interrupt.h"
#include "tm_core/transfer.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;

struct Item {
  std::string path;  // the local file
  std::string key;   // its key below the destination
};

enum class Action { kNone, kUpload, kSkip };

// Names starting with '.' are files being written (tm-partition's ".x.tmp")
// or not meant to be published: never uploaded.
bool HasHiddenSegment(std::string_view key) {
  for (size_t start = 0;;) {
    if (key.substr(start).starts_with('.')) return true;
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) return false;
    start = slash + 1;
  }
}

void Walk(const std::string& dir, std::vector<Item>* items, TransferReport& report) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) {
    report.Failed(dir, Status::IoError("", ec.value()));
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      report.Failed(dir, Status::IoError("", ec.value()));
      return;
    }
    if (it->path().filename().string().starts_with('.')) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;  // directories are walked; sockets and fifos ignored
    Item item;
    item.path = it->path().string();
    item.key = it->path().lexically_relative(dir).generic_string();
    items->push_back(std::move(item));
  }
}

void ReadManifest(const UploadOptions& o, std::vector<Item>* items, TransferReport& report) {
  std::ifstream file;
  std::istream* in = &std::cin;
  const std::string name = o.files_from == "-" ? "(stdin)" : o.files_from;
  if (o.files_from != "-") {
    file.open(o.files_from, std::ios::binary);
    if (!file) {
      report.Failed(o.files_from, Status::IoError("", errno ? errno : ENOENT));
      return;
    }
    in = &file;
  }
  std::string line;
  std::string root = o.root;
  if (!root.ends_with('/')) root += '/';
  for (uint64_t n = 1; std::getline(*in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string key = line.substr(0, line.find('\t'));
    if (key.empty()) continue;
    if (!IsValidKey(key) || HasHiddenSegment(key)) {
      report.Failed(name + ":" + std::to_string(n),
                    Status::InvalidArgument("not a relative path of visible names: '" + key + "'"));
      continue;
    }
    Item item;
    item.path = root + key;
    item.key = key;
    items->push_back(std::move(item));
  }
  if (in->bad()) report.Failed(o.files_from, Status::IoError("read error"));
}

// Publishes one file, or finds it already there. Failures are reported here.
Action UploadOne(const Item& item, Store& store, const UploadOptions& o, TransferReport& report) {
  auto fail = [&](const Status& s) {
    if (!Interrupted()) report.Failed(item.path, s);  // an interrupted run just stops
    return Action::kNone;
  };
  struct stat st;
  if (::stat(item.path.c_str(), &st) != 0) return fail(Status::IoError("", errno));
  if (!S_ISREG(st.st_mode)) return fail(Status::InvalidArgument("not a regular file"));
  ObjectInfo remote;
  Status s = store.Head(item.key, &remote);
  const bool present = s.ok();
  if (!s.ok() && s.code() != Status::Code::kNotFound) return fail(s);
  bool md5 = false;
  uint64_t part_size = 0;
  store.PutDigestsNeeded(st.st_size, &md5, &part_size);
  if (present && !EtagMd5(remote.etag).empty()) md5 = true;
  FileDigests digests;
  s = DigestFile(item.path, md5, part_size, &digests);
  if (!s.ok()) return fail(s);
  const std::string url = store.UrlOf(item.key);
  const Action action = present && SameContent(remote, digests) ? Action::kSkip : Action::kUpload;
  if (action == Action::kUpload && !o.dry_run) {
    s = store.Put(item.key, item.path, digests);
    if (!s.ok()) return fail(s);
  }
  // Only now is the file counted: one that cannot be removed counts as failed.
  if (o.delete_after && !o.dry_run && ::unlink(item.path.c_str()) != 0)
    return fail(Status::IoError(action == Action::kSkip ? "already published, but cannot be removed"
                                                        : "published, but cannot be removed",
                                errno));
  if (action == Action::kSkip) {
    report.Skipped();
    if (o.verbose) report.Note(item.path, "already at " + url + ", skipped");
  } else if (!o.dry_run) {
    report.Transferred(digests.size);
    if (o.verbose) report.Note(item.path, "uploaded to " + url);
  }
  if (o.delete_after && !o.dry_run && o.verbose) report.Note(item.path, "removed");
  return action;
}

}  // namespace

void AddUploadOptions(CLI::App& app, UploadOptions* options) {
  auto args = std::make_shared<std::vector<std::string>>();
  app.add_option("paths", *args,
                 "SOURCE... DESTINATION: files and directories to publish, then where: "
                 "s3://BUCKET/PREFIX/, file:///DIR/ or a directory")
      ->type_name("PATH");
  app.add_option("--files-from", options->files_from,
                 "Also publish the files a manifest lists (first tab-separated column, relative "
                 "to --root); '-' reads standard input")
      ->type_name("FILE");
  app.add_option("--root", options->root, "The directory the manifest's paths are relative to")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_flag("--delete-after", options->delete_after,
               "Remove each file once its object is confirmed (or found already there)");
  app.add_flag("--dry-run", options->dry_run,
               "Print what would be uploaded or skipped, on standard output; send nothing");
  cli::AddSizeOption(app, "--multipart-threshold", options->store.multipart_threshold,
                     "Send files larger than this in parts (S3) [64MiB]");
  cli::AddSizeOption(app, "--part-size", options->store.part_size,
                     "Size of each part of a multipart upload, at least 5MiB [16MiB]");
  app.add_flag("-q,--quiet", options->quiet, "No summary at the end");
  app.add_flag("-v,--verbose", options->verbose, "A line on standard error for each file");
  AddStoreOptions(app, &options->store);
  app.callback([args, options] {
    if (args->empty()) throw CLI::ValidationError("no destination given");
    options->destination = args->back();
    options->sources.assign(args->begin(), args->end() - 1);
    if (options->sources.empty() && options->files_from.empty())
      throw CLI::ValidationError("nothing to upload: give SOURCE... DESTINATION or --files-from");
    StoreUrl url;
    if (Status s = ParseStoreUrl(options->destination, &url); !s.ok())
      throw CLI::ValidationError("destination " + s.message());
    if (options->store.part_size < (5u << 20))
      throw CLI::ValidationError("--part-size: at least 5MiB, S3's smallest part");
  });
}

void Upload(const UploadOptions& options, Diagnostics& diag) {
  ::signal(SIGPIPE, SIG_IGN);  // a server that hangs up is an error to report, not a death
  TransferReport report(diag, "uploaded", !options.quiet && ::isatty(STDERR_FILENO));
  StoreOptions store_options = options.store;
  store_options.on_bytes = [&report](uint64_t n) { report.Bytes(n); };
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(options.destination, store_options, &store); !s.ok()) {
    diag.Fail(options.destination, s);
    return;
  }

  std::vector<Item> items;
  for (const std::string& source : options.sources) {
    std::error_code ec;
    auto status = fs::status(source, ec);
    if (ec && ec.value() != ENOENT) {
      report.Failed(source, Status::IoError("", ec.value()));
    } else if (fs::is_directory(status)) {
      Walk(source, &items, report);
    } else if (fs::is_regular_file(status)) {
      Item item;
      item.path = source;
      item.key = fs::path(source).filename().string();
      items.push_back(std::move(item));
    } else {
      report.Failed(source, ec || !fs::exists(status)
                                ? Status::IoError("", ENOENT)
                                : Status::InvalidArgument("not a regular file or directory"));
    }
  }
  if (!options.files_from.empty()) ReadManifest(options, &items, report);

  // Two files for one key would overwrite each other: the second is refused.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.key < b.key; });
  std::vector<Item> unique;
  for (auto& item : items) {
    if (!unique.empty() && unique.back().key == item.key) {
      report.Failed(item.path, Status::InvalidArgument("same key as " + unique.back().path + ": " +
                                                       store->UrlOf(item.key)));
      continue;
    }
    unique.push_back(std::move(item));
  }
  report.Planned(unique.size());

  std::vector<Action> actions(unique.size(), Action::kNone);
  RunParallel(options.store.jobs, unique.size(),
              [&](size_t i) { actions[i] = UploadOne(unique[i], *store, options, report); });
  report.Stop();
  if (Interrupted()) return;

  if (options.dry_run) {
    size_t to_upload = 0, to_skip = 0;
    for (size_t i = 0; i < unique.size(); ++i) {
      if (actions[i] == Action::kNone) continue;
      (actions[i] == Action::kUpload ? to_upload : to_skip)++;
      std::printf("%s\t%s\t%s\n", actions[i] == Action::kUpload ? "upload" : "skip",
                  unique[i].path.c_str(), store->UrlOf(unique[i].key).c_str());
    }
    if (!options.quiet)
      diag.Note("dry run: " + std::to_string(to_upload) + " to upload, " + std::to_string(to_skip) +
                " already there, " + std::to_string(report.failed()) + " failed");
    return;
  }
  if (!options.quiet) diag.Note(report.Summary());
}

}  // namespace tm_core
