#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/environments/ls.hpp"

namespace dlenv::cli {

void add_ls_command(CLI::App& app, Common& common) {
  auto options = std::make_shared<ops::LsOptions>();
  options->measure_homes = true;
  auto* ls = app.add_subcommand("ls", "your environments: state, ports, container, project");
  ls->add_flag("--all", options->all_users, "include other users' environments");
  add_json(ls, common);
  run_with_context(ls, common, [options, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto views = DLENV_TRY(ops::ls(ctx, *options));
    fmt::print("{}", common.json ? envs_json(views) + "\n" : envs_table(views));
    return {};
  });
}

}  // namespace dlenv::cli
