// What every tool shares on the command line: --version, the wording of usage
// errors, the exit statuses, and closing standard output. A tool's main() fills
// an options struct with CLI11, then hands its body to cli::Main.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "tm_core/diagnostics.h"

namespace tm_core::cli {

inline constexpr int kExitOk = 0;       // the job is done (routed, counted rejects included)
inline constexpr int kExitFailure = 1;  // I/O, network or internal failure
inline constexpr int kExitUsage = 2;    // bad flags or arguments

// The suite's version, as --version prints it.
const char* Version();

// Adds --version and makes usage errors read
//   tm-x: <what is wrong>
//   Try 'tm-x --help' for more information.
void Configure(CLI::App& app);

// Parses argv (usage errors -> 2, --help/--version -> 0), runs `body` with
// SIGINT/SIGTERM/SIGHUP caught (see interrupt.h: the body stops early, and the
// process then dies of the signal), turns an
// escaped exception (a bug, or bad_alloc) into a message, checks that standard
// output was really written, and returns the exit status.
int Main(CLI::App& app, int argc, char** argv, const std::function<void(Diagnostics&)>& body);

// Duration and size options read "300", "300ms", "5m", "1h" and "500M", "200KiB".
CLI::Option* AddDurationOption(CLI::App& app, const std::string& name, double& seconds,
                               const std::string& help);
CLI::Option* AddSizeOption(CLI::App& app, const std::string& name, uint64_t& bytes,
                           const std::string& help);

}  // namespace tm_core::cli
