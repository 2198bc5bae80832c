#include "cli/app.hpp"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "host/host_facts.hpp"
#include "util/interrupt.hpp"
#include "util/user_rights.hpp"

namespace dlenv::cli {
namespace {

void on_sigint(int) {
  if (interrupted()) ::_exit(130);  // a second Ctrl-C leaves at once
  request_interrupt();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

// Through sudo, files are read and created with the sudo user's rights from here on; only
// the engine's socket is opened as root (util/user_rights.hpp).
// Done once, before any command runs: every command (init, remote, ssh, tunnel, ...) acts
// for the user. HOME becomes the user's too, so '~' and the programs dlenv starts mean theirs.
Status act_for_sudo_user() {
  auto user = DLENV_TRY(host::invoking_user());
  if (!user.via_sudo || ::geteuid() != 0) return {};
  auto rights = DLENV_TRY(rights_of(user.name, user.uid, user.gid));
  DLENV_TRY_VOID(act_with_rights(rights));
  ::setenv("HOME", user.home.c_str(), 1);
  return {};
}

}  // namespace

int run(int argc, char** argv) {
  install_signal_handlers();
  if (auto acting = act_for_sudo_user(); !acting) {
    fmt::print(stderr, "{}", error_human(acting.error()));
    return exit_code_for(acting.error().code);
  }
  CLI::App app{"dlenv: reproducible GPU development environments in containers, from one dlenv.toml", "dlenv"};
  app.set_version_flag("--version", "dlenv 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  Common common;
  app.add_flag("-q,--quiet", common.quiet, "no progress output");

  for (auto add : {add_init_command, add_base_command, add_up_command, add_plan_command, add_host_command, add_doctor_command,
                   add_gpu_command, add_config_command, add_ls_command, add_url_command, add_logs_command, add_exec_command,
                   add_shell_command, add_ssh_config_command, add_ssh_command, add_remote_command, add_tunnel_command,
                   add_export_command, add_code_command, add_down_command, add_rm_command})
    add(app, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : exit_code_for(ErrorCode::usage);
  }
  return common.exit_code;
}

}  // namespace dlenv::cli
