#include <unistd.h>

#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/environments/up.hpp"

namespace dlenv::cli {
namespace {

struct UpArgs {
  ops::UpOptions options;
  int ready_timeout = 300;
};

// Asks on the terminal whether a running environment may be re-created; "y" or "yes" agrees.
bool ask_to_recreate(TerminalProgress& progress, const std::string& env, const std::vector<std::string>& changes) {
  progress.settle();
  fmt::print(stderr, "'{}' is running and these changed:\n", env);
  for (const auto& change : changes) fmt::print(stderr, "  - {}\n", change);
  fmt::print(stderr, "Re-creating its container ends its running kernels, terminals and SSH sessions. Re-create it now? [y/N] ");
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace

void add_up_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<UpArgs>();
  auto* up = app.add_subcommand("up", "build what is missing, start, wait until Jupyter answers, print URLs");
  up->add_option("envs", args->options.envs, "environments to bring up (default: all of the project)");
  up->add_flag("--trust", args->options.trust, "accept this project's sensitive mounts (home, system folders; see 'dlenv plan') and remember them");
  up->add_flag("--recreate", args->options.recreate,
               "re-create a running environment whose settings changed, ending its kernels and sessions (without it: asked on a "
               "terminal, refused otherwise)");
  up->add_option("--timeout", args->ready_timeout, "seconds to wait for Jupyter")->capture_default_str();
  add_project(up, common);
  add_json(up, common);
  run_with_context(up, common, [args, &common](ops::Context& ctx, TerminalProgress& progress) -> Status {
    args->options.project = common.project;
    args->options.ready_timeout = std::chrono::seconds(args->ready_timeout);
    if (!args->options.recreate && ::isatty(STDIN_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1)
      args->options.confirm_recreate = [&progress](const std::string& env, const std::vector<std::string>& changes) {
        return ask_to_recreate(progress, env, changes);
      };
    auto views = DLENV_TRY(ops::up(ctx, args->options));
    progress.settle();
    for (const auto& v : views) fmt::print("{}", common.json ? env_json(v) + "\n" : env_human(v));
    return {};
  });
}

}  // namespace dlenv::cli
