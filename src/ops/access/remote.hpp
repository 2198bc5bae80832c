#pragma once
// dlenv on a GPU server from a laptop: `remote` runs a dlenv command there over SSH; `tunnel`
// forwards an environment's Jupyter and SSH ports to loopback ports here, says how to reach
// them, and re-establishes the forwards when the connection drops, until Ctrl-C.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "ops/transport/ssh_transport.hpp"

namespace dlenv::ops {

// The server side: what this machine knows of the environment (format_tunnel_info writes it).
Result<TunnelInfo> tunnel_info_of(Context& ctx, const std::filesystem::path& project, const std::string& env);

struct TunnelReady {
  std::string local_jupyter_url;  // the URL to open here (or paste into VS Code)
  int local_jupyter_port = 0;
  int local_ssh_port = 0;
  std::string ssh_host_block;     // a `Host dlenv-<env>` entry with ProxyJump through the server
  std::string known_hosts_file;   // where the environment's host key was recorded here
};

// Blocks until interrupted. `on_ready` is called once the forwards are up (and again after
// each reconnect with the same values).
Status tunnel(Context& ctx, const RemoteTarget& target, const std::string& env, const std::function<void(const TunnelReady&)>& on_ready);

}  // namespace dlenv::ops
