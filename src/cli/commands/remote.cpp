#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "ops/transport/ssh_transport.hpp"
#include "util/subprocess.hpp"

namespace dlenv::cli {
namespace {

struct RemoteArgs {
  ops::RemoteTarget target;
  std::vector<std::string> args;
};

}  // namespace

CLI::App* add_server_command(CLI::App& app, const std::string& name, const std::string& description, ops::RemoteTarget& target) {
  auto* command = app.add_subcommand(name, description);
  command->add_option("destination", target.destination, "USER@SERVER")->required();
  command->add_option("--via", target.via, "a jump host (ssh -J)");
  command->add_option("--dlenv", target.dlenv, "the dlenv program on the server")->capture_default_str();
  command->add_option("--ssh-option", target.ssh_options, "an extra ssh -o option (repeatable)")->allow_extra_args(false);
  return command;
}

void add_remote_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<RemoteArgs>();
  auto* remote = add_server_command(app, "remote", "run a dlenv command on a server over SSH: dlenv remote USER@SERVER [--via JUMP] -- up ENV",
                                    args->target);
  remote->add_option("args", args->args, "the dlenv command and its arguments (after --)")->required();
  remote->callback([args, &common] {
    if (auto checked = ops::check_remote_target(args->target); !checked) {
      common.exit_code = report(checked.error(), common);
      return;
    }
    auto argv = ops::remote_argv(args->target, args->args);
    common.exit_code = report(exec_process(argv).with_hint("install OpenSSH's client (sudo apt-get install openssh-client)"), common);
  });
}

}  // namespace dlenv::cli
