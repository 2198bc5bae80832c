#include "cli/app.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/terminal_progress.hpp"
#include "engine/engine.hpp"
#include "ops/access.hpp"
#include "ops/base_bootstrap.hpp"
#include "ops/doctor.hpp"
#include "ops/init.hpp"
#include "ops/lifecycle.hpp"
#include "ops/ls.hpp"
#include "ops/export.hpp"
#include "ops/plan_env.hpp"
#include "ops/remote.hpp"
#include "ops/ssh_access.hpp"
#include "ops/up.hpp"
#include "host/cdi_spec.hpp"
#include "host/driver_files.hpp"
#include "host/gpu_facts_json.hpp"
#include "util/user_rights.hpp"
#include "host/gpu_probe.hpp"
#include "spec/loader.hpp"
#include "util/files.hpp"
#include "util/subprocess.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"

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

// Options shared by the commands.
struct Common {
  bool json = false;
  bool quiet = false;
  std::string project;
};

int report(const Error& error, const Common& common, TerminalProgress* progress = nullptr) {
  if (progress) progress->settle();
  if (common.json) fmt::print("{}\n", error_json(error));
  fmt::print(stderr, "{}", error_human(error));
  return exit_code_for(error.code);
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

// Runs `body` with a Context over the real engine; maps its error to an exit code.
template <class Body>
int with_context(const Common& common, Body&& body) {
  TerminalProgress progress(common.quiet);
  auto host = host::probe_host();
  if (!host) return report(host.error(), common, &progress);
  auto engine = engine::make_docker_engine(engine::resolve_endpoint());
  ops::Context ctx(*engine, std::move(*host), progress);
  Status status = body(ctx, progress);
  if (!status) return report(status.error(), common, &progress);
  return 0;
}

void add_json(CLI::App* cmd, Common& common) { cmd->add_flag("--json", common.json, "print JSON instead of text"); }
void add_project(CLI::App* cmd, Common& common) {
  cmd->add_option("-p,--project", common.project, "project directory or dlenv.toml (default: found from the current directory)");
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

  int exit_code = 0;

  // init
  ops::InitOptions init_options;
  auto* init = app.add_subcommand("init", "write a commented dlenv.toml for this project");
  init->add_option("dir", init_options.dir, "project directory (default: the current directory)");
  init->add_option("--name", init_options.name, "environment name (default: from the folder name)");
  init->add_option("--base", init_options.base, "base image")->capture_default_str();
  init->add_flag("--force", init_options.force, "overwrite an existing dlenv.toml");
  init->callback([&] {
    auto written = ops::init(init_options);
    if (!written) exit_code = report(written.error(), common);
    else fmt::print("wrote {}\nnext: edit it, then run 'dlenv up'\n", written->string());
  });

  // base bootstrap
  auto* base = app.add_subcommand("base", "base images made offline");
  base->require_subcommand(1);
  ops::BootstrapOptions bootstrap_options;
  auto* bootstrap = base->add_subcommand("bootstrap", "build dlenv/debian:SUITE from the apt mirror with mmdebstrap");
  bootstrap->add_option("image", bootstrap_options.image, "debian:bookworm, debian:bullseye or debian:trixie")->required();
  bootstrap->add_flag("--force", bootstrap_options.force, "rebuild it when it exists");
  add_json(bootstrap, common);
  bootstrap->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress& progress) -> Status {
      auto result = DLENV_TRY(ops::bootstrap_base(ctx, bootstrap_options));
      progress.settle();
      if (common.json)
        fmt::print("{{\"image\": \"{}\", \"id\": \"{}\", \"created\": {}}}\n", result.image, result.id, result.created);
      else
        fmt::print("{} {} ({})\n", result.image, result.created ? "created" : "already present", result.id.substr(0, 19));
      return {};
    });
  });

  // up
  ops::UpOptions up_options;
  int ready_timeout = 300;
  auto* up = app.add_subcommand("up", "build what is missing, start, wait until Jupyter answers, print URLs");
  up->add_option("envs", up_options.envs, "environments to bring up (default: all of the project)");
  up->add_flag("--trust", up_options.trust, "accept this project's sensitive mounts (home, system folders; see 'dlenv plan') and remember them");
  up->add_option("--timeout", ready_timeout, "seconds to wait for Jupyter")->capture_default_str();
  add_project(up, common);
  add_json(up, common);
  up->callback([&] {
    up_options.project = common.project;
    up_options.ready_timeout = std::chrono::seconds(ready_timeout);
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress& progress) -> Status {
      auto views = DLENV_TRY(ops::up(ctx, up_options));
      progress.settle();
      for (const auto& v : views) fmt::print("{}", common.json ? env_json(v) + "\n" : env_human(v));
      return {};
    });
  });

  // plan
  ops::PlanOptions plan_options;
  std::string plan_gpus;
  std::string plan_host;
  auto* plan = app.add_subcommand("plan", "what would be built and run, and why (CUDA, driver and GPU reasoning)");
  plan->add_option("envs", plan_options.envs, "environments to plan (default: all of the project)");
  plan->add_option("--framework", plan_options.framework, "plan without a project file: torch==2.3.1, tensorflow==1.15.*, jax, ...");
  plan->add_option("--python", plan_options.python, "with --framework: the Python version (e.g. 3.11)");
  plan->add_option("--cuda", plan_options.cuda, "with --framework: auto, none or X.Y")->capture_default_str();
  plan->add_option("--gpus", plan_gpus, "with --framework: all, none, a count, or comma-separated indexes/UUIDs");
  plan->add_option("--host", plan_host, "plan for the machine described by this file (saved 'dlenv host --json'; also DLENV_HOST_FACTS)");
  add_project(plan, common);
  add_json(plan, common);
  plan->callback([&] {
    plan_options.project = common.project;
    plan_options.host_file = plan_host;
    if (!plan_gpus.empty()) {
      auto gpus = spec::parse_gpu_request(plan_gpus);
      if (!gpus) {
        exit_code = report(gpus.error(), common);
        return;
      }
      plan_options.gpus = *gpus;
    }
    bool all_ok = true;
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto views = DLENV_TRY(ops::plan_envs(ctx, plan_options));
      for (const auto& v : views) {
        fmt::print("{}", common.json ? plan_json(v) + "\n" : plan_human(v));
        all_ok = all_ok && v.resolution.ok;
      }
      return {};
    });
    if (exit_code == 0 && !all_ok) exit_code = exit_code_for(ErrorCode::incompatible);
  });

  // host
  auto* host_cmd = app.add_subcommand("host", "what the probe found: NVIDIA driver, CUDA level, GPUs, the engine and its GPU support");
  add_json(host_cmd, common);
  host_cmd->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto facts = DLENV_TRY(host::gpu_facts_for_host());
      EngineReport report;
      report.endpoint = engine::resolve_endpoint().describe();
      if (auto info = ctx.engine().ping()) {
        report.info = *info;
        if (auto details = ctx.engine().details()) report.details = *details;
      } else {
        report.error = info.error().message;
      }
      fmt::print("{}", common.json ? host_json(facts, report) + "\n" : host_human(facts, report));
      return {};
    });
  });

  // doctor
  auto* doctor = app.add_subcommand("doctor", "check the engine, runc, the NVIDIA driver, GPU support and dlenv's state; each with a remedy");
  bool skip_gpu_container = false;
  doctor->add_flag("--no-gpu-container", skip_gpu_container, "do not start a container to see whether it gets the GPUs");
  add_json(doctor, common);
  doctor->callback([&] {
    bool failed = false;
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto checks = ops::doctor(ctx, {.run_gpu_container = !skip_gpu_container});
      for (const auto& c : checks) failed = failed || c.status == ops::Check::Status::fail;
      fmt::print("{}", common.json ? doctor_json(checks) + "\n" : doctor_human(checks));
      return {};
    });
    if (exit_code == 0 && failed) exit_code = 1;  // a check failed
  });

  // gpu cdi
  auto* gpu = app.add_subcommand("gpu", "GPU support without NVIDIA's container toolkit");
  gpu->require_subcommand(1);
  std::string cdi_output;
  auto* cdi = gpu->add_subcommand("cdi", "write a CDI spec (nvidia.com/gpu) from the installed driver, for engines with CDI");
  cdi->add_option("-o,--output", cdi_output, "write it here (e.g. /etc/cdi/nvidia.yaml) instead of printing it");
  cdi->callback([&] {
    exit_code = with_context(common, [&](ops::Context&, TerminalProgress&) -> Status {
      auto facts = DLENV_TRY(host::gpu_facts_for_host());
      if (!facts.driver)
        return fail(ErrorCode::incompatible, "no NVIDIA driver was found, so there is nothing to describe",
                    "install the NVIDIA driver, then run 'dlenv host' to check what dlenv sees");
      auto files = host::discover_driver_files(facts, host::probe_options_from_env().root);
      auto yaml = host::cdi_spec_yaml(files, facts);
      if (cdi_output.empty()) {
        fmt::print("{}", yaml);
        return {};
      }
      // A host-wide file for the engine, not one written for the user: root's rights under
      // sudo, but only into the CDI folders (a sudo rule for dlenv must not write anywhere).
      const auto target = std::filesystem::path(cdi_output).lexically_normal();
      const bool cdi_dir = target.parent_path() == "/etc/cdi" || target.parent_path() == "/var/run/cdi";
      if (acting_rights() && !cdi_dir)
        return fail(ErrorCode::usage, fmt::format("through sudo, the CDI spec can only go to /etc/cdi or /var/run/cdi, not {}", cdi_output),
                    "write it to /etc/cdi/nvidia.yaml, or print it and save it yourself");
      RootFileAccess as_root;
      DLENV_TRY_VOID(write_file_atomic(cdi_output, yaml, 0644));
      fmt::print(stderr, "wrote {}\n", cdi_output);
      return {};
    });
  });

  // ls
  ops::LsOptions ls_options;
  auto* ls = app.add_subcommand("ls", "your environments: state, ports, container, project");
  ls->add_flag("--all", ls_options.all_users, "include other users' environments");
  add_json(ls, common);
  ls->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto views = DLENV_TRY(ops::ls(ctx, ls_options));
      fmt::print("{}", common.json ? envs_json(views) + "\n" : envs_table(views));
      return {};
    });
  });

  // url
  std::string env_name;
  auto* url = app.add_subcommand("url", "print the Jupyter URL (with its token) of an environment");
  url->add_option("env", env_name, "environment name")->required();
  add_project(url, common);
  add_json(url, common);
  bool tunnel_info = false;
  url->add_flag("--tunnel-info", tunnel_info, "print what 'dlenv tunnel' needs, as key=value lines");
  url->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      if (tunnel_info) {
        fmt::print("{}", DLENV_TRY(ops::format_tunnel_info(DLENV_TRY(ops::tunnel_info_of(ctx, common.project, env_name)))));
        return {};
      }
      auto view = DLENV_TRY(ops::describe(ctx, common.project, env_name));
      if (view.jupyter_url.empty())
        return fail(ErrorCode::not_found, fmt::format("environment '{}' has no Jupyter server", env_name),
                    "set 'jupyter = true' in dlenv.toml and run 'dlenv up'");
      fmt::print("{}\n", common.json ? env_json(view) : view.jupyter_url);
      return {};
    });
  });

  // logs
  bool follow = false;
  auto* logs = app.add_subcommand("logs", "print an environment's container logs");
  logs->add_option("env", env_name, "environment name")->required();
  logs->add_flag("-f,--follow", follow, "keep printing new output");
  add_project(logs, common);
  logs->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto status = ops::logs(ctx, common.project, env_name, follow, [](engine::StreamKind kind, std::string_view text) {
        std::FILE* out = kind == engine::StreamKind::out ? stdout : stderr;
        std::fwrite(text.data(), 1, text.size(), out);
        std::fflush(out);
      });
      // Ctrl-C is how one leaves `logs -f`: not an error.
      if (!status && status.error().code == ErrorCode::interrupted && follow) return {};
      return status;
    });
  });

  // exec
  std::vector<std::string> command;
  auto* exec = app.add_subcommand("exec", "run a command inside as you (exit code passed through): dlenv exec ENV -- CMD...");
  exec->add_option("env", env_name, "environment name")->required();
  exec->add_option("command", command, "the command and its arguments (after --)")->required();
  add_project(exec, common);
  exec->callback([&] {
    int code = 0;
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      bool tty = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
      code = DLENV_TRY(ops::exec(ctx, common.project, env_name, command, tty));
      return {};
    });
    if (exit_code == 0) exit_code = code;
  });

  // shell
  auto* shell = app.add_subcommand("shell", "an interactive shell inside, as you");
  shell->add_option("env", env_name, "environment name")->required();
  add_project(shell, common);
  shell->callback([&] {
    int code = 0;
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      code = DLENV_TRY(ops::shell(ctx, common.project, env_name, ::isatty(STDIN_FILENO) == 1));
      return {};
    });
    if (exit_code == 0) exit_code = code;
  });

  // ssh-config / ssh
  bool install_include = false;
  auto* ssh_config = app.add_subcommand("ssh-config", "write ~/.ssh/dlenv/config (a Host dlenv-<env> block per environment) and print its path");
  ssh_config->add_flag("--install", install_include, "also add one 'Include' line for it to ~/.ssh/config (idempotent)");
  ssh_config->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto views = DLENV_TRY(ops::ls(ctx, {}));
      auto path = DLENV_TRY(ops::write_ssh_client_config(ctx, views));
      fmt::print("{}\n", path.string());
      if (install_include) {
        bool added = DLENV_TRY(ops::install_ssh_include(ctx));
        fmt::print(stderr, "{}\n", added ? "added an Include line to ~/.ssh/config" : "~/.ssh/config already includes it");
      }
      return {};
    });
  });
  std::vector<std::string> ssh_command;
  auto* ssh = app.add_subcommand("ssh", "ssh into an environment as you (key-only): dlenv ssh ENV [-- CMD...]");
  ssh->add_option("env", env_name, "environment name")->required();
  ssh->add_option("command", ssh_command, "a command to run instead of a shell (after --)");
  add_project(ssh, common);
  ssh->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto view = DLENV_TRY(ops::describe(ctx, common.project, env_name));
      if (!view.ports.count("ssh"))
        return fail(ErrorCode::not_found, fmt::format("environment '{}' has no SSH server", env_name),
                    "SSH is on unless [envs.NAME.ssh] enabled = false; run 'dlenv up' after changing it");
      auto all = DLENV_TRY(ops::ls(ctx, {}));
      auto config = DLENV_TRY(ops::write_ssh_client_config(ctx, all));
      std::vector<std::string> argv = {"ssh", "-F", config.string(), ops::ssh_alias(view, all)};
      if (!ssh_command.empty()) {
        argv.push_back("--");
        argv.insert(argv.end(), ssh_command.begin(), ssh_command.end());
      }
      return fail(exec_process(argv).with_hint("install OpenSSH's client (sudo apt-get install openssh-client)"));
    });
  });

  // remote / tunnel
  ops::RemoteTarget remote_target;
  std::vector<std::string> remote_args;
  auto* remote = app.add_subcommand("remote", "run a dlenv command on a server over SSH: dlenv remote USER@SERVER [--via JUMP] -- up ENV");
  remote->add_option("destination", remote_target.destination, "USER@SERVER")->required();
  remote->add_option("args", remote_args, "the dlenv command and its arguments (after --)")->required();
  remote->add_option("--via", remote_target.via, "a jump host (ssh -J)");
  remote->add_option("--dlenv", remote_target.dlenv, "the dlenv program on the server")->capture_default_str();
  remote->add_option("--ssh-option", remote_target.ssh_options, "an extra ssh -o option (repeatable)")->allow_extra_args(false);
  remote->callback([&] {
    if (auto checked = ops::check_remote_target(remote_target); !checked) {
      exit_code = report(checked.error(), common);
      return;
    }
    auto argv = ops::remote_argv(remote_target, remote_args);
    exit_code = report(exec_process(argv).with_hint("install OpenSSH's client (sudo apt-get install openssh-client)"), common);
  });
  std::string tunnel_env;
  auto* tunnel = app.add_subcommand("tunnel", "forward an environment's Jupyter and SSH ports from a server to this machine, until Ctrl-C");
  tunnel->add_option("destination", remote_target.destination, "USER@SERVER")->required();
  tunnel->add_option("env", tunnel_env, "environment name on the server")->required();
  tunnel->add_option("--via", remote_target.via, "a jump host (ssh -J)");
  tunnel->add_option("--dlenv", remote_target.dlenv, "the dlenv program on the server")->capture_default_str();
  tunnel->add_option("--ssh-option", remote_target.ssh_options, "an extra ssh -o option (repeatable)")->allow_extra_args(false);
  tunnel->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress& progress) -> Status {
      bool announced = false;
      auto status = ops::tunnel(ctx, remote_target, tunnel_env, [&](const ops::TunnelReady& ready) {
        progress.settle();
        if (announced) {
          fmt::print(stderr, "forwards re-established\n");
          return;
        }
        announced = true;
        if (!ready.local_jupyter_url.empty()) fmt::print("Jupyter: {}\n", ready.local_jupyter_url);
        if (ready.local_ssh_port) fmt::print("ssh:     127.0.0.1:{} (forwarded)\n", ready.local_ssh_port);
        if (!ready.ssh_host_block.empty()) fmt::print("\n# for ~/.ssh/config (VS Code Remote-SSH reaches the container through the server):\n{}", ready.ssh_host_block);
        fmt::print(stderr, "forwarding until Ctrl-C\n");
        std::fflush(stdout);
      });
      return status;
    });
  });

  // export devcontainer / code
  bool export_force = false;
  auto* export_cmd = app.add_subcommand("export", "write files other tools read");
  export_cmd->require_subcommand(1);
  auto* devcontainer = export_cmd->add_subcommand("devcontainer", "write .devcontainer/devcontainer.json for an environment's image (after 'dlenv up')");
  devcontainer->add_option("env", env_name, "environment name")->required();
  devcontainer->add_flag("--force", export_force, "replace a devcontainer.json dlenv did not write");
  add_project(devcontainer, common);
  devcontainer->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto path = DLENV_TRY(ops::export_devcontainer(ctx, common.project, env_name, export_force));
      fmt::print("{}\n", path.string());
      return {};
    });
  });
  bool code_open = false;
  auto* code = app.add_subcommand("code", "print (or run, with --open) the VS Code command that opens an environment over SSH");
  code->add_option("env", env_name, "environment name")->required();
  code->add_flag("--open", code_open, "run it (needs 'dlenv ssh-config --install' once, so VS Code finds the host)");
  add_project(code, common);
  code->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto target = DLENV_TRY(ops::code_target(ctx, common.project, env_name));
      if (!code_open) {
        fmt::print("{}\n", target.command);
        return {};
      }
      return fail(exec_process(target.argv).with_hint("install VS Code's 'code' command and its Remote - SSH extension"));
    });
  });

  // down / rm
  auto* down = app.add_subcommand("down", "stop an environment (it keeps its ports)");
  down->add_option("env", env_name, "environment name")->required();
  add_project(down, common);
  add_json(down, common);
  down->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto view = DLENV_TRY(ops::down(ctx, common.project, env_name));
      fmt::print("{}\n", common.json ? env_json(view) : fmt::format("{} stopped", view.name));
      return {};
    });
  });
  auto* rm = app.add_subcommand(
      "rm", "remove an environment's container and release its ports (caches, project files, images and its SSH host key stay)");
  ops::RmOptions rm_options;
  bool rm_all_incomplete = false;
  rm->add_option("env", env_name, "environment name, or its container name (dlenv-NAME-XXXXXXXX) when the project is gone");
  rm->add_flag("--purge", rm_options.purge, "also remove its secrets (Jupyter token, SSH host key) and lock file");
  rm->add_flag("--all-incomplete", rm_all_incomplete, "remove every environment whose 'up' never created its container");
  add_project(rm, common);
  add_json(rm, common);
  rm->callback([&] {
    exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      std::vector<ops::EnvView> removed;
      if (rm_all_incomplete) {
        if (!env_name.empty())
          return fail(ErrorCode::usage, "give an environment or --all-incomplete, not both", "dlenv rm --all-incomplete");
        removed = DLENV_TRY(ops::rm_incomplete(ctx, rm_options));
        if (removed.empty() && !common.json) fmt::print("no incomplete environments\n");
      } else {
        if (env_name.empty())
          return fail(ErrorCode::usage, "which environment?", "dlenv rm ENV (see 'dlenv ls'), or dlenv rm --all-incomplete");
        removed.push_back(DLENV_TRY(ops::rm(ctx, common.project, env_name, rm_options)));
      }
      for (const auto& view : removed)
        fmt::print("{}\n", common.json ? env_json(view)
                                       : fmt::format("{} removed{}", view.name, rm_options.purge ? " (purged)" : ""));
      return {};
    });
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : exit_code_for(ErrorCode::usage);
  }
  return exit_code;
}

}  // namespace dlenv::cli
