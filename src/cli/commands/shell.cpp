#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "ops/access/access.hpp"

namespace dlenv::cli {

void add_shell_command(CLI::App& app, Common& common) {
  auto env = std::make_shared<std::string>();
  auto* shell = add_env_command(app, common, "shell", "an interactive shell inside, as you", *env);
  shell->callback([env, &common] {
    int code = 0;
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      code = DLENV_TRY(ops::shell(ctx, common.project, *env, ::isatty(STDIN_FILENO) == 1));
      return {};
    });
    if (common.exit_code == 0) common.exit_code = code;
  });
}

}  // namespace dlenv::cli
