#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/access/ssh_client_config.hpp"
#include "ops/environments/ls.hpp"

namespace dlenv::cli {

void add_ssh_config_command(CLI::App& app, Common& common) {
  auto install = std::make_shared<bool>(false);
  auto* ssh_config = app.add_subcommand("ssh-config", "write ~/.ssh/dlenv/config (a Host dlenv-<env> block per environment) and print its path");
  ssh_config->add_flag("--install", *install, "also add one 'Include' line for it to ~/.ssh/config (idempotent)");
  run_with_context(ssh_config, common, [install](ops::Context& ctx, TerminalProgress&) -> Status {
    auto views = DLENV_TRY(ops::ls(ctx, {}));
    auto path = DLENV_TRY(ops::write_ssh_client_config(ctx, views));
    fmt::print("{}\n", path.string());
    if (*install) {
      bool added = DLENV_TRY(ops::install_ssh_include(ctx));
      fmt::print(stderr, "{}\n", added ? "added an Include line to ~/.ssh/config" : "~/.ssh/config already includes it");
    }
    return {};
  });
}

}  // namespace dlenv::cli
