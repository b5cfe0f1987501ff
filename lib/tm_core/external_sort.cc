#include "tm_core/external_sort.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

#include "tm_core/byte_source.h"
#include "tm_core/interrupt.h"
#include "tm_core/line_reader.h"

namespace tm_core {

uint64_t KeyHash(std::string_view key) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// Lines in one arena plus an index of them; both are reserved once, to the
// budget, so that sorting and growing never allocate beyond it. Sorting is
// std::sort with the arrival order as the tie-break: stable without
// stable_sort's extra buffer.
class ExternalSorter::Buffer {
 public:
  explicit Buffer(uint64_t capacity)
      : text_capacity_(capacity / 4 * 3),
        max_entries_(std::max<size_t>(2, capacity / 4 / sizeof(Entry))) {}

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  bool Fits(size_t bytes) const {
    return text_.size() + bytes <= text_capacity_ && entries_.size() < max_entries_;
  }
  void Add(std::string_view line) {
    if (text_.capacity() < text_capacity_) text_.reserve(text_capacity_);
    if (entries_.capacity() < max_entries_) entries_.reserve(max_entries_);
    entries_.push_back({text_.size(), static_cast<uint32_t>(line.size()),
                        static_cast<uint32_t>(KeyOf(line).size())});
    text_.append(line);
  }
  void Sort() {
    const char* text = text_.data();
    std::sort(entries_.begin(), entries_.end(), [text](const Entry& a, const Entry& b) {
      int c = std::memcmp(text + a.offset, text + b.offset, std::min(a.key_size, b.key_size));
      if (c != 0) return c < 0;
      if (a.key_size != b.key_size) return a.key_size < b.key_size;
      return a.offset < b.offset;
    });
  }
  std::string_view line(size_t i) const {
    return std::string_view(text_.data() + entries_[i].offset, entries_[i].size);
  }
  void Clear() {
    text_.clear();
    entries_.clear();
  }
  // Clear, and gives the memory back (for the merge's read buffers).
  void Release() {
    std::string().swap(text_);
    std::vector<Entry>().swap(entries_);
  }

 private:
  struct Entry {
    uint64_t offset;
    uint32_t size, key_size;
  };
  const size_t text_capacity_, max_entries_;
  std::string text_;
  std::vector<Entry> entries_;
};

// A sorted sequence of lines being merged: a run file or a sorted Buffer.
class ExternalSorter::Cursor {
 public:
  virtual ~Cursor() = default;
  // Moves to the next line; false at the end or on an error (status()).
  virtual bool Next() = 0;
  std::string_view line() const { return line_; }
  virtual Status status() const { return Status::Ok(); }

 protected:
  std::string_view line_;
};

namespace {

class MemoryCursor final : public ExternalSorter::Cursor {
 public:
  explicit MemoryCursor(const ExternalSorter::Buffer* buffer) : buffer_(buffer) {}
  bool Next() override {
    if (next_ == buffer_->size()) return false;
    line_ = buffer_->line(next_++);
    return true;
  }

 private:
  const ExternalSorter::Buffer* buffer_;
  size_t next_ = 0;
};

class FileCursor final : public ExternalSorter::Cursor {
 public:
  FileCursor(std::unique_ptr<ByteSource> source, std::string path, size_t chunk)
      : reader_(std::move(source), chunk), path_(std::move(path)) {}
  bool Next() override { return reader_.Next(&line_); }  // runs end with '\n'
  Status status() const override {
    const Status& s = reader_.status();
    return s.ok() ? s : Status::IoError(path_ + ": " + s.message());
  }

 private:
  LineReader reader_;
  std::string path_;
};

// Writes lines to a new run file.
class RunWriter final : public LineSink {
 public:
  ~RunWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const std::string& path, size_t buffer_size) {
    path_ = path;
    buffer_size_ = buffer_size;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    return fd_ < 0 ? Status::IoError(path, errno) : Status::Ok();
  }
  Status Line(std::string_view line) override {
    buf_.append(line);
    buf_ += '\n';
    return buf_.size() >= buffer_size_ ? Flush() : Status::Ok();
  }
  Status Close() {
    Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = Status::IoError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  Status Flush() {
    const char* p = buf_.data();
    size_t left = buf_.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR && !Interrupted()) continue;
        return Status::IoError(path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    buf_.clear();
    return Status::Ok();
  }
  std::string path_, buf_;
  size_t buffer_size_ = 0;
  int fd_ = -1;
};

// Feeds what a combiner emits into the sorter's second buffer, writing that
// out as a run whenever it is full.
class CombinedSink final : public LineSink {
 public:
  explicit CombinedSink(std::function<Status(std::string_view)> add) : add_(std::move(add)) {}
  Status Line(std::string_view line) override { return add_(line); }

 private:
  std::function<Status(std::string_view)> add_;
};

}  // namespace

ExternalSorter::ExternalSorter(std::string work_dir, std::string name, uint64_t memory,
                               NewTaskFunction new_combiner)
    : work_dir_(std::move(work_dir)),
      name_(std::move(name)),
      memory_(std::max(memory, kMinMemory)),
      new_combiner_(std::move(new_combiner)) {
  added_ = std::make_unique<Buffer>(new_combiner_ ? memory_ / 2 : memory_);
  if (new_combiner_) combined_ = std::make_unique<Buffer>(memory_ / 2);
}

ExternalSorter::~ExternalSorter() {
  for (const std::string& run : runs_) ::unlink(run.c_str());
}

std::string ExternalSorter::NewRunPath() {
  return work_dir_ + "/" + name_ + "." + std::to_string(next_run_++) + ".run";
}

Status ExternalSorter::Add(std::string_view line) {
  ++lines_added_;
  if (!added_->Fits(line.size()) && !added_->empty()) {
    if (Status s = Spill(added_.get()); !s.ok()) return s;
  }
  added_->Add(line);
  // A line larger than the whole buffer: out at once, alone.
  if (!added_->Fits(0)) return Spill(added_.get());
  return Status::Ok();
}

Status ExternalSorter::Spill(Buffer* buffer) {
  if (buffer == added_.get() && new_combiner_) {
    if (Status s = Combine(); !s.ok()) return s;
    buffer = combined_.get();
  }
  if (buffer->empty()) return Status::Ok();
  std::string path;
  if (Status s = WriteRun(buffer, &path); !s.ok()) return s;
  return Status::Ok();
}

Status ExternalSorter::Combine() {
  added_->Sort();
  CombinedSink sink([this](std::string_view line) -> Status {
    if (!combined_->Fits(line.size()) && !combined_->empty()) {
      std::string path;
      if (Status s = WriteRun(combined_.get(), &path); !s.ok()) return s;
    }
    combined_->Add(line);
    if (!combined_->Fits(0)) {
      std::string path;
      return WriteRun(combined_.get(), &path);
    }
    return Status::Ok();
  });
  std::unique_ptr<Task> task;
  if (Status s = new_combiner_(&sink, &task); !s.ok()) return s;
  for (size_t i = 0; i < added_->size(); ++i) {
    if (Status s = task->Feed(added_->line(i)); !s.ok()) return s;
  }
  Status s = task->Finish();
  added_->Clear();
  return s;
}

Status ExternalSorter::WriteRun(Buffer* buffer, std::string* path) {
  buffer->Sort();
  *path = NewRunPath();
  runs_.push_back(*path);
  ++spills_;
  RunWriter writer;
  Status s = writer.Open(*path, std::min<uint64_t>(64 << 10, memory_ / 8));
  for (size_t i = 0; s.ok() && i < buffer->size(); ++i) s = writer.Line(buffer->line(i));
  if (Status c = writer.Close(); s.ok()) s = c;
  buffer->Clear();
  return s;
}

Status ExternalSorter::Finish(LineSink* out) {
  if (new_combiner_ && !added_->empty()) {
    if (Status s = Combine(); !s.ok()) return s;
  }
  Buffer* last = new_combiner_ ? combined_.get() : added_.get();
  std::vector<std::unique_ptr<Cursor>> cursors;
  if (runs_.empty()) {
    last->Sort();
    cursors.push_back(std::make_unique<MemoryCursor>(last));
    return Merge(std::move(cursors), out);
  }
  // Runs on disk: the rest goes out too, so that the budget is all for the
  // merge's read buffers.
  if (!last->empty()) {
    std::string path;
    if (Status s = WriteRun(last, &path); !s.ok()) return s;
  }
  added_->Release();
  if (combined_) combined_->Release();
  const size_t chunk =
      static_cast<size_t>(std::clamp<uint64_t>(memory_ / (kFanIn + 1), 1024, 1 << 20));
  auto open = [&](const std::string& path, std::vector<std::unique_ptr<Cursor>>* into) {
    Status status;
    auto source = OpenFileSource(path, &status);
    if (!source) return Status::IoError(path + ": " + status.message());
    into->push_back(std::make_unique<FileCursor>(std::move(source), path, chunk));
    return Status::Ok();
  };
  // More runs than kFanIn: merge consecutive groups into longer runs (which
  // keeps lines of one key in arrival order), until kFanIn are left.
  while (runs_.size() > kFanIn) {
    std::vector<std::string> level = std::move(runs_);
    runs_.clear();
    for (size_t begin = 0; begin < level.size(); begin += kFanIn) {
      const size_t end = std::min(level.size(), begin + kFanIn);
      std::vector<std::unique_ptr<Cursor>> group;
      Status s;
      for (size_t i = begin; s.ok() && i < end; ++i) s = open(level[i], &group);
      RunWriter writer;
      const std::string path = NewRunPath();
      runs_.push_back(path);
      ++spills_;
      if (s.ok()) s = writer.Open(path, chunk);
      if (s.ok()) s = Merge(std::move(group), &writer);
      if (Status c = writer.Close(); s.ok()) s = c;
      for (size_t i = begin; i < end; ++i) ::unlink(level[i].c_str());
      if (!s.ok()) {
        for (size_t i = end; i < level.size(); ++i) runs_.push_back(level[i]);  // the destructor's
        return s;
      }
    }
  }
  for (const std::string& run : runs_) {
    if (Status s = open(run, &cursors); !s.ok()) return s;
  }
  Status s = Merge(std::move(cursors), out);
  for (const std::string& run : runs_) ::unlink(run.c_str());
  runs_.clear();
  return s;
}

Status ExternalSorter::Merge(std::vector<std::unique_ptr<Cursor>> cursors, LineSink* out) {
  // A heap of cursor indices: smallest key first, then the earlier cursor.
  auto after = [&cursors](size_t a, size_t b) {
    int c = KeyOf(cursors[a]->line()).compare(KeyOf(cursors[b]->line()));
    return c != 0 ? c > 0 : a > b;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(after)> heap(after);
  for (size_t i = 0; i < cursors.size(); ++i) {
    if (cursors[i]->Next()) {
      heap.push(i);
    } else if (Status s = cursors[i]->status(); !s.ok()) {
      return s;
    }
  }
  uint64_t n = 0;
  while (!heap.empty()) {
    size_t i = heap.top();
    heap.pop();
    if (Status s = out->Line(cursors[i]->line()); !s.ok()) return s;
    if (cursors[i]->Next()) {
      heap.push(i);
    } else if (Status s = cursors[i]->status(); !s.ok()) {
      return s;
    }
    if ((++n & 4095) == 0 && Interrupted()) return Status::IoError("interrupted");
  }
  return Status::Ok();
}

}  // namespace tm_core
