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

// When `command` is chosen: runs `body` with a Context; the exit code is its outcome.
void run_with_context(CLI::App* command, Common& common, Body body);

// `dlenv NAME ENV [-p DIR]`: a subcommand of `parent` on one environment, whose name lands in `env`.
CLI::App* add_env_command(CLI::App& parent, Common& common, const std::string& name, const std::string& description,
                          std::string& env);

}  // namespace dlenv::cli
