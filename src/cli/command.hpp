#pragma once
// What every command shares: the common options, a Context over the configured back-end for
// the use case it runs, and turning an error into output and an exit code. Each command is
// one file in commands/ with one add_*_command function (commands.hpp), called by app.cpp.
#include <functional>
#include <string>

#include "cli/terminal_progress.hpp"
#include "ops/context.hpp"
#include "util/error.hpp"

namespace CLI {
class App;
}

namespace dlenv::cli {

struct Common {
  bool json = false;
  bool quiet = false;
  std::string project;
  int exit_code = 0;  // what `dlenv` exits with
};

// Prints `error` (as JSON too with --json) and returns its exit code.
int report(const Error& error, const Common& common, TerminalProgress* progress = nullptr);

// Loads the settings (the project's too), probes the host, makes the back-end the settings
// name, and runs `body` with a Context over them; returns 0 or the error's exit code.
using Body = std::function<Status(ops::Context& ctx, TerminalProgress& progress)>;
int with_context(const Common& common, const Body& body);

void add_json(CLI::App* command, Common& common);
void add_project(CLI::App* command, Common& common);

}  // namespace dlenv::cli
