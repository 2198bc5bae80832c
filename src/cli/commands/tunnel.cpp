#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/access/remote.hpp"

namespace dlenv::cli {
namespace {

struct TunnelArgs {
  ops::RemoteTarget target;
  std::string env;
};

// Says once how to reach the forwards; a reconnect is one line on stderr.
void announce(const ops::TunnelReady& ready, bool& announced) {
  if (announced) {
    fmt::print(stderr, "forwards re-established\n");
    return;
  }
  announced = true;
  if (!ready.local_jupyter_url.empty()) fmt::print("Jupyter: {}\n", ready.local_jupyter_url);
  if (ready.local_ssh_port) fmt::print("ssh:     127.0.0.1:{} (forwarded)\n", ready.local_ssh_port);
  if (!ready.ssh_host_block.empty())
    fmt::print("\n# for ~/.ssh/config (VS Code Remote-SSH reaches the container through the server):\n{}", ready.ssh_host_block);
  fmt::print(stderr, "forwarding until Ctrl-C\n");
  std::fflush(stdout);
}

}  // namespace

void add_tunnel_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<TunnelArgs>();
  auto* tunnel = add_server_command(app, "tunnel", "forward an environment's Jupyter and SSH ports from a server to this machine, until Ctrl-C",
                                    args->target);
  tunnel->add_option("env", args->env, "environment name on the server")->required();
  run_with_context(tunnel, common, [args](ops::Context& ctx, TerminalProgress& progress) -> Status {
    bool announced = false;
    return ops::tunnel(ctx, args->target, args->env, [&](const ops::TunnelReady& ready) {
      progress.settle();
      announce(ready, announced);
    });
  });
}

}  // namespace dlenv::cli
