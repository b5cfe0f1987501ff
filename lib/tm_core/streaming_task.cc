#include "tm_core/streaming_task.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tm_core/interrupt.h"

extern char** environ;

namespace tm_core {
namespace {

// Bytes queued for a process before Feed() pushes them: large enough that a
// record costs one syscall per many records, small enough to be nothing
// against the memory budget.
constexpr size_t kQueueSize = 64 << 10;
constexpr size_t kReadChunk = 64 << 10;

class ProcessTask : public Task {
 public:
  ProcessTask(std::string name, LineSink* out) : name_(std::move(name)), out_(out) {}

  ~ProcessTask() override {
    if (in_ >= 0) ::close(in_);
    if (out_fd_ >= 0) ::close(out_fd_);
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      int status;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  Status Start(const std::string& command) {
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0) return Status::IoError(name_ + ": pipe", errno);
    if (::pipe2(from_child, O_CLOEXEC) != 0) {
      int err = errno;
      ::close(to_child[0]);
      ::close(to_child[1]);
      return Status::IoError(name_ + ": pipe", err);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Our worker threads block SIGPIPE; the command must get the usual mask.
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    // A process group of its own, so that killing the task kills what the
    // shell started too (sh -c 'a | b').
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
    int err = ::posix_spawn(&pid_, "/bin/sh", &actions, &attr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_fd_ = from_child[0];
    if (err != 0) {
      pid_ = -1;
      return Status::IoError(name_ + ": cannot start /bin/sh", err);
    }
    ::fcntl(in_, F_SETFL, O_NONBLOCK);
    ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    return Status::Ok();
  }

  Status Feed(std::string_view line) override {
    queue_.append(line);
    queue_ += '\n';
    return queue_.size() - sent_ >= kQueueSize ? Pump(false) : Status::Ok();
  }

  Status Finish() override {
    if (Status s = Pump(true); !s.ok()) return s;
    if (!pending_.empty()) {
      Status s = out_->Line(pending_);
      pending_.clear();
      if (!s.ok()) return s;
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) return Status::IoError(name_ + ": waitpid", errno);
      if (Interrupted()) return Status::IoError(name_ + ": interrupted");
    }
    pid_ = -1;
    if (WIFSIGNALED(status))
      return Status::Internal(name_ + ": killed by signal " + std::to_string(WTERMSIG(status)));
    if (WEXITSTATUS(status) != 0)
      return Status::Internal(name_ + ": exited with status " +
                              std::to_string(WEXITSTATUS(status)));
    if (broken_pipe_) return Status::Internal(name_ + ": exited before reading all its input");
    return Status::Ok();
  }

 private:
  // Writes the queue and reads output until the queue is sent; with
  // `to_end`, then closes the process's input and reads to its EOF.
  Status Pump(bool to_end) {
    for (;;) {
      if (sent_ == queue_.size()) {
        queue_.clear();
        sent_ = 0;
        if (to_end && in_ >= 0) {
          ::close(in_);
          in_ = -1;
        }
        if (!to_end || out_fd_ < 0) return Status::Ok();
      }
      if (Interrupted()) return Status::IoError(name_ + ": interrupted");
      pollfd fds[2];
      int n = 0;
      const bool writing = in_ >= 0 && sent_ < queue_.size();
      if (writing) fds[n++] = {in_, POLLOUT, 0};
      if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
      if (n == 0) return Status::Ok();
      if (::poll(fds, n, 200) < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(name_ + ": poll", errno);
      }
      for (int i = 0; i < n; ++i) {
        if (fds[i].revents == 0) continue;
        if (fds[i].fd == in_) {
          ssize_t w = ::write(in_, queue_.data() + sent_, queue_.size() - sent_);
          if (w > 0) {
            sent_ += static_cast<size_t>(w);
          } else if (w < 0 && errno == EPIPE) {
            // The process stopped reading: it failed, or will fail the task
            // for not reading everything. Its exit status says which.
            broken_pipe_ = true;
            queue_.clear();
            sent_ = 0;
            ::close(in_);
            in_ = -1;
            return Finish();
          } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return Status::IoError(name_ + ": write", errno);
          }
        } else if (Status s = ReadOutput(); !s.ok()) {
          return s;
        }
      }
      if (in_ < 0 && sent_ < queue_.size()) sent_ = queue_.size();
    }
  }

  Status ReadOutput() {
    char buf[kReadChunk];
    ssize_t r = ::read(out_fd_, buf, sizeof buf);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) return Status::Ok();
      return Status::IoError(name_ + ": read", errno);
    }
    if (r == 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      return Status::Ok();
    }
    std::string_view data(buf, static_cast<size_t>(r));
    for (;;) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) break;
      Status s;
      if (pending_.empty()) {
        s = out_->Line(data.substr(0, nl));
      } else {
        pending_.append(data.substr(0, nl));
        s = out_->Line(pending_);
        pending_.clear();
      }
      if (!s.ok()) return s;
      data.remove_prefix(nl + 1);
    }
    pending_.append(data);
    return Status::Ok();
  }

  std::string name_;
  LineSink* out_;
  pid_t pid_ = -1;
  int in_ = -1, out_fd_ = -1;
  std::string queue_;  // input bytes; queue_[sent_..] not yet written
  size_t sent_ = 0;
  std::string pending_;  // the start of an output line whose '\n' has not come
  bool broken_pipe_ = false;
};

class StreamingJob : public Job {
 public:
  StreamingJob(std::string mapper, std::string combiner, std::string reducer)
      : mapper_(std::move(mapper)), combiner_(std::move(combiner)), reducer_(std::move(reducer)) {}
  bool has_combiner() const override { return !combiner_.empty(); }
  bool has_reducer() const override { return !reducer_.empty(); }
  Status NewMapper(LineSink* out, std::unique_ptr<Task>* task) override {
    return StartProcessTask("mapper", mapper_, out, task);
  }
  Status NewCombiner(LineSink* out, std::unique_ptr<Task>* task) override {
    return StartProcessTask("combiner", combiner_, out, task);
  }
  Status NewReducer(LineSink* out, std::unique_ptr<Task>* task) override {
    return StartProcessTask("reducer", reducer_, out, task);
  }

 private:
  std::string mapper_, combiner_, reducer_;
};

}  // namespace

Status StartProcessTask(const std::string& role, const std::string& command, LineSink* out,
                        std::unique_ptr<Task>* task) {
  auto process = std::make_unique<ProcessTask>(role + " '" + command + "'", out);
  if (Status s = process->Start(command); !s.ok()) return s;
  *task = std::move(process);
  return Status::Ok();
}

std::unique_ptr<Job> NewStreamingJob(std::string mapper, std::string combiner,
                                     std::string reducer) {
  return std::make_unique<StreamingJob>(std::move(mapper), std::move(combiner), std::move(reducer));
}

void BlockSigpipeInThisThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace tm_core
