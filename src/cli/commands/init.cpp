#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/environments/init.hpp"

namespace dlenv::cli {

void add_init_command(CLI::App& app, Common& common) {
  auto options = std::make_shared<ops::InitOptions>();
  auto* init = app.add_subcommand("init", "write a commented dlenv.toml for this project");
  init->add_option("dir", options->dir, "project directory (default: the current directory)");
  init->add_option("--name", options->name, "environment name (default: from the folder name)");
  init->add_option("--base", options->base, "base image")->capture_default_str();
  init->add_flag("--force", options->force, "overwrite an existing dlenv.toml");
  init->callback([options, &common] {
    auto written = ops::init(*options);
    if (!written) common.exit_code = report(written.error(), common);
    else fmt::print("wrote {}\nnext: edit it, then run 'dlenv up'\n", written->string());
  });
}

}  // namespace dlenv::cli
