#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/access/export.hpp"

namespace dlenv::cli {
namespace {

struct ExportArgs {
  std::string env;
  ops::ExportOptions options;
};

}  // namespace

void add_export_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<ExportArgs>();
  auto* export_cmd = app.add_subcommand("export", "write files other tools read");
  export_cmd->require_subcommand(1);
  auto* devcontainer = add_env_command(*export_cmd, common, "devcontainer",
                                       "write .devcontainer/devcontainer.json for an environment's image (after 'dlenv up'), or with --build one that builds it", args->env);
  devcontainer->add_flag("--force", args->options.force, "replace a devcontainer.json (or dlenv-build folder) dlenv did not write");
  devcontainer->add_flag("--build", args->options.build,
                         "for teammates: build the image from its base (.devcontainer/dlenv-build/Dockerfile) instead of naming "
                         "this machine's image; caches in volumes, no host secrets, SSH off");
  run_with_context(devcontainer, common, [args, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    fmt::print("{}\n", DLENV_TRY(ops::export_devcontainer(ctx, common.project, args->env, args->options)).string());
    return {};
  });
}

}  // namespace dlenv::cli
