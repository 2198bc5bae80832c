#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/environments/lifecycle.hpp"

namespace dlenv::cli {

void add_down_command(CLI::App& app, Common& common) {
  auto env = std::make_shared<std::string>();
  auto* down = add_env_command(app, common, "down", "stop an environment (it keeps its ports)", *env);
  add_json(down, common);
  run_with_context(down, common, [env, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto view = DLENV_TRY(ops::down(ctx, common.project, *env));
    fmt::print("{}\n", common.json ? env_json(view) : fmt::format("{} stopped", view.name));
    return {};
  });
}

}  // namespace dlenv::cli
