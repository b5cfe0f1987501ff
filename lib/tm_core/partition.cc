#include "tm_core/partition.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <list>
#include <map>
#include <random>
#include <unordered_map>

#include "tm_core/cli.h"
#include "tm_core/interrupt.h"
#include "tm_core/output_file.h"
#include "tm_core/ping.h"
#include "tm_core/record.h"
#include "tm_core/schema.h"
#include "tm_core/xz.h"

namespace tm_core {
namespace {

namespace ondemand = simdjson::ondemand;

// --- names --------------------------------------------------------------------------

// 64-bit FNV-1a from a given start, then splitmix64's finalizer to spread the
// bits. The unique part of a file name need not be secret, only stable for the
// same (id, partition, sequence) and different for others.
uint64_t Hash64(std::string_view data, uint64_t hash) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ull;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebull;
  return hash ^ (hash >> 31);
}

// 32 hex digits, like the old store's uuid part.
std::string UniquePart(std::string_view id, std::string_view partition, uint64_t sequence) {
  std::string key = std::string(id) + '\0' + std::string(partition) + '\0' + std::to_string(sequence);
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx",
                static_cast<unsigned long long>(Hash64(key, 0xcbf29ce484222325ull)),
                static_cast<unsigned long long>(Hash64(key, 0x84222325cbf29ce4ull)));
  return hex;
}

std::string RandomId() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) id += std::to_string(random()) + '-';
  return id;
}

std::string SubmissionDate(uint64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y%m%d", &utc);
  return date;
}

// mkdir -p below `root` (which exists); every component is a PathValue.
Status MakeDirectories(const std::string& root, std::string_view relative_dir) {
  std::string path = root;
  while (!relative_dir.empty()) {
    size_t slash = relative_dir.find('/');
    path += '/';
    path += relative_dir.substr(0, slash);
    if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) return Status::IoError(path, errno);
    if (slash == std::string_view::npos) break;
    relative_dir.remove_prefix(slash + 1);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(dir, errno);
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err ? Status::IoError(dir, err) : Status::Ok();
}

// --- the store's files -----------------------------------------------------------------

struct FinishedFile {
  std::string path;  // relative to the store's root
  uint64_t records = 0;
  uint64_t bytes = 0;             // uncompressed
  uint64_t compressed_bytes = 0;
};

// The files being written, at most one per partition, and the xz encoders
// that compress into them. The two are apart because memory is in the
// encoders (2 MiB each at level 0, 94 MiB at level 6) and a file costs only a
// descriptor: when all --max-open encoders are busy, the least recently used
// one ends its stream and moves on, and its file gets a new stream when it
// next has data (a file of concatenated xz streams, as `xz -dc` reads).
// Files are finished as partition.h says; --max-files of them at most are open.
class StoreWriter {
 public:
  explicit StoreWriter(const PartitionOptions& options)
      : options_(options), id_(options.id.empty() ? RandomId() : options.id) {}
  ~StoreWriter() {
    for (auto& [partition, file] : files_) {
      ::close(file.fd);
      ::unlink(file.temp_path.c_str());
    }
  }

  Status Write(const std::string& partition, std::string_view line) {
    auto it = files_.find(partition);
    if (it == files_.end()) {
      if (files_.size() >= options_.max_files) {
        if (Status s = Finish(files_.find(file_lru_.back())); !s.ok()) return s;
      }
      Status s;
      it = Open(partition, &s);
      if (!s.ok()) return s;
    } else {
      file_lru_.splice(file_lru_.begin(), file_lru_, it->second.lru);
    }
    File& file = it->second;
    file.pending.append(line);
    ++file.records;
    if (file.pending.size() >= kBatch) {
      if (Status s = Compress(file); !s.ok()) return s;
    }
    if (file.bytes + file.pending.size() >= options_.max_size) return Finish(it);
    return Status::Ok();
  }

  Status FinishAll() {
    Status first;
    while (!files_.empty()) {
      Status s = Finish(files_.find(file_lru_.back()));
      if (first.ok()) first = s;
    }
    return first;
  }

  const std::vector<FinishedFile>& finished() const { return finished_; }

 private:
  // Lines wait in a file's `pending` until there are kBatch bytes of them:
  // records of many partitions come mixed, and an encoder given one record at
  // a time works on tables that the other encoders have pushed out of the
  // cache (a quarter slower with a hundred partitions). Memory: max_files * kBatch.
  static constexpr size_t kBatch = 1 << 20;

  struct Encoder;
  struct File {
    std::string relative_path, temp_path;
    int fd = -1;
    std::string pending;
    uint64_t records = 0;
    uint64_t bytes = 0, compressed_bytes = 0;  // of its finished streams and the current one so far
    Encoder* encoder = nullptr;                // while a stream is open
    std::list<std::string>::iterator lru;      // in file_lru_
  };
  struct Encoder {
    XzWriter xz;
    File* file = nullptr;  // whose stream it is writing; null when idle
  };
  using Files = std::unordered_map<std::string, File>;

  Files::iterator Open(const std::string& partition, Status* status) {
    uint64_t sequence = sequence_[partition]++;
    const std::string relative = partition + '.' + UniquePart(id_, partition, sequence) + ".lzma";
    const size_t slash = relative.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string() : relative.substr(0, slash);
    const std::string name = relative.substr(slash + 1);
    if (*status = MakeDirectories(options_.out_dir, dir); !status->ok()) return files_.end();
    const std::string dir_path = options_.out_dir + (dir.empty() ? "" : "/" + dir);
    auto [it, inserted] = files_.try_emplace(partition);
    File& file = it->second;
    file.relative_path = relative;
    file.temp_path = dir_path + "/." + name + ".tmp";
    file.fd = ::open(file.temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (file.fd < 0) {
      *status = Status::IoError(file.temp_path, errno);
      files_.erase(it);
      return files_.end();
    }
    file_lru_.push_front(partition);
    file.lru = file_lru_.begin();
    return it;
  }

  // Hands `file` an encoder with a stream open into it: an idle one, a new one
  // while there are fewer than --max-open, else the least recently used one,
  // whose stream is ended first.
  Status Attach(File& file) {
    Encoder* encoder = nullptr;
    if (encoders_.size() < options_.max_open && (encoders_.empty() || encoders_.back()->file)) {
      encoders_.push_front(std::make_unique<Encoder>());
      encoder = encoders_.front().get();
    } else {
      auto last = std::prev(encoders_.end());
      encoder = last->get();
      if (encoder->file) {
        if (Status s = EndStream(*encoder->file); !s.ok()) return s;
      }
      encoders_.splice(encoders_.begin(), encoders_, last);
    }
    if (Status s = encoder->xz.Open(file.fd, options_.level, options_.threads); !s.ok())
      return Status::IoError(file.temp_path + ": " + s.message());
    encoder->file = &file;
    file.encoder = encoder;
    return Status::Ok();
  }

  Status Compress(File& file) {
    if (file.pending.empty()) return Status::Ok();
    if (!file.encoder) {
      if (Status s = Attach(file); !s.ok()) return s;
    } else {
      for (auto it = encoders_.begin(); it != encoders_.end(); ++it) {
        if (it->get() == file.encoder) {
          encoders_.splice(encoders_.begin(), encoders_, it);
          break;
        }
      }
    }
    XzWriter& xz = file.encoder->xz;
    const uint64_t in = xz.bytes_in(), out = xz.bytes_out();
    Status s = xz.Write(file.pending);
    file.bytes += xz.bytes_in() - in;
    file.compressed_bytes += xz.bytes_out() - out;
    file.pending.clear();
    return s.ok() ? s : Status::IoError(file.temp_path + ": " + s.message());
  }

  // Ends the file's xz stream and lets its encoder go, idle, to the back.
  Status EndStream(File& file) {
    Encoder* encoder = file.encoder;
    const uint64_t out = encoder->xz.bytes_out();
    Status s = encoder->xz.Finish();
    file.compressed_bytes += encoder->xz.bytes_out() - out;
    encoder->file = nullptr;
    file.encoder = nullptr;
    for (auto it = encoders_.begin(); it != encoders_.end(); ++it) {
      if (it->get() == encoder) {
        encoders_.splice(encoders_.end(), encoders_, it);
        break;
      }
    }
    return s.ok() ? s : Status::IoError(file.temp_path + ": " + s.message());
  }

  // Completes the file, fsyncs it, renames it to its final name (and fsyncs
  // the directory, so the name survives a crash too).
  Status Finish(Files::iterator it) {
    File& file = it->second;
    const std::string final_path = options_.out_dir + "/" + file.relative_path;
    Status s = Compress(file);
    if (s.ok() && file.encoder) s = EndStream(file);
    if (s.ok() && ::fsync(file.fd) != 0) s = Status::IoError(file.temp_path, errno);
    if (::close(file.fd) != 0 && s.ok()) s = Status::IoError(file.temp_path, errno);
    if (s.ok() && std::rename(file.temp_path.c_str(), final_path.c_str()) != 0) s = Status::IoError(final_path, errno);
    if (s.ok()) s = SyncDirectory(final_path.substr(0, final_path.rfind('/')));
    if (s.ok()) {
      finished_.push_back({file.relative_path, file.records, file.bytes, file.compressed_bytes});
    } else {
      ::unlink(file.temp_path.c_str());
    }
    if (file.encoder) file.encoder->file = nullptr;
    file_lru_.erase(file.lru);
    files_.erase(it);
    return s;
  }

  const PartitionOptions& options_;
  const std::string id_;
  Files files_;
  std::list<std::string> file_lru_;  // partitions of files_, most recently written first
  std::list<std::unique_ptr<Encoder>> encoders_;  // most recently used first, idle ones last
  std::unordered_map<std::string, uint64_t> sequence_;
  std::vector<FinishedFile> finished_;
};

// --- the job ------------------------------------------------------------------------------

// The record columns a schema can name; other names are fields of the payload's info.
const std::map<std::string_view, std::string Dimensions::*> kColumns = {
    {"reason", &Dimensions::reason},
    {"appName", &Dimensions::app_name},
    {"appVersion", &Dimensions::app_version},
    {"appUpdateChannel", &Dimensions::app_update_channel},
    {"appBuildID", &Dimensions::app_build_id},
};
constexpr std::string_view kSubmissionDate = "submission_date";

class Job : public RecordReader::Reporter {
 public:
  Job(const PartitionOptions& options, Diagnostics& diag) : options_(options), diag_(diag), store_(options) {}

  void Run() {
    if (options_.schema.empty()) {
      schema_ = Schema::Default();
    } else if (Status s = Schema::Load(options_.schema, &schema_); !s.ok()) {
      return diag_.Fail("--schema", s);
    }
    for (const SchemaDimension& d : schema_.dimensions()) {
      if (!kColumns.count(d.field_name) && d.field_name != kSubmissionDate) info_fields_.push_back(d.field_name);
    }
    // Another tm-partition may be making it at the same moment: EEXIST is fine.
    struct stat st;
    if (::mkdir(options_.out_dir.c_str(), 0777) != 0 && errno != EEXIST)
      return diag_.Fail(options_.out_dir, Status::IoError("cannot make the store directory", errno));
    if (::stat(options_.out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return diag_.Fail(options_.out_dir, Status::InvalidArgument("not a directory"));
    if (!options_.rejects.empty()) {
      if (Status s = rejects_.Open(options_.rejects); !s.ok()) return diag_.Fail(s);
    }
    progress_ = !options_.quiet && ::isatty(STDERR_FILENO);
    started_ = std::chrono::steady_clock::now();
    for (const std::string& input : options_.inputs) {
      ReadInput(input);
      if (failed_ || Interrupted()) break;
    }
    if (progress_) std::fputs("\r\033[K", stderr);
    // Also when interrupted: every record read so far goes into a complete file.
    if (Status s = store_.FinishAll(); !s.ok()) Fail(s);
    WriteManifest();
    if (rejects_.is_open()) {
      if (Status s = rejects_.Commit(); !s.ok()) Fail(s);
    }
    if (!options_.quiet) Summarize();
  }

  void Malformed(const Position& where, std::string_view line, std::string_view why) override {
    Record record;
    record.payload.assign(line);
    Reject(Reject::kCorruptedData, "line " + std::to_string(where.record) + ": " + std::string(why), record, where);
  }

 private:
  void ReadInput(const std::string& input) {
    Status status;
    auto source = OpenFileSource(input, &status);
    if (!source) return diag_.Fail(input, status);
    RecordReader reader(std::move(source), input, this);
    Record record;
    while (!failed_ && !Interrupted() && reader.Next(&record)) {
      Store(record, reader.position());
      if (progress_ && (records_in_ & 1023) == 0) ShowProgress();
    }
    if (!reader.status().ok() && !Interrupted()) diag_.Fail(input, reader.status());
  }

  void Store(const Record& record, const Position& where) {
    if (record.doc_id.empty() || record.doc_id.find_first_of("\t\n\r") != std::string::npos)
      return Reject(Reject::kInvalidPath, "the document id is empty or holds a tab or line break", record, where);
    std::string version, why;
    if (!ReadPayload(record, &version, &why)) return Reject(Reject::kBadPayload, why, record, where);
    values_.clear();
    size_t info = 0;
    for (const SchemaDimension& d : schema_.dimensions()) {
      if (auto column = kColumns.find(d.field_name); column != kColumns.end()) {
        values_.push_back(record.dimensions.*(column->second));
      } else if (d.field_name == kSubmissionDate) {
        values_.push_back(SubmissionDate(record.time_ms));
      } else {
        values_.push_back(info_values_[info++]);
      }
    }
    const std::string partition = schema_.PartitionPath(values_, version);
    line_.assign(record.doc_id);
    line_ += '\t';
    line_ += record.payload;
    line_ += '\n';
    if (Status s = store_.Write(partition, line_); !s.ok()) return Fail(s);
    ++records_in_;
    bytes_in_ += line_.size();
    if (options_.verbose) ++per_partition_[partition];
  }

  // The payload's version ("ver", else "version") and the info fields the
  // schema names, in one pass over the root's members. The payload is a
  // valid record's: only what is read here is checked.
  bool ReadPayload(const Record& record, std::string* version, std::string* why) {
    info_values_.assign(info_fields_.size(), std::string());
    ondemand::document doc;
    ondemand::object root;
    auto fail = [&](simdjson::error_code error) {
      *why = std::string("payload: ") + simdjson::error_message(error);
      return false;
    };
    size_t capacity = record.payload.capacity();
    if (capacity < record.payload.size() + simdjson::SIMDJSON_PADDING) {
      padded_.assign(record.payload);
      padded_.reserve(record.payload.size() + simdjson::SIMDJSON_PADDING);
      capacity = padded_.capacity();
    }
    const std::string& json = capacity == record.payload.capacity() ? record.payload : padded_;
    if (auto error = parser_.iterate(json.data(), json.size(), capacity).get(doc)) return fail(error);
    if (auto error = doc.get_object().get(root)) return fail(error);
    std::string ver, unified_version;
    for (auto field : root) {
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return fail(error);
      if (key == "ver" || key == "version") {
        int64_t v = 0;
        if (auto error = field.value().get_int64().get(v)) return fail(error);
        (key == "ver" ? ver : unified_version) = std::to_string(v);
      } else if (key == "info" && !info_fields_.empty()) {
        ondemand::object info;
        if (field.value().get_object().get(info)) continue;
        for (auto member : info) {
          std::string_view name;
          if (auto error = member.unescaped_key().get(name)) return fail(error);
          for (size_t i = 0; i < info_fields_.size(); ++i) {
            if (name != info_fields_[i]) continue;
            std::string_view text;
            ondemand::value value;
            if (auto error = member.value().get(value)) return fail(error);
            if (!value.get_string().get(text)) {
              info_values_[i] = text;
            } else if (value.type() == ondemand::json_type::number || value.type() == ondemand::json_type::boolean) {
              info_values_[i] = std::string(value.raw_json_token());
              while (!info_values_[i].empty() && info_values_[i].back() == ' ') info_values_[i].pop_back();
            }
          }
        }
      }
    }
    *version = !ver.empty() ? ver : unified_version;
    if (version->empty()) {
      *why = "payload: neither \"ver\" nor \"version\"";
      return false;
    }
    return true;
  }

  void Reject(Reject reason, const std::string& detail, const Record& record, const Position& where) {
    ++rejected_[static_cast<int>(reason)];
    if (!rejects_.is_open()) {
      if (!options_.quiet)
        diag_.Warn(where.file, "record " + std::to_string(where.record) + ": " + RejectName(reason) + ": " + detail);
      return;
    }
    AppendRejectLine(RejectName(reason), where.file + ": " + detail, record, RejectHasJsonPayload(reason),
                     rejects_.buffer());
    if (Status s = rejects_.Wrote(); !s.ok()) Fail(s);
  }

  void Fail(const Status& s) {
    if (!failed_) diag_.Fail(s);
    failed_ = true;
  }

  void WriteManifest() {
    if (options_.manifest.empty()) return;
    OutputFile manifest;
    Status s = manifest.Open(options_.manifest);
    for (const FinishedFile& f : store_.finished()) {
      if (!s.ok()) break;
      s = manifest.Write(f.path + '\t' + std::to_string(f.records) + '\t' + std::to_string(f.bytes) + '\t' +
                         std::to_string(f.compressed_bytes) + '\n');
    }
    if (s.ok()) s = manifest.Commit();
    if (!s.ok()) Fail(s);
  }

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  void ShowProgress() {
    double seconds = Seconds();
    if (seconds - last_progress_ < 0.5) return;
    last_progress_ = seconds;
    std::fprintf(stderr, "\r\033[K%s: %llu records, %.1f MB, %.1f MB/s", diag_.program().c_str(),
                 static_cast<unsigned long long>(records_in_), bytes_in_ / 1e6, bytes_in_ / 1e6 / seconds);
  }

  void Summarize() {
    uint64_t compressed = 0, rejected = 0;
    for (const FinishedFile& f : store_.finished()) compressed += f.compressed_bytes;
    std::string reasons;
    for (int r = 0; r < kRejectCount; ++r) {
      if (!rejected_[r]) continue;
      rejected += rejected_[r];
      reasons += std::string(reasons.empty() ? " (" : ", ") + RejectName(static_cast<tm_core::Reject>(r)) + ' ' +
                 std::to_string(rejected_[r]);
    }
    if (!reasons.empty()) reasons += ')';
    char text[256];
    std::snprintf(text, sizeof text, "%llu records (%.1f MB) in %.1f s, %zu files (%.1f MB compressed) out, %llu rejected",
                  static_cast<unsigned long long>(records_in_), bytes_in_ / 1e6, Seconds(),
                  store_.finished().size(), compressed / 1e6, static_cast<unsigned long long>(rejected));
    diag_.Note(text + reasons);
    for (const auto& [partition, records] : per_partition_)
      diag_.Note(partition + ": records " + std::to_string(records));
  }

  const PartitionOptions& options_;
  Diagnostics& diag_;
  Schema schema_;
  std::vector<std::string> info_fields_;  // dimensions read from the payload's info
  StoreWriter store_;
  OutputFile rejects_;
  ondemand::parser parser_;
  std::string padded_, line_;
  std::vector<std::string> values_, info_values_;
  bool failed_ = false;
  bool progress_ = false;
  std::chrono::steady_clock::time_point started_;
  double last_progress_ = 0;
  uint64_t records_in_ = 0, bytes_in_ = 0;
  std::array<uint64_t, kRejectCount> rejected_{};
  std::map<std::string, uint64_t> per_partition_;
};

}  // namespace

void AddPartitionOptions(CLI::App& app, PartitionOptions* o) {
  app.add_option("files", o->inputs, "Record streams to read; '-' or none reads standard input");
  app.add_option("--out", o->out_dir, "The store's root directory (made if missing)")->required();
  app.add_option("--schema", o->schema, "The schema (tm-schema(5)); default: the old production schema");
  app.add_option("--level", o->level, "xz compression level, 0-9")->check(CLI::Range(0, 9))->capture_default_str();
  app.add_option("--threads", o->threads, "xz encoder threads per file")->check(CLI::Range(1, 64))->capture_default_str();
  cli::AddSizeOption(app, "--max-size", o->max_size, "Finish a file at this many uncompressed bytes (512MiB)");
  app.add_option("--max-open", o->max_open,
                 "xz streams open at once (each holds the encoder's memory); past it the least recently "
                 "used one is ended, and its file continues with a new stream later")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-files", o->max_files,
                 "Files being written at once; past it the least recently written is finished")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--id", o->id,
                 "Names the files of this unit of work, so that a re-run rewrites them (default: random)");
  app.add_option("--manifest", o->manifest, "List the finished files here: path, records, bytes, compressed bytes");
  app.add_option("--rejects", o->rejects, "Where records that cannot be stored go, each with its reason");
  app.add_flag("-v,--verbose", o->verbose, "Records per partition in the summary");
  app.add_flag("-q,--quiet", o->quiet, "No summary or progress on stderr, and rejected records not listed there");
}

void Partition(const PartitionOptions& options, Diagnostics& diag) { Job(options, diag).Run(); }

}  // namespace tm_core
