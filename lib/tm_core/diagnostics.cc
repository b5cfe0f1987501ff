#include "tm_core/diagnostics.h"

#include "tm_core/cli.h"

namespace tm_core {

Diagnostics::Diagnostics(std::string program, std::FILE* out)
    : program_(std::move(program)), out_(out) {}

void Diagnostics::Fail(std::string_view where, const Status& status) {
  failed_ = true;
  Print(where, status.message());
}

void Diagnostics::Warn(std::string_view where, std::string_view what) { Print(where, what); }

void Diagnostics::Note(std::string_view what) { Print({}, what); }

int Diagnostics::exit_code() const { return failed_ ? cli::kExitFailure : cli::kExitOk; }

void Diagnostics::Print(std::string_view where, std::string_view what) {
  std::string line = program_ + ": ";
  if (!where.empty()) {
    line += where == "-" ? "(stdin)" : where;
    line += ": ";
  }
  line += what;
  line += '\n';
  std::lock_guard lock(mu_);
  std::fflush(stdout);  // keep our message after any output it explains
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace tm_core
