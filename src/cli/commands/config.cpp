#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/config.hpp"

namespace dlenv::cli {

void add_config_command(CLI::App& app, Common& common) {
  auto* config = app.add_subcommand(
      "config", "each setting's value and where it came from (environment, the project's [settings], ~/.config/dlenv/config.toml, default)");
  add_project(config, common);
  add_json(config, common);
  run_with_context(config, common, [&common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto settings = ops::settings_view(ctx);
    fmt::print("{}", common.json ? settings_json(settings) + "\n" : settings_human(settings));
    return {};
  });
}

}  // namespace dlenv::cli
