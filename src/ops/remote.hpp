#pragma once
// dlenv on a GPU server from a laptop: `remote` runs a dlenv command there over SSH; `tunnel`
// forwards an environment's Jupyter and SSH ports to loopback ports here, says how to reach
// them, and re-establishes the forwards when the connection drops, until Ctrl-C.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ops/context.hpp"

namespace dlenv::ops {

struct RemoteTarget {
  std::string destination;      // USER@SERVER (anything ssh accepts)
  std::string via;              // a jump host (ssh -J), or empty
  std::string dlenv = "dlenv";  // the dlenv program on the server
  std::vector<std::string> ssh_options;  // extra "-o" options, e.g. for tests
};

// usage error when the destination or jump host could be read by ssh as an option (a
// leading '-') or holds a control character.
Status check_remote_target(const RemoteTarget& target);

// The ssh command line that runs `dlenv <args>` on the server.
std::vector<std::string> remote_argv(const RemoteTarget& target, const std::vector<std::string>& dlenv_args);

// What `dlenv url ENV --tunnel-info` prints on the server, parsed.
struct TunnelInfo {
  std::string env;
  std::string container;
  std::string user;
  std::string jupyter_url;   // as on the server
  int jupyter_port = 0;      // server loopback ports
  int ssh_port = 0;
  std::string host_key;      // "ssh-ed25519 AAAA..."
};
Result<TunnelInfo> parse_tunnel_info(std::string_view text);
// The server side: what this machine knows of the environment, and its key=value form.
Result<TunnelInfo> tunnel_info_of(Context& ctx, const std::filesystem::path& project, const std::string& env);
// key=value lines: io error when a value (from labels, which anyone using the engine can
// write) holds a control character, which would add or change a line.
Result<std::string> format_tunnel_info(const TunnelInfo& info);

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
