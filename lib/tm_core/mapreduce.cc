#include "tm_core/mapreduce.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tm_core/cli.h"
#include "tm_core/compiled_job.h"
#include "tm_core/external_sort.h"
#include "tm_core/interrupt.h"
#include "tm_core/job_input.h"
#include "tm_core/line_reader.h"
#include "tm_core/output_file.h"
#include "tm_core/streaming_task.h"
#include "tm_core/text.h"

namespace tm_core {
namespace {

constexpr size_t kReadChunk = 256 << 10;  // coreutils' block, per input file being read
constexpr size_t kMaxLine = 64 << 20;     // a longer store line is a bad line
constexpr size_t kReduceChunk = 64 << 10;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string WorkRoot(const std::string& work_dir) {
  if (!work_dir.empty()) return work_dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

bool IsRemote(std::string_view data_dir) {
  return data_dir.rfind("s3://", 0) == 0 || data_dir.rfind("file://", 0) == 0;
}

// Our private directory under --work-dir: made unique (mkdtemp) so that two
// jobs never share spills, and removed whole when the job ends, however it ends.
class WorkDir {
 public:
  ~WorkDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Status Make(const std::string& base) {
    std::string pattern = base + "/tm-mapreduce.XXXXXX";
    if (!::mkdtemp(pattern.data()))
      return Status::IoError(base + ": cannot make a work directory", errno);
    path_ = pattern;
    return Status::Ok();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Hands lines to a task: how a merged partition reaches its reducer.
class FeedSink : public LineSink {
 public:
  explicit FeedSink(Task* task) : task_(task) {}
  Status Line(std::string_view line) override { return task_->Feed(line); }

 private:
  Task* task_;
};

// Writes lines to a file, '\n' after each.
class FileSink : public LineSink {
 public:
  explicit FileSink(OutputFile* file) : file_(file) {}
  Status Line(std::string_view line) override {
    std::string* buffer = file_->buffer();
    buffer->append(line);
    *buffer += '\n';
    return file_->Wrote();
  }

 private:
  OutputFile* file_;
};

class Engine {
 public:
  Engine(const MapReduceOptions& options, Job& job, Diagnostics& diag)
      : options_(options), job_(job), diag_(diag) {}

  void Run() {
    start_ = Clock::now();
    if (!Setup()) return;
    progress_ = !options_.quiet && ::isatty(STDERR_FILENO);
    RunWorkers(mappers_, [this](uint32_t) { MapWorker(); });
    map_seconds_ = SecondsSince(start_);
    const Clock::time_point reduce_start = Clock::now();
    if (job_.has_reducer() && Continuing()) {
      next_reducer_ = 0;
      RunWorkers(std::min(mappers_, options_.num_reducers), [this](uint32_t) { ReduceWorker(); });
      if (Continuing()) Concatenate();
    }
    reduce_seconds_ = SecondsSince(reduce_start);
    sorters_.clear();           // their run files first, then the work directory
    if (Interrupted()) return;  // the output is not committed: OutputFile removes it
    if (errors_ > options_.max_errors) {
      Fail(Status::Corruption(std::to_string(errors_.load()) + " errors, more than --max-errors " +
                              std::to_string(options_.max_errors) + ": the output is incomplete"));
    }
    if (!failed_) {
      if (Status s = output_.Commit(); !s.ok()) Fail(s);
    }
    if (!options_.quiet) Summarize();
  }

 private:
  bool Setup() {
    if (options_.format != "tsv" && options_.format != "csv" && options_.format != "json") {
      Fail(Status::InvalidArgument("--format: not tsv, csv or json: " + options_.format));
      return false;
    }
    Schema filter = Schema::Default();
    if (!options_.input_filter.empty()) {
      if (Status s = Schema::Load(options_.input_filter, &filter); !s.ok()) {
        diag_.Fail("--input-filter", s);
        return false;
      }
    }
    if (Status s = work_dir_.Make(WorkRoot(options_.work_dir)); !s.ok()) {
      Fail(s);
      return false;
    }
    Status selected = IsRemote(options_.data_dir)
                          ? SelectRemote(filter)
                          : SelectInputs(options_.data_dir, filter, &inputs_);
    if (!selected.ok()) {
      diag_.Fail(options_.data_dir, selected);
      return false;
    }
    for (const InputFile& f : inputs_) total_bytes_ += f.size;
    if (Status s = output_.Open(options_.output); !s.ok()) {
      Fail(s);
      return false;
    }
    mappers_ = options_.num_mappers ? options_.num_mappers
                                    : std::max(1u, std::thread::hardware_concurrency());
    uint64_t memory = options_.memory;
    if (memory == 0) {
      memory = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
               static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) / 4;
    }
    if (job_.has_reducer()) {
      NewTaskFunction combiner;
      if (job_.has_combiner()) {
        combiner = [this](LineSink* out, std::unique_ptr<Task>* task) {
          return job_.NewCombiner(out, task);
        };
      }
      for (uint32_t r = 0; r < options_.num_reducers; ++r) {
        sorters_.push_back(std::make_unique<ExternalSorter>(
            work_dir_.path(), "r" + std::to_string(r), memory / options_.num_reducers, combiner));
      }
      sorter_mu_ = std::vector<std::mutex>(options_.num_reducers);
    }
    return true;
  }

  // The objects of the remote store that `filter` selects, each to be
  // fetched to the cache (or, with --no-cache, the work directory).
  Status SelectRemote(const Schema& filter) {
    StoreUrl url;
    if (Status s = ParseStoreUrl(options_.data_dir, &url); !s.ok()) return s;
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(KeyHash(url.url)));
    const std::string cache = WorkRoot(options_.work_dir) + "/cache/" + hash;
    if (options_.local_only) {
      std::error_code ec;
      if (!std::filesystem::is_directory(cache, ec))
        return Status::NotFound("--local-only: nothing of it is cached in " + cache);
      return SelectInputs(cache, filter, &inputs_);
    }
    // A missing directory lists as empty (store.h); here it is a mistake.
    if (std::error_code ec;
        url.kind == StoreUrl::Kind::kLocal && !std::filesystem::is_directory(url.path, ec))
      return Status::NotFound(url.path + ": no such directory");
    if (Status s = OpenStore(options_.data_dir, options_.store, &store_); !s.ok()) return s;
    std::vector<ObjectInfo> objects;
    if (Status s = store_->List("", &objects); !s.ok()) return s;
    const size_t n = filter.dimensions().size();
    std::vector<std::string> values;
    std::string misfit;
    for (const ObjectInfo& object : objects) {
      if (!PathDimensions(object.key, n, &values)) {
        if (misfit.empty() && object.key.find(".log") != std::string::npos) misfit = object.key;
        continue;
      }
      if (!filter.Selects(object.key)) continue;
      InputFile file;
      file.key = object.key;
      file.relative = object.key;
      file.size = object.size;
      file.dimensions = values;
      // Without a cache: a unique name that keeps the suffix (.lzma: decoded).
      file.path = options_.no_cache
                      ? work_dir_.path() + "/fetched/" + std::to_string(inputs_.size()) + "." +
                            object.key.substr(object.key.rfind('/') + 1)
                      : cache + "/" + object.key;
      inputs_.push_back(std::move(file));
    }
    if (inputs_.empty() && !misfit.empty()) {
      return Status::InvalidArgument("the filter has " + std::to_string(n) +
                                     " dimensions, which do not fit the store's paths (" + misfit +
                                     ")");
    }
    return Status::Ok();
  }

  // Makes a remote file local: fetched, unless the cache has it (same size).
  Status Fetch(const InputFile& file) {
    std::error_code ec;
    if (!options_.no_cache && std::filesystem::file_size(file.path, ec) == file.size && !ec) {
      ++cache_hits_;
      return Status::Ok();
    }
    std::filesystem::create_directories(std::filesystem::path(file.path).parent_path(), ec);
    Status s = store_->Get(file.key, file.path, nullptr);
    if (s.ok()) ++fetched_;
    return s;
  }

  bool Continuing() const { return !failed_ && !Interrupted(); }

  void Fail(const Status& s) {
    if (!failed_.exchange(true)) diag_.Fail(s);
  }

  // Runs `count` threads of `body` and, while they run, the progress display.
  void RunWorkers(uint32_t count, const std::function<void(uint32_t)>& body) {
    std::atomic<uint32_t> running{count};
    std::vector<std::thread> threads;
    for (uint32_t i = 0; i < count; ++i) {
      threads.emplace_back([&, i] {
        BlockSigpipeInThisThread();
        body(i);
        --running;
      });
    }
    while (running > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(progress_ ? 100 : 20));
      if (progress_) ShowProgress();
    }
    for (std::thread& t : threads) t.join();
    if (progress_) std::fputs("\r\033[K", stderr);
  }

  // Map output: to the reducers' sorters, or (map-only) to the output.
  class MapSink : public LineSink {
   public:
    explicit MapSink(Engine* engine) : engine_(engine) {}
    Status Line(std::string_view line) override {
      Engine& e = *engine_;
      ++e.map_output_;
      if (!e.job_.has_reducer()) {
        std::lock_guard lock(e.output_mu_);
        AppendOutputLine(e.options_.format, line, e.output_.buffer());
        return e.output_.Wrote();
      }
      const uint32_t r = PartitionOf(KeyOf(line), static_cast<uint32_t>(e.sorters_.size()));
      std::lock_guard lock(e.sorter_mu_[r]);
      return e.sorters_[r]->Add(line);
    }

   private:
    Engine* engine_;
  };

  void MapWorker() {
    MapSink sink(this);
    std::unique_ptr<Task> mapper;
    if (Status s = job_.NewMapper(&sink, &mapper); !s.ok()) return Fail(s);
    std::string input;
    for (;;) {
      const size_t i = next_file_++;
      if (i >= inputs_.size() || !Continuing()) break;
      const InputFile& file = inputs_[i];
      if (!file.key.empty()) {
        if (Status s = Fetch(file); !s.ok()) {
          FileError(store_->UrlOf(file.key), s.message());
          ++files_done_;
          continue;
        }
      }
      Status mapped = MapFile(file, mapper.get(), &input);
      if (!file.key.empty() && options_.no_cache) ::unlink(file.path.c_str());
      if (!mapped.ok()) return Fail(mapped);
      ++files_done_;
      bytes_done_ += file.size;
    }
    if (!Continuing()) return;  // the mapper is abandoned: killed
    if (Status s = mapper->Finish(); !s.ok()) Fail(s);
  }

  // Feeds the records of one file to `mapper`; only a failure of the mapper
  // (or of where its output goes) is returned: the file's own problems are
  // reported and counted here.
  Status MapFile(const InputFile& file, Task* mapper, std::string* input) {
    Status open_status;
    auto source = OpenStoreFile(file.path, &open_status);
    if (!source) {
      FileError(file.path, open_status.message());
      return Status::Ok();
    }
    size_t dimensions_size = 0;
    for (const std::string& d : file.dimensions) dimensions_size += d.size() + 1;
    LineReader reader(std::move(source), kReadChunk, kMaxLine);
    std::string_view line;
    uint64_t records = 0;
    for (;;) {
      if (!reader.Next(&line)) {
        if (!reader.status().ok()) {  // a read error or a damaged xz stream ends the file
          LineError(file.path, reader.line_number() + 1, reader.status().message());
          ++failed_files_;
        }
        break;
      }
      if (reader.too_long()) {
        LineError(file.path, reader.line_number(),
                  "line longer than " + std::to_string(kMaxLine) + " bytes");
        continue;
      }
      const size_t tab = line.find('\t');
      if (tab == std::string_view::npos || tab == 0) {
        LineError(file.path, reader.line_number(), "no <uuid><TAB> at the start of the line");
        continue;
      }
      input->reserve(line.size() + dimensions_size + kJsonPadding);  // see Task::Feed
      input->assign(line.substr(0, tab + 1));
      for (const std::string& d : file.dimensions) {
        *input += d;
        *input += '\t';
      }
      input->append(line.substr(tab + 1));
      if (Status f = mapper->Feed(*input); !f.ok()) return f;
      ++records;
      if ((records & 1023) == 0) {
        records_ += 1024;
        if (!Continuing()) return Status::Ok();
      }
    }
    records_ += records & 1023;
    bytes_read_ += reader.offset();
    return Status::Ok();
  }

  void LineError(const std::string& path, uint64_t line, std::string_view why) {
    ++errors_;
    diag_.Warn(path + ":" + std::to_string(line), why);
  }
  void FileError(const std::string& path, std::string_view why) {
    ++errors_;
    ++failed_files_;
    diag_.Warn(path, why);
  }

  std::string ReducerOutputPath(uint32_t r) const {
    return work_dir_.path() + "/r" + std::to_string(r) + ".out";
  }

  void ReduceWorker() {
    for (;;) {
      const uint32_t r = next_reducer_++;
      if (r >= sorters_.size() || !Continuing()) return;
      OutputFile out;
      if (Status s = out.Open(ReducerOutputPath(r)); !s.ok()) return Fail(s);
      FileSink out_sink(&out);
      std::unique_ptr<Task> reducer;
      if (Status s = job_.NewReducer(&out_sink, &reducer); !s.ok()) return Fail(s);
      FeedSink feed(reducer.get());
      Status s = sorters_[r]->Finish(&feed);
      spills_ += sorters_[r]->spills();
      if (s.ok()) s = reducer->Finish();
      if (s.ok()) s = out.Commit();
      if (!s.ok()) return Fail(s);
    }
  }

  // The reducers' outputs, in reducer order, into the output in its format.
  void Concatenate() {
    for (uint32_t r = 0; r < sorters_.size() && Continuing(); ++r) {
      const std::string path = ReducerOutputPath(r);
      Status status;
      auto source = OpenFileSource(path, &status);
      if (!source) return Fail(Status::IoError(path + ": " + status.message()));
      LineReader reader(std::move(source), kReduceChunk);
      std::string_view line;
      while (reader.Next(&line)) {
        ++reduce_output_;
        AppendOutputLine(options_.format, line, output_.buffer());
        if (Status s = output_.Wrote(); !s.ok()) return Fail(s);
      }
      if (!reader.status().ok()) return Fail(Status::IoError(path + ": " + reader.status().message()));
      ::unlink(path.c_str());
    }
  }

  void ShowProgress() {
    const double seconds = SecondsSince(start_);
    if (seconds - last_progress_ < 0.5) return;
    last_progress_ = seconds;
    const uint64_t done = bytes_done_, records = records_;
    std::string eta = "?";
    if (done > 0 && done < total_bytes_) {
      eta = std::to_string(static_cast<long long>(seconds * (total_bytes_ - done) / done)) + " s";
    } else if (done >= total_bytes_) {
      eta = "0 s";
    }
    std::fprintf(stderr, "\r\033[K%s: %zu/%zu files, %.1f/%.1f MB, %.0f records/s, eta %s",
                 diag_.program().c_str(), files_done_.load(), inputs_.size(), done / 1e6,
                 total_bytes_ / 1e6, records / seconds, eta.c_str());
  }

  void Summarize() {
    char text[512];
    std::snprintf(
        text, sizeof text,
        "%zu files (%llu failed), %llu records, %.1f MB read; map %.2f s (%llu lines out), "
        "reduce %.2f s (%llu spills, %llu lines out), total %.2f s; %llu errors",
        inputs_.size(), static_cast<unsigned long long>(failed_files_.load()),
        static_cast<unsigned long long>(records_.load()), bytes_read_.load() / 1e6, map_seconds_,
        static_cast<unsigned long long>(map_output_.load()), reduce_seconds_,
        static_cast<unsigned long long>(spills_.load()),
        static_cast<unsigned long long>(reduce_output_), SecondsSince(start_),
        static_cast<unsigned long long>(errors_.load()));
    diag_.Note(text);
    if (store_) {
      diag_.Note(std::to_string(fetched_.load()) + " files fetched from " + store_->url() + ", " +
                 std::to_string(cache_hits_.load()) + " found in the cache");
    }
  }

  const MapReduceOptions& options_;
  Job& job_;
  Diagnostics& diag_;
  WorkDir work_dir_;  // declared before the sorters: removed after their runs
  std::vector<InputFile> inputs_;
  std::unique_ptr<Store> store_;  // a remote --data-dir
  std::atomic<uint64_t> fetched_{0}, cache_hits_{0};
  uint64_t total_bytes_ = 0;
  uint32_t mappers_ = 1;
  OutputFile output_;
  std::mutex output_mu_;
  std::vector<std::unique_ptr<ExternalSorter>> sorters_;
  std::vector<std::mutex> sorter_mu_;
  std::atomic<size_t> next_file_{0}, files_done_{0};
  std::atomic<uint32_t> next_reducer_{0};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> errors_{0}, failed_files_{0}, records_{0}, bytes_read_{0}, bytes_done_{0};
  std::atomic<uint64_t> map_output_{0}, spills_{0};
  uint64_t reduce_output_ = 0;
  bool progress_ = false;
  Clock::time_point start_;
  double last_progress_ = 0, map_seconds_ = 0, reduce_seconds_ = 0;
};

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r") == std::string_view::npos) {
    out->append(field);
    return;
  }
  *out += '"';
  for (char c : field) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

}  // namespace

bool AppendOutputLine(std::string_view format, std::string_view line, std::string* out) {
  const std::string_view key = KeyOf(line);
  const std::string_view value =
      key.size() < line.size() ? line.substr(key.size() + 1) : std::string_view();
  if (format == "tsv") {
    out->append(line);
  } else if (format == "csv") {
    AppendCsvField(key, out);
    *out += ',';
    AppendCsvField(value, out);
  } else if (format == "json") {
    *out += "{\"key\":";
    AppendJsonString(key, out);
    *out += ",\"value\":";
    AppendJsonString(value, out);
    *out += '}';
  } else {
    return false;
  }
  *out += '\n';
  return true;
}

void AddMapReduceOptions(CLI::App& app, MapReduceOptions* o) {
  app.add_option("--data-dir", o->data_dir,
                 "The store: a directory, or s3://BUCKET/PREFIX/ or file:///DIR/ whose files are "
                 "fetched into a cache under --work-dir")
      ->required();
  app.add_option(
      "--input-filter", o->input_filter,
      "A schema (tm-schema(5)) selecting the files by their paths; default: every file of the "
      "default layout");
  app.add_option("--work-dir", o->work_dir,
                 "Where spills go, in a private directory (default: $TMPDIR or /tmp)");
  CLI::Option* mapper = app.add_option("--mapper", o->mapper, "Mapper command, run by /bin/sh -c");
  CLI::Option* reducer =
      app.add_option("--reducer", o->reducer, "Reducer command; none: a map-only job");
  CLI::Option* combiner = app.add_option("--combiner", o->combiner,
                                         "Combiner command, run over each sorted run of map output")
                              ->needs(reducer);
  app.add_option("--job", o->job,
                 "A compiled job (tm/job.h): a shared object, or a .cpp/.cc file compiled "
                 "into a cache under --work-dir; instead of --mapper")
      ->excludes(mapper)
      ->excludes(reducer)
      ->excludes(combiner);
  app.add_option("--spec-url", o->spec_url,
                 "--job: where ctx.histogram() fetches a revision's Histograms.json ({repo} and "
                 "{rev} are replaced); kept under --work-dir")
      ->default_str(SpecCacheOptions().url_template);
  app.parse_complete_callback([o] {
    if (o->mapper.empty() && o->job.empty())
      throw CLI::RequiredError("--mapper or --job is required");
  });
  app.add_option("--num-mappers", o->num_mappers, "Mapper processes (default: the number of cores)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--num-reducers", o->num_reducers,
                 "Reducer processes, the partitions of map output")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cli::AddSizeOption(
      app, "--memory", o->memory,
      "Memory for map output in all reducers' buffers; past it, sorted runs spill to "
      "--work-dir (default: a quarter of RAM)");
  app.add_option("--max-errors", o->max_errors,
                 "Bad lines and files tolerated before the job fails")
      ->capture_default_str();
  app.add_option("-o,--output", o->output,
                 "Where the output goes, written whole at the end; '-' is stdout")
      ->capture_default_str();
  app.add_option("--format", o->format, "Output format: tsv, csv or json")
      ->check(CLI::IsMember({"tsv", "csv", "json"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", o->quiet, "No summary and no progress on stderr");
  CLI::Option* local_only = app.add_flag(
      "--local-only", o->local_only, "Remote --data-dir: read what the cache holds, fetch nothing");
  app.add_flag("--no-cache", o->no_cache,
               "Remote --data-dir: keep no copy of a file once it is mapped")
      ->excludes(local_only);
  AddStoreOptions(app, &o->store);
}

void RunJob(const MapReduceOptions& options, Job& job, Diagnostics& diag) {
  Engine(options, job, diag).Run();
}

void MapReduce(const MapReduceOptions& options, Diagnostics& diag) {
  if (options.job.empty()) {
    auto job = NewStreamingJob(options.mapper, options.combiner, options.reducer);
    RunJob(options, *job, diag);
    return;
  }
  std::string so = options.job;
  if (IsJobSource(options.job)) {
    CompileOptions compile;
    compile.cache_dir = WorkRoot(options.work_dir) + "/jobs";
    bool compiled = false;
    if (Status s = CompileJob(options.job, compile, &so, &compiled); !s.ok()) {
      if (Interrupted()) return;  // the compiler got the signal too: no message, die of it
      return diag.Fail("--job", s);
    }
    if (compiled && !options.quiet) diag.Note("compiled " + options.job + " into " + so);
  }
  SpecCacheOptions specs;
  if (!options.spec_url.empty()) specs.url_template = options.spec_url;
  specs.cache_dir = WorkRoot(options.work_dir) + "/specs";
  std::unique_ptr<Job> job;
  if (Status s = LoadCompiledJob(so, &job, specs); !s.ok()) return diag.Fail("--job", s);
  RunJob(options, *job, diag);
}

}  // namespace tm_core
