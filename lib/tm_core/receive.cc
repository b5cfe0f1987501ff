#include "tm_core/receive.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <strings.h>
#include <thread>
#include <vector>

#include "tm_core/raw_log.h"
#include "tm_core/receive_metrics.h"
#include "tm_core/stats_log.h"
#include "tm_core/text.h"

namespace tm_core {
namespace {

constexpr std::string_view kSubmitPrefix = "/submit/telemetry/";

uint64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One request, from its headers to its answer (MHD's per-connection "con_cls").
struct Request {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string url;
  Outcome outcome = Outcome::kAborted;
  unsigned status = 0;
  bool answered = false;
  // A submission being received: the whole raw-log record is built here, its
  // header filled in once the body is complete.
  bool receiving = false;
  bool too_large = false;  // a chunked body went past the limit
  uint64_t time_ms = 0;
  size_t header_size = 0;
  size_t body_offset = 0;
  std::string record;
  // Group commit: the complete record waits in its thread's batch (`queued`)
  // until the batch is written (`written`, `write_ok`); only then is it answered.
  bool queued = false;
  bool written = false;
  bool write_ok = false;
};

// The records that this server thread has received and not yet written. MHD
// runs each connection in one thread, so the batch needs no lock.
struct PendingBatch {
  std::vector<Request*> requests;
  std::vector<std::string_view> records;  // scratch for AppendBatch
};
thread_local PendingBatch pending;

unsigned ServerThreads(const ReceiveOptions& o) {
  return std::max(1u, o.threads ? o.threads : std::thread::hardware_concurrency());
}

// MHD counts whole seconds and takes 0 for "never": round up, cap at a day.
unsigned ConnectionTimeout(const ReceiveOptions& o) {
  return static_cast<unsigned>(std::ceil(std::clamp(o.connection_timeout, 1.0, 86400.0)));
}

class Receiver {
 public:
  Receiver(const ReceiveOptions& options, Diagnostics& diag)
      : options_(options),
        diag_(diag),
        log_(LogOptions(options), [this](const Status& s) { diag_.Warn({}, s.message()); }) {}

  ~Receiver() {
    Stop();
    for (MHD_Response* r : responses_)
      if (r) MHD_destroy_response(r);
  }

  bool Start();
  void Tick();
  // Stops accepting connections and waits for the requests in flight, up to
  // drain_timeout or until *abort is set.
  void Drain(const std::atomic<bool>& abort);
  void Stop();
  void ReopenStatsLog();
  void Summarize();

 private:
  enum Canned { kOk, kNotFound, kPostOnly, kGetOnly, kLengthRequired, kTooLarge, kPathTooLong,
                kWriteFailed, kCannedCount };

  static RotatingLogOptions LogOptions(const ReceiveOptions& o) {
    RotatingLogOptions lo;
    lo.dir = o.log_dir;
    lo.version = o.include_ip ? RawLogVersion::kV2 : RawLogVersion::kV1;
    lo.max_size = o.max_log_size;
    lo.max_idle = o.max_log_age;
    lo.max_span = o.max_log_span;
    lo.fsync = o.fsync;
    lo.fsync_interval = o.fsync_interval;
    lo.lanes = ServerThreads(o);
    return lo;
  }

  static MHD_Result OnRequest(void* cls, MHD_Connection* conn, const char* url,
                              const char* method, const char* version, const char* upload_data,
                              size_t* upload_data_size, void** con_cls);
  static void OnCompleted(void* cls, MHD_Connection* conn, void** con_cls,
                          MHD_RequestTerminationCode toe);
  static size_t KeepUrlAsSent(void* cls, MHD_Connection* conn, char* s);
  static void OnMhdError(void* cls, const char* fmt, va_list ap);

  MHD_Result Begin(MHD_Connection* conn, Request* req, std::string_view method);
  MHD_Result Finish(Request* req);
  MHD_Result AnswerQueued(MHD_Connection* conn, Request* req);
  void WritePending();
  MHD_Result Answer(MHD_Connection* conn, Request* req, Outcome outcome, Canned canned);
  std::string ClientAddress(MHD_Connection* conn) const;
  void LogRequest(const Request& req);
  void ReportWriteError(const Status& s);

  const ReceiveOptions& options_;
  Diagnostics& diag_;
  RotatingLog log_;
  StatsLog stats_;
  ReceiveMetrics metrics_;
  MHD_Daemon* daemon_ = nullptr;
  MHD_socket quiesced_listener_ = MHD_INVALID_SOCKET;  // closed only after MHD_stop_daemon
  MHD_Response* responses_[kCannedCount] = {};
  unsigned canned_status_[kCannedCount] = {};
  std::atomic<uint64_t> last_write_error_report_ms_{0};
};

MHD_Response* MakeResponse(const char* text, const char* allow = nullptr) {
  MHD_Response* r =
      MHD_create_response_from_buffer(std::strlen(text), const_cast<char*>(text),
                                      MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
  if (allow) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  return r;
}

bool Receiver::Start() {
  metrics_.start_time_ms = NowMs();
  struct stat st;
  if (::stat(options_.log_dir.c_str(), &st) != 0 && ::mkdir(options_.log_dir.c_str(), 0755) != 0) {
    diag_.Fail(options_.log_dir, Status::IoError("cannot create log directory", errno));
    return false;
  }
  if (::access(options_.log_dir.c_str(), W_OK | X_OK) != 0) {
    diag_.Fail(options_.log_dir, Status::IoError("log directory not writable", errno));
    return false;
  }
  if (!options_.stats_log.empty()) {
    Status s = stats_.Open(options_.stats_log);
    if (!s.ok()) {
      diag_.Fail(options_.stats_log, s);
      return false;
    }
  }
  for (const std::string& name : log_.RecoverOrphans())
    diag_.Warn(options_.log_dir, "finished " + name + ", left unfinished by a process that died");

  responses_[kOk] = MakeResponse("OK");
  responses_[kNotFound] = MakeResponse("Not Found");
  responses_[kPostOnly] = MakeResponse("Method Not Allowed", "POST");
  responses_[kGetOnly] = MakeResponse("Method Not Allowed", "GET, HEAD");
  responses_[kLengthRequired] = MakeResponse("Missing content length");
  responses_[kTooLarge] = MakeResponse("Request too large. Server will discard submission.");
  responses_[kPathTooLong] = MakeResponse("Path too long. Server will discard submission.");
  responses_[kWriteFailed] = MakeResponse("Could not store the submission; try again later.");
  MHD_add_response_header(responses_[kWriteFailed], MHD_HTTP_HEADER_RETRY_AFTER, "60");
  canned_status_[kOk] = 200;
  canned_status_[kNotFound] = 404;
  canned_status_[kPostOnly] = canned_status_[kGetOnly] = 405;
  canned_status_[kLengthRequired] = 411;
  canned_status_[kTooLarge] = canned_status_[kPathTooLong] = options_.oversize_status;
  canned_status_[kWriteFailed] = 503;

  sockaddr_storage addr{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | MHD_USE_TURBO;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, options_.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(options_.port);
  } else if (inet_pton(AF_INET6, options_.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(options_.port);
    flags |= MHD_USE_IPv6;
  } else {
    diag_.Fail(Status::InvalidArgument("not an IP address: " + options_.address));
    return false;
  }
  // MHD (0.9.75) zeroes a connection's whole pool for every request and starts
  // each request with a read buffer of half the pool, so the pool is a cost per
  // request: 40 KiB holds a long path plus headers, and reads an 18 KB body with
  // its headers in one recv() (larger bodies take one more per 8 KiB or so).
  size_t memory = std::max<size_t>(40 << 10, options_.max_path_length + (30 << 10));
  // A pool of one is MHD's plain internal thread (it warns if asked for one).
  const unsigned threads = ServerThreads(options_);
  const unsigned pool_size = threads > 1 ? threads : 0;
  daemon_ = MHD_start_daemon(
      flags, options_.port, nullptr, nullptr, &Receiver::OnRequest, this,  //
      MHD_OPTION_EXTERNAL_LOGGER, &Receiver::OnMhdError, this,              //
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),            //
      MHD_OPTION_THREAD_POOL_SIZE, pool_size,                               //
      MHD_OPTION_CONNECTION_LIMIT, options_.max_connections,                //
      MHD_OPTION_CONNECTION_TIMEOUT, ConnectionTimeout(options_),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory,                           //
      MHD_OPTION_CONNECTION_MEMORY_INCREMENT, size_t{8 << 10},              //
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,                                //
      MHD_OPTION_NOTIFY_COMPLETED, &Receiver::OnCompleted, this,            //
      MHD_OPTION_UNESCAPE_CALLBACK, &Receiver::KeepUrlAsSent, nullptr,      //
      MHD_OPTION_END);
  if (!daemon_) {
    diag_.Fail(Status::IoError("cannot listen on " + options_.address + " port " +
                               std::to_string(options_.port), errno ? errno : EADDRINUSE));
    return false;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  std::string host = (flags & MHD_USE_IPv6) ? "[" + options_.address + "]" : options_.address;
  diag_.Note("listening on http://" + host + ":" + std::to_string(info ? info->port : 0) +
             "/, logs in " + options_.log_dir);
  return true;
}

size_t Receiver::KeepUrlAsSent(void*, MHD_Connection*, char* s) {
  // The old server stored the path exactly as the client sent it (percent
  // escapes included), and tm-validate parses it that way.
  return std::strlen(s);
}

void Receiver::OnMhdError(void* cls, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  size_t n = std::strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  static_cast<Receiver*>(cls)->diag_.Warn("http", buf);
}

MHD_Result Receiver::OnRequest(void* cls, MHD_Connection* conn, const char* url,
                               const char* method, const char*, const char* upload_data,
                               size_t* upload_data_size, void** con_cls) {
  auto* self = static_cast<Receiver*>(cls);
  auto* req = static_cast<Request*>(*con_cls);
  if (!req) {
    req = new Request;
    req->url = url;
    *con_cls = req;
    self->metrics_.in_flight++;
    return self->Begin(conn, req, method);
  }
  if (*upload_data_size > 0) {
    if (req->receiving && !req->too_large) {
      size_t body = req->record.size() - req->body_offset;
      if (body + *upload_data_size > std::min<uint64_t>(self->options_.max_body_size, UINT32_MAX)) {
        // A chunked body that outgrew the limit. MHD cannot answer before the
        // upload ends, so the rest is read and thrown away.
        req->too_large = true;
        req->record = std::string();
      } else {
        req->record.append(upload_data, *upload_data_size);
      }
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (req->too_large) return self->Answer(conn, req, Outcome::kTooLarge, kTooLarge);
  if (req->receiving) return self->Finish(req);
  if (req->queued) return self->AnswerQueued(conn, req);
  return MHD_YES;
}

MHD_Result Receiver::Answer(MHD_Connection* conn, Request* req, Outcome outcome, Canned canned) {
  req->outcome = outcome;
  req->status = canned_status_[canned];
  req->answered = true;
  return MHD_queue_response(conn, req->status, responses_[canned]);
}

MHD_Result Receiver::Begin(MHD_Connection* conn, Request* req, std::string_view method) {
  std::string_view url = req->url;
  bool get = method == MHD_HTTP_METHOD_GET || method == MHD_HTTP_METHOD_HEAD;
  if (url == "/status") {
    return get ? Answer(conn, req, Outcome::kStatus, kOk)
               : Answer(conn, req, Outcome::kMethodNotAllowed, kGetOnly);
  }
  if (url == "/metrics") {
    if (!get) return Answer(conn, req, Outcome::kMethodNotAllowed, kGetOnly);
    std::string page = RenderMetrics(metrics_, log_);
    MHD_Response* r = MHD_create_response_from_buffer(page.size(), page.data(),
                                                      MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4");
    req->outcome = Outcome::kMetrics;
    req->status = 200;
    req->answered = true;
    MHD_Result result = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return result;
  }
  if (!url.starts_with(kSubmitPrefix) || url.size() == kSubmitPrefix.size() ||
      url[kSubmitPrefix.size()] == '/')
    return Answer(conn, req, Outcome::kNotFound, kNotFound);
  if (method != MHD_HTTP_METHOD_POST)
    return Answer(conn, req, Outcome::kMethodNotAllowed, kPostOnly);
  std::string_view path = url.substr(kSubmitPrefix.size());
  if (path.size() > options_.max_path_length || path.size() > kMaxRawPathLength)
    return Answer(conn, req, Outcome::kPathTooLong, kPathTooLong);

  const char* length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_LENGTH);
  const char* coding = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_TRANSFER_ENCODING);
  bool chunked = coding && strcasecmp(coding, "chunked") == 0;
  if (!length && !chunked) return Answer(conn, req, Outcome::kLengthRequired, kLengthRequired);
  uint64_t declared = length ? std::strtoull(length, nullptr, 10) : 0;
  if (declared > options_.max_body_size || declared > UINT32_MAX)
    return Answer(conn, req, Outcome::kTooLarge, kTooLarge);

  std::string ip = options_.include_ip ? ClientAddress(conn) : std::string();
  req->receiving = true;
  req->time_ms = NowMs();
  req->header_size = RawHeaderSize(options_.include_ip ? RawLogVersion::kV2 : RawLogVersion::kV1);
  req->record.reserve(req->header_size + ip.size() + path.size() + (chunked ? 4096 : declared));
  req->record.assign(req->header_size, '\0');
  req->record += ip;
  req->record += path;
  req->body_offset = req->record.size();
  return MHD_YES;
}

MHD_Result Receiver::Finish(Request* req) {
  req->receiving = false;
  size_t path_len = req->url.size() - kSubmitPrefix.size();
  size_t ip_len = req->body_offset - req->header_size - path_len;
  EncodeRawHeader(log_.options().version, ip_len, path_len, req->record.size() - req->body_offset,
                  req->time_ms, req->record.data());
  // Group commit. No answer yet: a connection whose request is complete but has
  // no response stays on MHD's ready list, and MHD calls us again for it on its
  // next round of the event loop (with no wait). The first such call writes the
  // whole batch of this thread, every record received since, with one writev;
  // each is answered on its own next call (AnswerQueued). Under load a round
  // completes many requests, so the log sees few large writes; idle, a request
  // waits one extra round (no sleep, no timer).
  req->queued = true;
  pending.requests.push_back(req);
  return MHD_YES;
}

MHD_Result Receiver::AnswerQueued(MHD_Connection* conn, Request* req) {
  if (!req->written) WritePending();
  if (!req->write_ok) {
    req->record = std::string();
    return Answer(conn, req, Outcome::kWriteError, kWriteFailed);
  }
  return Answer(conn, req, Outcome::kStored, kOk);
}

void Receiver::WritePending() {
  pending.records.clear();
  for (Request* req : pending.requests) pending.records.emplace_back(req->record);
  size_t stored = 0;
  Status s = log_.AppendBatch(pending.records, NowMs(), &stored);
  if (!s.ok()) ReportWriteError(s);
  for (size_t i = 0; i < pending.requests.size(); ++i) {
    Request* req = pending.requests[i];
    req->written = true;
    req->write_ok = i < stored;
    if (req->write_ok) {
      // Stored from here on, whether or not the answer gets through.
      req->outcome = Outcome::kStored;
      metrics_.bytes_stored += req->record.size();
    }
  }
  pending.requests.clear();
}

std::string Receiver::ClientAddress(MHD_Connection* conn) const {
  std::string ip;
  if (options_.trust_forwarded) {
    const char* xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (xff) {
      std::string_view first(xff);
      first = first.substr(0, first.find(','));
      size_t b = first.find_first_not_of(" \t");
      size_t e = first.find_last_not_of(" \t");
      if (b != std::string_view::npos) ip = first.substr(b, e - b + 1);
    }
  }
  if (ip.empty()) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = {};
    if (info && info->client_addr) {
      const sockaddr* sa = info->client_addr;
      if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
      else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf,
                  sizeof buf);
    }
    ip = buf;
  }
  // A header is anyone's to write: keep it short and free of control bytes.
  if (ip.size() > kMaxStoredClientIp) ip.resize(kMaxStoredClientIp);
  for (char& c : ip)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return ip;
}

void Receiver::OnCompleted(void* cls, MHD_Connection*, void** con_cls,
                           MHD_RequestTerminationCode toe) {
  auto* self = static_cast<Receiver*>(cls);
  auto* req = static_cast<Request*>(*con_cls);
  if (!req) return;
  *con_cls = nullptr;
  if (req->queued && !req->written) {
    // Gone before its batch was written: it never will be (not stored).
    auto& waiting = pending.requests;
    auto it = std::find(waiting.begin(), waiting.end(), req);
    if (it != waiting.end()) waiting.erase(it);
  }
  if (!req->answered || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
    // A stored record stays stored even if the answer was lost on the way.
    if (req->outcome != Outcome::kStored) req->outcome = Outcome::kAborted;
  }
  self->metrics_.Count(req->outcome);
  self->LogRequest(*req);
  delete req;
  self->metrics_.in_flight--;
}

void Receiver::LogRequest(const Request& req) {
  if (!stats_.is_open()) return;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                        req.start)
                  .count();
  std::string line = "{\"url\":";
  AppendJsonString(req.url, &line);
  char num[64];
  std::snprintf(num, sizeof num, ",\"status\":%u,\"bytes_stored\":%zu,\"duration_ms\":%.3f",
                req.status, req.outcome == Outcome::kStored ? req.record.size() : size_t{0}, ms);
  line += num;
  line += ",\"timestamp\":\"" + FormatTimeMs(NowMs()) + "\",\"outcome\":\"";
  line += OutcomeName(req.outcome);
  line += "\"}";
  stats_.Write(line);
}

void Receiver::ReportWriteError(const Status& s) {
  // Under a full disk every request fails: say so once a second, not per request.
  uint64_t now = NowMs();
  uint64_t last = last_write_error_report_ms_.load();
  if (now >= last + 1000 && last_write_error_report_ms_.compare_exchange_strong(last, now))
    diag_.Warn({}, s.message() + " (answering 503; " + std::to_string(log_.write_errors()) +
                       " failed writes so far)");
}

void Receiver::Tick() {
  log_.Tick(NowMs());
  Status s = stats_.Flush();
  if (!s.ok()) diag_.Warn({}, "stats log: " + s.message());
}

void Receiver::Drain(const std::atomic<bool>& abort) {
  if (!daemon_) return;
  quiesced_listener_ = MHD_quiesce_daemon(daemon_);
  // New connections are refused from here on (the kernel would otherwise keep
  // queueing them), while the ones we have are served to the end.
  if (quiesced_listener_ != MHD_INVALID_SOCKET) ::shutdown(quiesced_listener_, SHUT_RDWR);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(options_.drain_timeout);
  while (metrics_.in_flight.load() > 0 && !abort &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void Receiver::Stop() {
  if (!daemon_) return;
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (quiesced_listener_ != MHD_INVALID_SOCKET) ::close(quiesced_listener_);
  Status s = log_.Finish();
  if (!s.ok()) diag_.Fail(s);
  s = stats_.Close();
  if (!s.ok()) diag_.Fail("stats log", s);
}

void Receiver::ReopenStatsLog() {
  Status s = stats_.Reopen();
  if (!s.ok()) diag_.Warn("stats log", s.message());
}

void Receiver::Summarize() {
  uint64_t stored = metrics_.count(Outcome::kStored);
  diag_.Note("stopped: " + std::to_string(stored) + " submissions stored (" +
             std::to_string(metrics_.bytes_stored.load()) + " bytes), " +
             std::to_string(metrics_.rejected()) + " requests not stored");
}

}  // namespace

void Receive(const ReceiveOptions& options, Diagnostics& diag) {
  // Signals are taken synchronously by this thread with sigtimedwait; blocking
  // them first makes the server threads inherit the mask.
  sigset_t signals, old_mask;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
  ::signal(SIGPIPE, SIG_IGN);

  Receiver receiver(options, diag);
  if (receiver.Start()) {
    double tick = options.fsync == FsyncPolicy::kInterval
                      ? std::clamp(options.fsync_interval, 0.01, 0.25)
                      : 0.25;
    timespec timeout{static_cast<time_t>(tick), static_cast<long>((tick - int(tick)) * 1e9)};
    for (;;) {
      int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGINT || sig == SIGTERM) break;
      if (sig == SIGHUP) receiver.ReopenStatsLog();
      receiver.Tick();
    }
    // A second SIGINT/SIGTERM while draining cuts the wait short.
    std::atomic<bool> drained{false};
    std::atomic<bool> hurry{false};
    std::thread watcher([&] {
      timespec poll{0, 50 * 1000 * 1000};
      while (!drained && !hurry) {
        int sig = sigtimedwait(&signals, nullptr, &poll);
        if (sig == SIGINT || sig == SIGTERM) hurry = true;
      }
    });
    receiver.Drain(hurry);
    drained = true;
    watcher.join();
    receiver.Stop();
    receiver.Summarize();
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

}  // namespace tm_core
