#pragma once
// The commands of dlenv, one file each in cli/commands/. Each adds its subcommand to the app;
// its callback sets common.exit_code.
#include "cli/command.hpp"
#include "ops/transport/ssh_transport.hpp"

namespace dlenv::cli {

void add_init_command(CLI::App& app, Common& common);
void add_base_command(CLI::App& app, Common& common);
void add_up_command(CLI::App& app, Common& common);
void add_plan_command(CLI::App& app, Common& common);
void add_host_command(CLI::App& app, Common& common);
void add_doctor_command(CLI::App& app, Common& common);
void add_gpu_command(CLI::App& app, Common& common);
void add_config_command(CLI::App& app, Common& common);
void add_ls_command(CLI::App& app, Common& common);
void add_url_command(CLI::App& app, Common& common);
void add_logs_command(CLI::App& app, Common& common);
void add_exec_command(CLI::App& app, Common& common);
void add_shell_command(CLI::App& app, Common& common);
void add_ssh_config_command(CLI::App& app, Common& common);
void add_ssh_command(CLI::App& app, Common& common);
void add_remote_command(CLI::App& app, Common& common);
void add_tunnel_command(CLI::App& app, Common& common);
void add_export_command(CLI::App& app, Common& common);
void add_code_command(CLI::App& app, Common& common);
void add_down_command(CLI::App& app, Common& common);
void add_rm_command(CLI::App& app, Common& common);

// A command that reaches a server (remote, tunnel): `dlenv NAME USER@SERVER` with --via, --dlenv
// and --ssh-option. Defined in remote.cpp.
CLI::App* add_server_command(CLI::App& app, const std::string& name, const std::string& description, ops::RemoteTarget& target);

}  // namespace dlenv::cli
