#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/environments/lifecycle.hpp"

namespace dlenv::cli {
namespace {

struct RmArgs {
  std::string env;
  ops::RmOptions options;
  bool all_incomplete = false;
};

Result<std::vector<ops::EnvView>> remove(ops::Context& ctx, const RmArgs& args, const Common& common) {
  if (args.all_incomplete) {
    if (!args.env.empty())
      return fail(ErrorCode::usage, "give an environment or --all-incomplete, not both", "dlenv rm --all-incomplete");
    return ops::rm_incomplete(ctx, args.options);
  }
  if (args.env.empty())
    return fail(ErrorCode::usage, "which environment?", "dlenv rm ENV (see 'dlenv ls'), or dlenv rm --all-incomplete");
  return std::vector<ops::EnvView>{DLENV_TRY(ops::rm(ctx, common.project, args.env, args.options))};
}

}  // namespace

void add_rm_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<RmArgs>();
  auto* rm = app.add_subcommand(
      "rm", "remove an environment's container and release its ports (caches, project files, images, its home and SSH host key stay)");
  rm->add_option("env", args->env,
                 "environment name, or its container name (dlenv-NAME-XXXXXXXX) when the project is gone (with --purge: also "
                 "when only its kept home and secrets are left)");
  rm->add_flag("--purge", args->options.purge, "also remove its home (kept across rm/up), secrets (Jupyter token, SSH host key) and lock file");
  rm->add_flag("--all-incomplete", args->all_incomplete, "remove every environment whose 'up' never created its container");
  add_project(rm, common);
  add_json(rm, common);
  run_with_context(rm, common, [args, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto removed = DLENV_TRY(remove(ctx, *args, common));
    if (removed.empty() && args->all_incomplete && !common.json) fmt::print("no incomplete environments\n");
    for (const auto& view : removed) {
      if (common.json) {
        fmt::print("{}\n", env_json(view));
        continue;
      }
      fmt::print("{} removed{}\n", view.name.empty() ? view.container : view.name, args->options.purge ? " (purged)" : "");
      if (!view.home.empty())
        fmt::print("its home stays in {} ('dlenv rm --purge {}' removes it)\n", view.home, view.container);
    }
    return {};
  });
}

}  // namespace dlenv::cli
