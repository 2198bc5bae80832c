#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/access/export.hpp"

namespace dlenv::cli {
namespace {

struct ExportArgs {
  std::string env;
  bool force = false;
};

}  // namespace

void add_export_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<ExportArgs>();
  auto* export_cmd = app.add_subcommand("export", "write files other tools read");
  export_cmd->require_subcommand(1);
  auto* devcontainer = add_env_command(*export_cmd, common, "devcontainer",
                                       "write .devcontainer/devcontainer.json for an environment's image (after 'dlenv up')", args->env);
  devcontainer->add_flag("--force", args->force, "replace a devcontainer.json dlenv did not write");
  run_with_context(devcontainer, common, [args, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    fmt::print("{}\n", DLENV_TRY(ops::export_devcontainer(ctx, common.project, args->env, args->force)).string());
    return {};
  });
}

}  // namespace dlenv::cli
