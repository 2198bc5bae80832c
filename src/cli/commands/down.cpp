#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/environments/lifecycle.hpp"

namespace dlenv::cli {

void add_down_command(CLI::App& app, Common& common) {
  auto env = std::make_shared<std::string>();
  auto* down = app.add_subcommand("down", "stop an environment (it keeps its ports)");
  down->add_option("env", *env, "environment name")->required();
  add_project(down, common);
  add_json(down, common);
  down->callback([env, &common] {
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto view = DLENV_TRY(ops::down(ctx, common.project, *env));
      fmt::print("{}\n", common.json ? env_json(view) : fmt::format("{} stopped", view.name));
      return {};
    });
  });
}

}  // namespace dlenv::cli
