#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/images/base_bootstrap.hpp"

namespace dlenv::cli {

void add_base_command(CLI::App& app, Common& common) {
  auto* base = app.add_subcommand("base", "base images made offline");
  base->require_subcommand(1);
  auto options = std::make_shared<ops::BootstrapOptions>();
  auto* bootstrap = base->add_subcommand("bootstrap", "build dlenv/debian:SUITE from the apt mirror with mmdebstrap");
  bootstrap->add_option("image", options->image, "debian:bookworm, debian:bullseye or debian:trixie")->required();
  bootstrap->add_flag("--force", options->force, "rebuild it when it exists");
  add_json(bootstrap, common);
  run_with_context(bootstrap, common, [options, &common](ops::Context& ctx, TerminalProgress& progress) -> Status {
    auto result = DLENV_TRY(ops::bootstrap_base(ctx, *options));
    progress.settle();
    if (common.json) fmt::print("{}\n", bootstrap_json(result));
    else fmt::print("{} {} ({})\n", result.image, result.created ? "created" : "already present", result.id.substr(0, 19));
    return {};
  });
}

}  // namespace dlenv::cli
