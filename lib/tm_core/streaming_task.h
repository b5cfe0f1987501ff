// Streaming jobs, in the style of Hadoop Streaming: each task is a process
// running `/bin/sh -c CMD`, fed lines on its standard input, whose standard
// output lines are the task's output. Its standard error is ours, so its
// messages reach the user as they are.
//
// One thread drives a process: Feed() queues bytes and, when enough are
// queued, polls both pipes, writing input and reading output in turn, so
// neither side can block the other (no deadlock whatever the command does).
// SIGINT/SIGTERM (interrupt.h) end the wait with an IoError; a task
// destroyed before it finished sends SIGTERM to its process and reaps it.
//
// A process that exits before reading all its input fails the task (the
// write would get EPIPE): the caller must block SIGPIPE in the thread that
// drives tasks (BlockSigpipeInThisThread), else the signal kills us.
#pragma once

#include <memory>
#include <string>

#include "tm_core/mapreduce_task.h"

namespace tm_core {

// Starts `/bin/sh -c command`; `role` ("mapper", ...) names it in messages:
// "mapper 'CMD': exited with status 3".
Status StartProcessTask(const std::string& role, const std::string& command, LineSink* out,
                        std::unique_ptr<Task>* task);

// A Job whose tasks are processes; an empty command means the job has no
// task of that role (the mapper is required).
std::unique_ptr<Job> NewStreamingJob(std::string mapper, std::string combiner, std::string reducer);

// Blocks SIGPIPE in the calling thread, so that writing to a process that is
// gone fails with EPIPE instead of killing us. For worker threads only.
void BlockSigpipeInThisThread();

}  // namespace tm_core
