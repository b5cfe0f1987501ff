#include "tm_core/compiled_job.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "tm/job.h"
#include "tm_core/byte_source.h"
#include "tm_core/digest.h"
#include "tm_core/interrupt.h"

namespace tm_core {
namespace {

constexpr size_t kMaxJobSourceSize = 64 << 20;  // a job is one source file, not a data set
constexpr size_t kMaxCompilerOutput = 16 << 20;  // more is shown as "larger than"

// The engine's padding after a mapper's line (Task::Feed) is what map()'s
// contract promises the job.
static_assert(kJsonPadding >= TM_JOB_JSON_PADDING);

tm_job_str Str(std::string_view s) { return {s.data(), s.size()}; }

// The loaded object: shared by the job and every task it made, so that
// dlclose() happens only after the last of them is gone.
struct Library {
  void* handle = nullptr;
  const tm_job_api* api = nullptr;
  std::string name;
  ~Library() {
    if (handle) dlclose(handle);
  }
};

// The Histograms.json definitions of a job, shared by its tasks.
struct Specs {
  explicit Specs(SpecCacheOptions options) : cache(std::move(options)) {}
  std::mutex mu;
  SpecCache cache;  // guarded by mu
};

// One task: a job instance, and the sink its output goes to.
class CompiledTask : public Task {
 public:
  CompiledTask(std::shared_ptr<Library> lib, std::shared_ptr<Specs> specs, int role, LineSink* out)
      : lib_(std::move(lib)), specs_(std::move(specs)), role_(role), out_(out) {
    emitter_.host = this;
    emitter_.emit = &CompiledTask::Emit;
    host_.data = this;
    host_.histogram = &CompiledTask::Histogram;
  }
  ~CompiledTask() override {
    if (self_) lib_->api->destroy(self_);
  }
  // Makes the job's instance; false when its create() failed.
  bool Create() {
    self_ = lib_->api->create(role_, &host_);
    return self_ != nullptr;
  }

  Status Feed(std::string_view line) override {
    held_.clear();  // the specs of the previous call
    if (role_ == TM_JOB_MAPPER) return Map(line);
    // Grouping by key: the engine feeds lines in key order.
    std::string_view key = KeyOf(line);
    std::string_view value = key.size() < line.size() ? line.substr(key.size() + 1) : "";
    if (has_key_ && key != key_) {
      if (Status s = Flush(); !s.ok()) return s;
    }
    if (!has_key_) {
      key_.assign(key);
      has_key_ = true;
    }
    offsets_.push_back(values_.size());
    values_.append(value);
    return Status::Ok();
  }

  Status Finish() override { return role_ == TM_JOB_MAPPER ? Status::Ok() : Flush(); }

 private:
  static int Emit(void* host, tm_job_str key, tm_job_str value) {
    auto* t = static_cast<CompiledTask*>(host);
    t->line_.assign(key.data, key.size);
    if (value.size > 0) {
      t->line_ += '\t';
      t->line_.append(value.data, value.size);
    }
    t->out_status_ = t->out_->Line(t->line_);
    return t->out_status_.ok() ? 0 : 1;
  }

  static int Histogram(void* data, tm_job_str revision, tm_job_str name, tm_job_histogram* out,
                       tm_job_str* error) {
    auto* t = static_cast<CompiledTask*>(data);
    std::string_view rev(revision.data, revision.size), hist(name.data, name.size);
    std::shared_ptr<const Spec> spec;
    Status s;
    {
      std::lock_guard<std::mutex> lock(t->specs_->mu);
      s = t->specs_->cache.Get(rev, &spec);
    }
    const HistogramDefinition* def = nullptr;
    if (!s.ok()) {
      t->error_ = "revision " + std::string(rev) + ": " + s.message();
    } else if ((def = spec->Find(hist)) == nullptr) {
      t->error_ =
          "no histogram " + std::string(hist) + " in Histograms.json of " + std::string(rev);
    } else if (!def->convertible()) {
      t->error_ = std::string(hist) + ": " + def->problem;
    } else {
      t->held_.push_back(std::move(spec));  // def points into it
      out->kind = Str(def->kind);
      out->keyed = def->keyed ? 1 : 0;
      out->buckets = def->buckets.data();
      out->num_buckets = def->buckets.size();
      return 0;
    }
    *error = Str(t->error_);
    return 1;
  }

  Status Result(int rc) {
    if (!out_status_.ok()) return out_status_;
    if (rc == 0) return Status::Ok();
    static const char* const kRoles[] = {"map", "combine", "reduce"};
    return Status::Internal(lib_->name + ": " + kRoles[role_] + ": " +
                            lib_->api->last_error(self_));
  }

  Status Map(std::string_view line) {
    // "uuid\tdim1\t...\tdimN\tjson": the payload is the last field (compact
    // JSON holds no raw tab).
    size_t first = line.find('\t');
    size_t last = line.rfind('\t');
    if (first == std::string_view::npos)
      return Status::Corruption("mapper input line without a tab");
    dims_.clear();
    for (size_t at = first; at < last;) {
      size_t next = line.find('\t', at + 1);
      dims_.push_back(Str(line.substr(at + 1, next - at - 1)));
      at = next;
    }
    int rc = lib_->api->map(self_, Str(line.substr(0, first)), dims_.data(), dims_.size(),
                            Str(line.substr(last + 1)), &emitter_);
    return Result(rc);
  }

  Status Flush() {
    held_.clear();
    if (!has_key_) return Status::Ok();
    views_.clear();
    for (size_t i = 0; i < offsets_.size(); i++) {
      size_t end = i + 1 < offsets_.size() ? offsets_[i + 1] : values_.size();
      views_.push_back(Str(std::string_view(values_).substr(offsets_[i], end - offsets_[i])));
    }
    auto fn = role_ == TM_JOB_COMBINER ? lib_->api->combine : lib_->api->reduce;
    int rc = fn(self_, Str(key_), views_.data(), views_.size(), &emitter_);
    has_key_ = false;
    values_.clear();
    offsets_.clear();
    return Result(rc);
  }

  std::shared_ptr<Library> lib_;
  std::shared_ptr<Specs> specs_;
  int role_;
  void* self_ = nullptr;
  LineSink* out_;
  tm_job_emitter emitter_;
  tm_job_host host_;
  // The specs handed out during the current call, kept alive until the next.
  std::vector<std::shared_ptr<const Spec>> held_;
  std::string error_;
  Status out_status_;
  std::string line_;
  std::vector<tm_job_str> dims_;
  // The current key's group (combiner, reducer): values back to back.
  bool has_key_ = false;
  std::string key_;
  std::string values_;
  std::vector<size_t> offsets_;
  std::vector<tm_job_str> views_;
};

class CompiledJob : public Job {
 public:
  CompiledJob(std::shared_ptr<Library> lib, std::shared_ptr<Specs> specs)
      : lib_(std::move(lib)), specs_(std::move(specs)) {}
  bool has_combiner() const override { return lib_->api->has_combine != 0; }
  bool has_reducer() const override { return lib_->api->has_reduce != 0; }
  Status NewMapper(LineSink* out, std::unique_ptr<Task>* task) override {
    return New(TM_JOB_MAPPER, out, task);
  }
  Status NewCombiner(LineSink* out, std::unique_ptr<Task>* task) override {
    return New(TM_JOB_COMBINER, out, task);
  }
  Status NewReducer(LineSink* out, std::unique_ptr<Task>* task) override {
    return New(TM_JOB_REDUCER, out, task);
  }

 private:
  Status New(int role, LineSink* out, std::unique_ptr<Task>* task) {
    auto t = std::make_unique<CompiledTask>(lib_, specs_, role, out);
    if (!t->Create()) return Status::Internal(lib_->name + ": the job's create() failed");
    *task = std::move(t);
    return Status::Ok();
  }
  std::shared_ptr<Library> lib_;
  std::shared_ptr<Specs> specs_;
};

// 'S' quoted for /bin/sh.
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `command` by /bin/sh with its output (stdout and stderr) in `log`,
// then in *output. Returns the exit status, or -1 when it did not run or was
// killed. Not system(): that ignores SIGINT and SIGTERM while it waits, so a
// Ctrl-C during a compile would kill the compiler alone and tm-mapreduce
// would fail instead of dying of the signal (the caller sees Interrupted()).
int Run(const std::string& command, const std::string& log, std::string* output) {
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {  // only async-signal-safe calls until exec: other threads may hold locks
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(127);
    execv("/bin/sh", const_cast<char* const*>(argv));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (Status s = ReadCappedFile(log, kMaxCompilerOutput, output); !s.ok()) *output = s.message();
  unlink(log.c_str());
  if (!WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string SimdjsonFlags(bool libs) {
  std::string out;
  static const std::string kTmp = [] {
    const char* t = std::getenv("TMPDIR");
    return std::string(t && *t ? t : "/tmp") + "/tm-pkgconfig." + std::to_string(getpid());
  }();
  if (Run(std::string("pkg-config ") + (libs ? "--libs" : "--cflags") + " simdjson", kTmp, &out) !=
      0)
    return libs ? "-lsimdjson" : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Status MakeDirs(const std::string& path) {
  for (size_t at = 1; at <= path.size(); at++) {
    if (at < path.size() && path[at] != '/') continue;
    std::string prefix = path.substr(0, at);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) return Status::IoError(prefix, errno);
  }
  return Status::Ok();
}

}  // namespace

Status LoadCompiledJob(const std::string& path, std::unique_ptr<Job>* job, SpecCacheOptions specs) {
  auto lib = std::make_shared<Library>();
  lib->name = path;
  // A name without '/' would make dlopen() search the library path.
  std::string open = path.find('/') == std::string::npos ? "./" + path : path;
  lib->handle = dlopen(open.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->handle == nullptr) return Status::InvalidArgument(dlerror());
  auto entry = reinterpret_cast<tm_job_entry_fn>(dlsym(lib->handle, TM_JOB_ENTRY_SYMBOL));
  if (entry == nullptr)
    return Status::InvalidArgument(path + ": no " TM_JOB_ENTRY_SYMBOL
                                          " (a job defines its class with TM_JOB, tm/job.h)");
  lib->api = entry();
  if (lib->api == nullptr || lib->api->abi_version != TM_JOB_ABI_VERSION ||
      lib->api->struct_size < sizeof(tm_job_api))
    return Status::InvalidArgument(path + ": built for another version of tm/job.h (ABI " +
                                   std::to_string(lib->api ? lib->api->abi_version : 0) +
                                   ", expected " + std::to_string(TM_JOB_ABI_VERSION) + ")");
  *job = std::make_unique<CompiledJob>(std::move(lib), std::make_shared<Specs>(std::move(specs)));
  return Status::Ok();
}

std::string JobIncludeDir() {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir.erase(dir.rfind('/'));
    if (dir == TM_BUILD_DIR) return TM_SOURCE_INCLUDE_DIR;
  }
  return TM_INSTALL_INCLUDE_DIR;
}

bool IsJobSource(const std::string& path) {
  for (const char* ext : {".cpp", ".cc", ".cxx", ".C"}) {
    std::string_view e(ext);
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

Status CompileJob(const std::string& source, const CompileOptions& options, std::string* so_path,
                  bool* compiled) {
  *compiled = false;
  std::string bytes;
  if (Status s = ReadCappedFile(source, kMaxJobSourceSize, &bytes); !s.ok())
    return s.code() == Status::Code::kNotFound ? Status::IoError(source, ENOENT) : s;

  std::string compiler = options.compiler;
  if (compiler.empty()) {
    const char* cxx = std::getenv("CXX");
    compiler = cxx && *cxx ? cxx : "c++";
  }
  std::string include = options.include_dir.empty() ? JobIncludeDir() : options.include_dir;
  std::string flags =
      "-std=c++20 -O2 -shared -fPIC -I " + Quote(include) + " " + SimdjsonFlags(false);
  std::string libs = SimdjsonFlags(true);
  // The hash covers what decides the object: the source and the command
  // (paths of the source and output aside).
  std::string hash =
      Sha256Hex(bytes + '\0' + compiler + '\0' + flags + '\0' + libs).substr(0, 32);
  if (Status s = MakeDirs(options.cache_dir); !s.ok()) return s;
  *so_path = options.cache_dir + "/" + hash + ".so";
  struct stat st;
  if (stat(so_path->c_str(), &st) == 0) return Status::Ok();

  // Built under a private name, renamed into place: a concurrent run or an
  // interrupted compiler never leaves a partial object under the final name.
  std::string tmp = *so_path + ".tmp" + std::to_string(getpid());
  std::string command =
      compiler + " " + flags + " -o " + Quote(tmp) + " " + Quote(source) + " " + libs;
  std::string output;
  int rc = Run(command, tmp + ".log", &output);
  if (rc != 0 && Interrupted()) {
    unlink(tmp.c_str());
    return Status::Internal("interrupted");  // the caller dies of the signal
  }
  if (rc != 0) {
    unlink(tmp.c_str());
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return Status::InvalidArgument(source + ": compilation failed" +
                                   (rc < 0 ? std::string(" (the compiler did not run)")
                                           : " (exit " + std::to_string(rc) + ")") +
                                   ":\n" + output);
  }
  if (rename(tmp.c_str(), so_path->c_str()) != 0) {
    Status s = Status::IoError(*so_path, errno);
    unlink(tmp.c_str());
    return s;
  }
  *compiled = true;
  return Status::Ok();
}

}  // namespace tm_core
