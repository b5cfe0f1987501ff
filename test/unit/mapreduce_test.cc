// The pieces of tm-mapreduce: the external sort, key partitioning, input
// selection, the line reader, the output formats and streaming tasks.
#include "tm_core/mapreduce.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "fakes.h"
#include "tm_core/external_sort.h"
#include "tm_core/job_input.h"
#include "tm_core/line_reader.h"
#include "tm_core/streaming_task.h"
#include "tm_core/xz.h"

namespace tm_core {
namespace {

namespace fs = std::filesystem;

struct CollectingSink : LineSink {
  std::vector<std::string> lines;
  Status Line(std::string_view line) override {
    lines.emplace_back(line);
    return Status::Ok();
  }
};

size_t FilesIn(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

// Random "key\tvalue" lines; values number the lines so order is visible.
std::vector<std::string> RandomLines(size_t n, size_t distinct_keys, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::string> lines;
  for (size_t i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(random() % distinct_keys);
    if (i % 7 == 0) key += "\xc3\xa9";  // bytes above 0x7f sort after ASCII (LC_ALL=C)
    lines.push_back(key + "\t" + std::to_string(i));
  }
  return lines;
}

// What the sorter must give: sorted by key bytes, one key's lines in the order added.
std::vector<std::string> Expected(std::vector<std::string> lines) {
  std::stable_sort(lines.begin(), lines.end(),
                   [](const std::string& a, const std::string& b) { return KeyOf(a) < KeyOf(b); });
  return lines;
}

TEST_CASE("External sort with a tiny budget spills, merges to the exact order and removes its runs",
          "[mapreduce]") {
  test::TempDir dir;
  const size_t n = GENERATE(0, 1, 100, 30000);
  CAPTURE(n);
  const auto lines = RandomLines(n, n / 3 + 1, 11);
  CollectingSink out;
  uint64_t spills = 0;
  {
    ExternalSorter sorter(dir.path(), "t", ExternalSorter::kMinMemory);
    for (const std::string& line : lines) REQUIRE(sorter.Add(line).ok());
    REQUIRE(sorter.Finish(&out).ok());
    spills = sorter.spills();
    CHECK(sorter.lines_added() == n);
    CHECK(FilesIn(dir.path()) == 0);
  }
  CHECK(out.lines == Expected(lines));
  if (n == 30000) CHECK(spills > ExternalSorter::kFanIn);  // more than one merge level
  if (n <= 1) CHECK(spills == 0);
  if (n == 100) CHECK(spills >= 1);  // 4 KiB index room for 64 lines
}

TEST_CASE("External sort within its budget stays in memory", "[mapreduce]") {
  test::TempDir dir;
  const auto lines = RandomLines(1000, 50, 3);
  ExternalSorter sorter(dir.path(), "t", 1 << 20);
  for (const std::string& line : lines) REQUIRE(sorter.Add(line).ok());
  CHECK(FilesIn(dir.path()) == 0);
  CollectingSink out;
  REQUIRE(sorter.Finish(&out).ok());
  CHECK(sorter.spills() == 0);
  CHECK(out.lines == Expected(lines));
}

TEST_CASE("External sort keeps a line longer than its buffer", "[mapreduce]") {
  test::TempDir dir;
  ExternalSorter sorter(dir.path(), "t", ExternalSorter::kMinMemory);
  const std::string big = "m\t" + std::string(20000, 'x');
  REQUIRE(sorter.Add("z\t1").ok());
  REQUIRE(sorter.Add(big).ok());
  REQUIRE(sorter.Add("a\t2").ok());
  CollectingSink out;
  REQUIRE(sorter.Finish(&out).ok());
  CHECK(out.lines == std::vector<std::string>{"a\t2", big, "z\t1"});
}

TEST_CASE("External sort removes its runs when destroyed unfinished", "[mapreduce]") {
  test::TempDir dir;
  {
    ExternalSorter sorter(dir.path(), "t", ExternalSorter::kMinMemory);
    for (const std::string& line : RandomLines(5000, 100, 5)) REQUIRE(sorter.Add(line).ok());
    CHECK(FilesIn(dir.path()) > 0);
  }
  CHECK(FilesIn(dir.path()) == 0);
}

// A combiner in-process: sums the values of each key of a sorted run.
class SumCombiner : public Task {
 public:
  SumCombiner(LineSink* out, int* runs) : out_(out) { ++*runs; }
  Status Feed(std::string_view line) override {
    std::string key(KeyOf(line));
    if (!key_.empty() && key != key_) {
      if (Status s = Flush(); !s.ok()) return s;
    }
    key_ = key;
    sum_ += std::stoll(std::string(line.substr(key.size() + 1)));
    return Status::Ok();
  }
  Status Finish() override { return key_.empty() ? Status::Ok() : Flush(); }

 private:
  Status Flush() {
    Status s = out_->Line(key_ + "\t" + std::to_string(sum_));
    sum_ = 0;
    return s;
  }
  LineSink* out_;
  std::string key_;
  long long sum_ = 0;
};

TEST_CASE("External sort runs the combiner over every run, and the sums stay exact",
          "[mapreduce]") {
  test::TempDir dir;
  int runs = 0;
  ExternalSorter sorter(dir.path(), "t", ExternalSorter::kMinMemory,
                        [&runs](LineSink* out, std::unique_ptr<Task>* task) {
                          *task = std::make_unique<SumCombiner>(out, &runs);
                          return Status::Ok();
                        });
  std::map<std::string, long long> expected;
  std::mt19937 random(9);
  for (int i = 0; i < 20000; ++i) {
    std::string key = "k" + std::to_string(random() % 40);
    REQUIRE(sorter.Add(key + "\t1").ok());
    ++expected[key];
  }
  CollectingSink out;
  REQUIRE(sorter.Finish(&out).ok());
  CHECK(runs > 1);
  std::map<std::string, long long> got;
  std::string previous;
  for (const std::string& line : out.lines) {
    std::string key(KeyOf(line));
    CHECK(previous <= key);
    previous = key;
    got[key] += std::stoll(line.substr(key.size() + 1));
  }
  CHECK(got == expected);
  CHECK(out.lines.size() < 20000);  // the combiner did combine
  CHECK(FilesIn(dir.path()) == 0);
}

TEST_CASE("Keys are partitioned by a stable hash, spread over the reducers", "[mapreduce]") {
  CHECK(KeyHash("") == 0xcbf29ce484222325ull);   // FNV-1a offset basis
  CHECK(KeyHash("a") == 0xaf63dc4c8601ec8cull);  // FNV-1a 64 test vector
  CHECK(PartitionOf("Linux", 1) == 0);
  std::vector<int> counts(4);
  for (int i = 0; i < 4000; ++i) {
    const uint32_t p = PartitionOf("key" + std::to_string(i), 4);
    REQUIRE(p < 4);
    ++counts[p];
    CHECK(PartitionOf("key" + std::to_string(i), 4) == p);
  }
  for (int c : counts) CHECK(c > 800);
}

void Touch(const std::string& path, const std::string& content = "") {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

Schema Filter(const std::string& json) {
  Schema schema;
  REQUIRE(Schema::Parse(json, &schema).ok());
  return schema;
}

TEST_CASE("Inputs are selected by their paths, with dimensions from the path", "[mapreduce]") {
  test::TempDir dir;
  const std::string root = dir.path() + "/store";
  Touch(root + "/saved_session/Firefox/20140301.20140308.v2.log.aa.lzma", "xx");
  Touch(root + "/saved_session/Fennec/20140301.20140308.v2.log.bb.lzma");
  Touch(root + "/idle_daily/Firefox/20130601.20140309.v2.log.cc.lzma");
  Touch(root + "/saved_session/Firefox/20130501.20140308.v2.log.dd.lzma");  // build out of range
  Touch(root + "/saved_session/Firefox/.20140301.20140308.v2.log.ee.lzma.tmp");  // being written
  Touch(root + "/.hidden/Firefox/20140301.20140308.v2.log.ff.lzma");
  const Schema filter = Filter(R"({"dimensions": [
      {"field_name": "reason", "allowed_values": ["saved-session", "idle-daily"]},
      {"field_name": "appName", "allowed_values": "*"},
      {"field_name": "appBuildID", "allowed_values": {"min": "20130600"}},
      {"field_name": "submission_date", "allowed_values": "*"}]})");
  std::vector<InputFile> inputs;
  REQUIRE(SelectInputs(root, filter, &inputs).ok());
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].relative == "idle_daily/Firefox/20130601.20140309.v2.log.cc.lzma");
  CHECK(inputs[0].dimensions ==
        std::vector<std::string>{"idle_daily", "Firefox", "20130601", "20140309"});
  CHECK(inputs[0].path == root + "/" + inputs[0].relative);
  CHECK(inputs[1].relative == "saved_session/Fennec/20140301.20140308.v2.log.bb.lzma");
  CHECK(inputs[2].relative == "saved_session/Firefox/20140301.20140308.v2.log.aa.lzma");
  CHECK(inputs[2].size == 2);

  const Schema only_fennec = Filter(R"({"dimensions": [
      {"field_name": "reason", "allowed_values": "*"},
      {"field_name": "appName", "allowed_values": ["Fennec"]},
      {"field_name": "appBuildID", "allowed_values": "*"},
      {"field_name": "submission_date", "allowed_values": {"max": "20140308"}}]})");
  inputs.clear();
  REQUIRE(SelectInputs(root, only_fennec, &inputs).ok());
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].dimensions[1] == "Fennec");
}

TEST_CASE("A filter with another number of dimensions than the paths is an error", "[mapreduce]") {
  test::TempDir dir;
  Touch(dir.path() + "/saved_session/Firefox/20140301.20140308.v2.log.aa.lzma");
  std::vector<InputFile> inputs;
  Status s = SelectInputs(dir.path(), Schema::Default(), &inputs);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() ==
        "the filter has 6 dimensions, which do not fit the store's paths "
        "(saved_session/Firefox/20140301.20140308.v2.log.aa.lzma)");
  // An empty store is an empty selection, not an error.
  test::TempDir empty;
  CHECK(SelectInputs(empty.path(), Schema::Default(), &inputs).ok());
  CHECK(inputs.empty());
  CHECK(SelectInputs(empty.path() + "/missing", Schema::Default(), &inputs).code() ==
        Status::Code::kIoError);
}

TEST_CASE("The line reader splits anywhere, keeps a last line without newline, cuts long lines",
          "[line_reader]") {
  const size_t chunk = GENERATE(1, 3, 4096);
  CAPTURE(chunk);
  LineReader reader(test::StringSource::New("a\tb\n\n" + std::string(50, 'x') + "\nlast", chunk),
                    chunk, 20);
  std::vector<std::string> got;
  std::vector<uint64_t> numbers, offsets;
  std::string_view line;
  while (reader.Next(&line)) {
    got.emplace_back(std::string(line) + (reader.too_long() ? " (cut)" : ""));
    numbers.push_back(reader.line_number());
    offsets.push_back(reader.line_offset());
  }
  CHECK(reader.status().ok());
  CHECK(got == std::vector<std::string>{"a\tb", "", std::string(20, 'x') + " (cut)", "last"});
  CHECK(numbers == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(offsets == std::vector<uint64_t>{0, 4, 5, 56});
}

TEST_CASE("The line reader skips the rest of a long line it could not hold", "[line_reader]") {
  const size_t chunk = GENERATE(1, 7, 4096);
  CAPTURE(chunk);
  LineReader reader(test::StringSource::New(std::string(5000, 'y') + "\nnext\n", chunk), chunk, 10);
  std::string_view line;
  REQUIRE(reader.Next(&line));
  CHECK(reader.too_long());
  CHECK(line == std::string(10, 'y'));
  REQUIRE(reader.Next(&line));
  CHECK_FALSE(reader.too_long());
  CHECK(line == "next");
  CHECK_FALSE(reader.Next(&line));
}

TEST_CASE("A damaged xz store file reads as a Corruption after its good lines", "[mapreduce]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/f.lzma";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  REQUIRE(fd >= 0);
  {
    XzWriter xz;
    REQUIRE(xz.Open(fd, 0, 1).ok());
    std::string text;
    for (int i = 0; i < 1000; ++i)
      text += "u" + std::to_string(i) + "\t{\"n\":" + std::to_string(i) + "}\n";
    REQUIRE(xz.Write(text).ok());
    REQUIRE(xz.Finish().ok());
  }
  ::close(fd);
  std::string bytes = test::ReadFile(path);
  fs::resize_file(path, bytes.size() - 40);  // cut the end of the stream
  Status status;
  auto source = OpenStoreFile(path, &status);
  REQUIRE(source);
  LineReader reader(std::move(source), 256, 1 << 20);
  uint64_t lines = 0;
  std::string_view line;
  while (reader.Next(&line)) ++lines;
  CHECK_FALSE(reader.status().ok());
  CHECK(lines < 1000);
}

TEST_CASE("Output lines in TSV, CSV (RFC 4180 quoting) and JSON", "[mapreduce]") {
  std::string out;
  CHECK(AppendOutputLine("tsv", "k\tv\tw", &out));
  CHECK(AppendOutputLine("csv", "a,b\tsay \"hi\"", &out));
  CHECK(AppendOutputLine("csv", "plain\t1", &out));
  CHECK(AppendOutputLine("json", "k\"\t{\"x\":1}", &out));
  CHECK(AppendOutputLine("json", "nokey", &out));
  CHECK_FALSE(AppendOutputLine("xml", "k\tv", &out));
  CHECK(out ==
        "k\tv\tw\n"
        "\"a,b\",\"say \"\"hi\"\"\"\n"
        "plain,1\n"
        "{\"key\":\"k\\\"\",\"value\":\"{\\\"x\\\":1}\"}\n"
        "{\"key\":\"nokey\",\"value\":\"\"}\n");
}

TEST_CASE("A process task streams much more than a pipe holds both ways without deadlock",
          "[mapreduce]") {
  BlockSigpipeInThisThread();
  CollectingSink out;
  std::unique_ptr<Task> task;
  REQUIRE(StartProcessTask("mapper", "sed 's/^/x/'", &out, &task).ok());
  for (int i = 0; i < 200000; ++i) REQUIRE(task->Feed("line " + std::to_string(i)).ok());
  REQUIRE(task->Finish().ok());
  REQUIRE(out.lines.size() == 200000);
  CHECK(out.lines.front() == "xline 0");
  CHECK(out.lines.back() == "xline 199999");
}

TEST_CASE("A process task fails when its command fails or stops reading", "[mapreduce]") {
  BlockSigpipeInThisThread();
  CollectingSink out;
  std::unique_ptr<Task> task;
  REQUIRE(StartProcessTask("reducer", "cat > /dev/null; echo partial; exit 3", &out, &task).ok());
  REQUIRE(task->Feed("a").ok());
  Status s = task->Finish();
  CHECK(s.message() == "reducer 'cat > /dev/null; echo partial; exit 3': exited with status 3");
  CHECK(out.lines == std::vector<std::string>{"partial"});

  REQUIRE(StartProcessTask("mapper", "head -1", &out, &task).ok());
  Status fed;
  for (int i = 0; i < 100000 && fed.ok(); ++i) fed = task->Feed(std::string(100, 'y'));
  s = fed.ok() ? task->Finish() : fed;
  CHECK(s.message() == "mapper 'head -1': exited before reading all its input");
}

}  // namespace
}  // namespace tm_core

namespace tm_core {
namespace {

// The seam for compiled jobs: RunJob with tasks that are not processes.
class InProcessJob : public Job {
 public:
  // Mapper: "dim1<TAB>1" per record (the first path value: the reason).
  class Mapper : public Task {
   public:
    explicit Mapper(LineSink* out) : out_(out) {}
    Status Feed(std::string_view line) override {
      std::string_view rest = line.substr(line.find('\t') + 1);
      return out_->Line(std::string(rest.substr(0, rest.find('\t'))) + "\t1");
    }
    Status Finish() override { return Status::Ok(); }

   private:
    LineSink* out_;
  };

  bool has_combiner() const override { return true; }
  bool has_reducer() const override { return true; }
  Status NewMapper(LineSink* out, std::unique_ptr<Task>* task) override {
    *task = std::make_unique<Mapper>(out);
    return Status::Ok();
  }
  Status NewCombiner(LineSink* out, std::unique_ptr<Task>* task) override {
    *task = std::make_unique<SumCombiner>(out, &combiner_runs);
    return Status::Ok();
  }
  Status NewReducer(LineSink* out, std::unique_ptr<Task>* task) override {
    *task = std::make_unique<SumCombiner>(out, &reducer_runs);
    return Status::Ok();
  }
  int combiner_runs = 0, reducer_runs = 0;  // written under the engine's locks / one reducer
};

TEST_CASE("RunJob runs in-process tasks over a store: the seam for compiled jobs", "[mapreduce]") {
  test::TempDir dir;
  const std::string store = dir.path() + "/store";
  std::string a, b;
  for (int i = 0; i < 700; ++i) a += "u" + std::to_string(i) + "\t{}\n";
  for (int i = 0; i < 300; ++i) b += "w" + std::to_string(i) + "\t{}\n";
  Touch(store + "/saved_session/Firefox/nightly/29/20140301.20140308.v2.log.a", a);
  Touch(store + "/idle_daily/Firefox/nightly/29/20140301.20140308.v2.log.b", b);
  MapReduceOptions options;
  options.data_dir = store;
  options.work_dir = dir.path();
  options.num_mappers = 2;
  options.num_reducers = 1;
  options.memory = ExternalSorter::kMinMemory;
  options.output = dir.path() + "/out.tsv";
  options.quiet = true;
  std::FILE* messages = std::tmpfile();
  Diagnostics diag("tm-mapreduce", messages);
  InProcessJob job;
  RunJob(options, job, diag);
  CHECK(diag.exit_code() == 0);
  CHECK(test::ReadFile(options.output) == "idle_daily\t300\nsaved_session\t700\n");
  CHECK(job.combiner_runs > 1);
  CHECK(job.reducer_runs == 1);
  CHECK(FilesIn(dir.path()) == 2);  // store/ and out.tsv: the work directory is gone
  std::fclose(messages);
}

}  // namespace
}  // namespace tm_core
