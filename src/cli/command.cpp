#include "cli/command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/backends.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "spec/loader.hpp"

namespace dlenv::cli {
namespace {

// The project file whose [settings] apply: --project, else the one found from the cwd; none
// when there is none (the command reports a missing project itself when it needs one).
std::filesystem::path settings_project_file(const std::string& project) {
  std::error_code ec;
  if (!project.empty()) {
    std::filesystem::path path = project;
    if (std::filesystem::is_directory(path, ec)) path /= spec::kProjectFileName;
    return std::filesystem::is_regular_file(path, ec) ? path : std::filesystem::path();
  }
  auto found = spec::find_project_file(std::filesystem::current_path(ec));
  return found ? *found : std::filesystem::path();
}

}  // namespace

int report(const Error& error, const Common& common, TerminalProgress* progress) {
  if (progress) progress->settle();
  if (common.json) fmt::print("{}\n", error_json(error));
  fmt::print(stderr, "{}", error_human(error));
  return exit_code_for(error.code);
}

int with_context(const Common& common, const Body& body) {
  TerminalProgress progress(common.quiet);
  auto user = host::invoking_user();
  if (!user) return report(user.error(), common, &progress);
  // A project file that cannot be read leaves its [settings] out here: the commands that use
  // the project report its error themselves, the others are not stopped by it.
  auto sources = spec::process_setting_sources(user->home, settings_project_file(common.project), user->via_sudo);
  auto settings = spec::load_settings(sources);
  if (!settings && !sources.project_file.empty()) {
    sources.project_file.clear();
    settings = spec::load_settings(sources);
  }
  if (!settings) return report(settings.error(), common, &progress);
  auto host = host::probe_host(*settings);
  if (!host) return report(host.error(), common, &progress);
  auto backend = make_backend(*settings, *host, progress);
  if (!backend) return report(backend.error(), common, &progress);
  ops::Context ctx(**backend, std::move(*host), std::move(*settings), progress);
  Status status = body(ctx, progress);
  if (!status) return report(status.error(), common, &progress);
  return 0;
}

void add_json(CLI::App* command, Common& common) { command->add_flag("--json", common.json, "print JSON instead of text"); }

void add_project(CLI::App* command, Common& common) {
  command->add_option("-p,--project", common.project, "project directory or dlenv.toml (default: found from the current directory)");
}

void run_with_context(CLI::App* command, Common& common, Body body) {
  command->callback([&common, body = std::move(body)] { common.exit_code = with_context(common, body); });
}

CLI::App* add_env_command(CLI::App& parent, Common& common, const std::string& name, const std::string& description,
                          std::string& env) {
  auto* command = parent.add_subcommand(name, description);
  command->add_option("env", env, "environment name")->required();
  add_project(command, common);
  return command;
}

}  // namespace dlenv::cli
