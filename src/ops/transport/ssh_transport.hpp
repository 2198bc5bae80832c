#pragma once
// Talking to a server over ssh, in one place: the argv of ssh for a dlenv command there and
// for port forwards, quoting of the server's words, and the key=value answer `dlenv url
// --tunnel-info` gives (both ends: written on the server, read on the laptop).
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

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

// The ProxyJump value that reaches the server the way `ssh_options` do: "[via,]destination",
// with ":PORT" when an ssh option sets the port ("Port=2222" or "Port 2222").
std::string jump_hosts(const RemoteTarget& target);

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
// key=value lines: io error when a value (from labels, which anyone using the engine can
// write) holds a control character, which would add or change a line.
Result<std::string> format_tunnel_info(const TunnelInfo& info);

// 127.0.0.1:local_port here -> 127.0.0.1:remote_port on the server.
struct Forward {
  int local_port = 0;
  int remote_port = 0;
};
// ssh -N with the forwards, keep-alives and ExitOnForwardFailure.
std::vector<std::string> forward_argv(const RemoteTarget& target, const std::vector<Forward>& forwards);

// `preferred` when it is free on loopback (and not `avoid`), else a free port in 38000-38999;
// 0 when none is.
int free_local_port(int preferred, int avoid = 0);

}  // namespace dlenv::ops
