// Interrupts of batch tools: SIGINT, SIGTERM and SIGHUP only raise a flag. The
// tool's loop sees it between records, stops, removes its partial output
// (outputs are written under a temporary name until committed), and then dies
// of the same signal, so that a shell or cron sees what happened.
#pragma once

namespace tm_core {

// Installs the handlers; call once, before the work starts.
void CatchInterrupts();

// Whether a signal has arrived since CatchInterrupts().
bool Interrupted();

// If a signal arrived: restores its default action and raises it again. Call
// after the partial output is gone. Returns if none arrived.
void DieIfInterrupted();

}  // namespace tm_core
