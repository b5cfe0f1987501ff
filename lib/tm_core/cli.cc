#include "tm_core/cli.h"

#include "tm_core/interrupt.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <exception>

namespace tm_core::cli {

#ifndef TM_VERSION
#define TM_VERSION "unknown"
#endif

const char* Version() { return TM_VERSION; }

void Configure(CLI::App& app) {
  app.set_version_flag("--version", app.get_name() + " (tm) " + Version(),
                       "Print the version and exit");
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string what = e.what();
    // CLI11 capitalises its sentences; our messages are lowercase (GNU style).
    if (what.size() > 1 && std::isupper(static_cast<unsigned char>(what[0])) &&
        std::islower(static_cast<unsigned char>(what[1])))
      what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    return a->get_name() + ": " + what + "\nTry '" + a->get_name() +
           " --help' for more information.\n";
  });
}

int Main(CLI::App& app, int argc, char** argv, const std::function<void(Diagnostics&)>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 would exit 100+ on usage errors; ours say 2.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  Diagnostics diag(app.get_name());
  CatchInterrupts();
  try {
    body(diag);
  } catch (const std::exception& e) {
    diag.Fail(Status::Internal(std::string("internal error: ") + e.what()));
  }
  // The body has stopped and removed its partial output: die of the signal.
  DieIfInterrupted();
  // A full disk or a closed pipe may only show when stdout is flushed and closed.
  if (std::fclose(stdout) != 0 && errno != EBADF) {
    diag.Fail("standard output", Status::IoError("", errno));
  }
  return diag.exit_code();
}

namespace {

// Parses "<number>[unit]" where unit is a key of `units` (the empty unit too).
template <typename Units>
bool ParseWithUnit(const std::string& text, const Units& units, double& out) {
  // Plain decimal numbers only: stod would also take "inf", "1e3" and "0x10".
  size_t digits = text.find_first_not_of("0123456789.");
  if (digits == 0) return false;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  if (used != (digits == std::string::npos ? text.size() : digits)) return false;
  std::string unit = text.substr(used);
  for (const auto& [name, factor] : units) {
    if (unit == name && value >= 0) {
      out = value * factor;
      return true;
    }
  }
  return false;
}

}  // namespace

CLI::Option* AddDurationOption(CLI::App& app, const std::string& name, double& seconds,
                               const std::string& help) {
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1}, {"s", 1}, {"ms", 0.001}, {"m", 60}, {"min", 60}, {"h", 3600}};
  return app
      .add_option_function<std::string>(
          name,
          [&seconds, name](const std::string& text) {
            if (!ParseWithUnit(text, kUnits, seconds))
              throw CLI::ValidationError(name, "not a duration: '" + text +
                                                   "' (use e.g. 30, 500ms, 5m, 1h)");
          },
          help)
      ->type_name("DURATION");
}

CLI::Option* AddSizeOption(CLI::App& app, const std::string& name, uint64_t& bytes,
                           const std::string& help) {
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},       {"B", 1},          {"K", 1024},      {"KiB", 1024},
      {"k", 1024},   {"M", 1 << 20},    {"MiB", 1 << 20}, {"G", 1 << 30},
      {"GiB", 1 << 30}, {"KB", 1000},   {"MB", 1e6},      {"GB", 1e9}};
  return app
      .add_option_function<std::string>(
          name,
          [&bytes, name](const std::string& text) {
            double value = 0;
            if (!ParseWithUnit(text, kUnits, value) || value > 1e18)
              throw CLI::ValidationError(name, "not a size: '" + text +
                                                   "' (use e.g. 204800, 200KiB, 500M)");
            bytes = static_cast<uint64_t>(value);
          },
          help)
      ->type_name("SIZE");
}

}  // namespace tm_core::cli
