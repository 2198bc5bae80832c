#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/access/access.hpp"
#include "ops/access/ssh_client_config.hpp"
#include "ops/environments/ls.hpp"
#include "util/subprocess.hpp"

namespace dlenv::cli {
namespace {

struct SshArgs {
  std::string env;
  std::vector<std::string> command;
};

// Becomes `ssh -F ~/.ssh/dlenv/config dlenv-ENV [-- CMD...]`; returns only on failure.
Status ssh_into(ops::Context& ctx, const SshArgs& args, const std::string& project) {
  auto view = DLENV_TRY(ops::describe_running(ctx, project, args.env));
  if (!view.ports.count("ssh"))
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no SSH server", args.env),
                "SSH is on unless [envs.NAME.ssh] enabled = false; run 'dlenv up' after changing it");
  auto all = DLENV_TRY(ops::ls(ctx, {}));
  auto config = DLENV_TRY(ops::write_ssh_client_config(ctx, all));
  std::vector<std::string> argv = {"ssh", "-F", config.string(), ops::ssh_alias(view, all)};
  if (!args.command.empty()) {
    argv.push_back("--");
    argv.insert(argv.end(), args.command.begin(), args.command.end());
  }
  return fail(exec_process(argv).with_hint("install OpenSSH's client (sudo apt-get install openssh-client)"));
}

}  // namespace

void add_ssh_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<SshArgs>();
  auto* ssh = add_env_command(app, common, "ssh", "ssh into an environment as you (key-only): dlenv ssh ENV [-- CMD...]", args->env);
  ssh->add_option("command", args->command, "a command to run instead of a shell (after --)");
  run_with_context(ssh, common, [args, &common](ops::Context& ctx, TerminalProgress&) { return ssh_into(ctx, *args, common.project); });
}

}  // namespace dlenv::cli
