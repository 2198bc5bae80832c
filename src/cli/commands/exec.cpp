#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "ops/access/access.hpp"

namespace dlenv::cli {
namespace {

struct ExecArgs {
  std::string env;
  std::vector<std::string> command;
  int code = 0;  // the command's exit code
};

}  // namespace

void add_exec_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<ExecArgs>();
  auto* exec = add_env_command(app, common, "exec", "run a command inside as you (exit code passed through): dlenv exec ENV -- CMD...",
                               args->env);
  exec->add_option("command", args->command, "the command and its arguments (after --)")->required();
  exec->callback([args, &common] {
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      const bool tty = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
      args->code = DLENV_TRY(ops::exec(ctx, common.project, args->env, args->command, tty));
      return {};
    });
    if (common.exit_code == 0) common.exit_code = args->code;
  });
}

}  // namespace dlenv::cli
