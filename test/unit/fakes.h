// Test doubles for the streaming interfaces: in-memory sources that split
// their input anywhere, and reporters that remember what they were told.
#pragma once

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tm_core/byte_source.h"
#include "tm_core/raw_log.h"

namespace tm_core::test {

// Hands out at most `chunk` bytes per Read(), so readers see every split.
class StringSource : public ByteSource {
 public:
  static std::unique_ptr<ByteSource> New(std::string data, size_t chunk = 4096) {
    return std::make_unique<StringSource>(std::move(data), chunk);
  }
  StringSource(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Status Read(char* buf, size_t n, size_t* got) override {
    *got = std::min({n, chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, *got, buf);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Fails with EIO after handing out `good` bytes.
class FailingSource : public ByteSource {
 public:
  FailingSource(std::string data, size_t good) : data_(std::move(data)), good_(good) {}
  Status Read(char* buf, size_t n, size_t* got) override {
    if (pos_ >= good_) {
      *got = 0;
      return Status::IoError("read error", 5);
    }
    *got = std::min(n, good_ - pos_);
    std::copy_n(data_.data() + pos_, *got, buf);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string data_;
  size_t good_;
  size_t pos_ = 0;
};

// Remembers each skipped run as "file@offset+bytes: why".
struct CollectingReporter : RawLogReader::Reporter {
  std::vector<std::string> skipped;
  uint64_t bytes = 0;
  void Skipped(const Position& where, uint64_t n, std::string_view why) override {
    skipped.push_back(where.file + "@" + std::to_string(where.offset) + "+" + std::to_string(n) +
                      ": " + std::string(why));
    bytes += n;
  }
};

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tm-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The real third-party files of ../shared/testdata, if this checkout has them.
inline std::string SharedTestData(const std::string& relative) {
  const char* root = std::getenv("TM_SHARED_TESTDATA");
  std::filesystem::path base = root ? root : TM_SOURCE_DIR "/../shared/testdata";
  std::filesystem::path p = base / relative;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tm_core::test

// Declares `var` as the path of a file of ../shared/testdata, or skips the
// test visibly (ctest's SKIP_REGULAR_EXPRESSION) when the folder is absent.
#define TM_SHARED_FILE_OR_SKIP(var, relative)              \
  const std::string var = ::tm_core::test::SharedTestData(relative); \
  if (var.empty()) {                                       \
    WARN("SKIPPED: ../shared/testdata is absent");         \
    SUCCEED();                                             \
    return;                                                \
  }

namespace tm_core::test {

}  // namespace tm_core::test

namespace tm_core::test {

// A real HTTP server on 127.0.0.1 (an ephemeral port) inside the test process,
// for code that fetches with libcurl: serves fixed bodies by path, 404 for any
// other path, and can fail the first N requests, delay every answer, redirect,
// and send bodies chunked (no Content-Length). One thread per connection, so a
// delayed answer holds up only its own request.
class HttpServer {
 public:
  HttpServer() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon_ = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0,
        nullptr, nullptr, &HttpServer::OnRequest, this, MHD_OPTION_SOCK_ADDR,
        reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_END);
    if (const MHD_DaemonInfo* info =
            daemon_ ? MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT) : nullptr)
      port_ = info->port;
  }
  ~HttpServer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;  // cuts delays short: MHD_stop_daemon waits for every handler
    }
    wake_.notify_all();
    if (daemon_) MHD_stop_daemon(daemon_);
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  bool ok() const { return daemon_ != nullptr && port_ != 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Serve(const std::string& path, std::string body) {
    std::lock_guard lock(mu_);
    bodies_[path] = std::move(body);
  }
  void Redirect(const std::string& path, std::string location) {
    std::lock_guard lock(mu_);
    redirects_[path] = std::move(location);
  }
  // The next `n` requests, whatever their path, are answered with `status`.
  void FailNext(int n, unsigned status = 500) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
    fail_status_ = status;
  }
  void set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    delay_ = delay;
  }
  void set_chunked(bool chunked) {
    std::lock_guard lock(mu_);
    chunked_ = chunked;
  }

  int requests() const { return requests_; }
  std::vector<std::string> paths() const {
    std::lock_guard lock(mu_);
    return paths_;
  }

 private:
  static MHD_Result OnRequest(void* cls, MHD_Connection* conn, const char* url, const char*,
                              const char*, const char*, size_t*, void**) {
    auto* self = static_cast<HttpServer*>(cls);
    self->requests_++;
    std::unique_lock lock(self->mu_);
    self->paths_.push_back(url);
    const auto delay = self->delay_;
    unsigned status = 200;
    std::string body, location;
    if (self->fail_next_ > 0) {
      self->fail_next_--;
      status = self->fail_status_;
      body = "failing on purpose";
    } else if (auto r = self->redirects_.find(url); r != self->redirects_.end()) {
      status = 302;
      location = r->second;
    } else if (auto b = self->bodies_.find(url); b != self->bodies_.end()) {
      body = b->second;
    } else {
      status = 404;
      body = "no such file";
    }
    const bool chunked = self->chunked_ && status == 200;
    self->wake_.wait_for(lock, delay, [self] { return self->stopping_; });
    lock.unlock();
    MHD_Response* response;
    if (chunked) {
      auto* state = new std::pair<std::string, size_t>(std::move(body), 0);
      response = MHD_create_response_from_callback(
          MHD_SIZE_UNKNOWN, 4096,
          [](void* cls, uint64_t, char* buf, size_t max) -> ssize_t {
            auto* st = static_cast<std::pair<std::string, size_t>*>(cls);
            size_t n = std::min(max, st->first.size() - st->second);
            if (n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
            std::memcpy(buf, st->first.data() + st->second, n);
            st->second += n;
            return static_cast<ssize_t>(n);
          },
          state, [](void* cls) { delete static_cast<std::pair<std::string, size_t>*>(cls); });
    } else {
      response = MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
    }
    if (!location.empty()) MHD_add_response_header(response, MHD_HTTP_HEADER_LOCATION, location.c_str());
    MHD_Result result = MHD_queue_response(conn, status, response);
    MHD_destroy_response(response);
    return result;
  }

  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::string> bodies_, redirects_;
  std::vector<std::string> paths_;
  int fail_next_ = 0;
  unsigned fail_status_ = 500;
  std::chrono::milliseconds delay_{0};
  bool chunked_ = false;
};

}  // namespace tm_core::test
