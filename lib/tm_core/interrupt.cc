#include "tm_core/interrupt.h"

#include <signal.h>

#include <initializer_list>

namespace tm_core {
namespace {

volatile sig_atomic_t caught = 0;

void OnSignal(int signal) { caught = signal; }

}  // namespace

void CatchInterrupts() {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal, &action, nullptr);
}

bool Interrupted() { return caught != 0; }

void DieIfInterrupted() {
  if (!caught) return;
  int signal = caught;
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

}  // namespace tm_core
