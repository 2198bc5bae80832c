#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "ops/access/access.hpp"

namespace dlenv::cli {
namespace {

struct ExecArgs {
  std::string env;
  std::vector<std::string> command;
};

}  // namespace

void add_exec_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<ExecArgs>();
  auto* exec = app.add_subcommand("exec", "run a command inside as you (exit code passed through): dlenv exec ENV -- CMD...");
  exec->add_option("env", args->env, "environment name")->required();
  exec->add_option("command", args->command, "the command and its arguments (after --)")->required();
  add_project(exec, common);
  exec->callback([args, &common] {
    int code = 0;
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      bool tty = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
      code = DLENV_TRY(ops::exec(ctx, common.project, args->env, args->command, tty));
      return {};
    });
    if (common.exit_code == 0) common.exit_code = code;
  });
}

}  // namespace dlenv::cli
