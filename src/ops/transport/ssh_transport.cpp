#include "ops/transport/ssh_transport.hpp"

#include <fmt/format.h>

#include "util/loopback.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

std::vector<std::string> ssh_base(const RemoteTarget& target) {
  std::vector<std::string> argv = {"ssh"};
  if (!target.via.empty()) argv.insert(argv.end(), {"-J", target.via});
  for (const auto& o : target.ssh_options) argv.insert(argv.end(), {"-o", o});
  return argv;
}

}  // namespace

int free_local_port(int preferred, int avoid) {
  if (preferred > 0 && preferred != avoid && can_bind_loopback(preferred)) return preferred;
  for (int port = 38000; port < 39000; ++port)
    if (port != avoid && can_bind_loopback(port)) return port;
  return 0;
}

Status check_remote_target(const RemoteTarget& target) {
  for (const auto* value : {&target.destination, &target.via}) {
    if (value->starts_with("-") || has_control_char(*value))
      return fail(ErrorCode::usage, fmt::format("'{}' is not a server ssh can reach", abbreviate(*value)),
                  "write USER@SERVER (or a Host name from ~/.ssh/config); ssh options go in ~/.ssh/config");
  }
  return {};
}

std::string jump_hosts(const RemoteTarget& target) {
  std::string server = target.destination;
  for (const auto& option : target.ssh_options) {
    const std::string lowered = to_lower(option);
    if (!lowered.starts_with("port")) continue;
    std::string value = trim(option.substr(4));
    if (!value.empty() && value.front() == '=') value = trim(value.substr(1));
    if (auto port = parse_int(value); port && *port > 0 && *port < 65536 && server.find(':') == std::string::npos)
      server += ":" + std::to_string(*port);
  }
  return target.via.empty() ? server : target.via + "," + server;
}

std::vector<std::string> remote_argv(const RemoteTarget& target, const std::vector<std::string>& dlenv_args) {
  auto argv = ssh_base(target);
  argv.push_back(target.destination);
  argv.push_back("--");
  // The server's shell joins the words: quote each one.
  std::string command = shell_quote(target.dlenv);
  for (const auto& a : dlenv_args) command += " " + shell_quote(a);
  argv.push_back(command);
  return argv;
}

Result<TunnelInfo> parse_tunnel_info(std::string_view text) {
  TunnelInfo info;
  for (const auto& line : split(text, '\n')) {
    if (has_control_char(line))  // the server's answer reaches a terminal and ssh files
      return fail(ErrorCode::io, fmt::format("the server's answer holds a control character: {}", abbreviate(line)),
                  "is the same dlenv version installed there?");
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto key = line.substr(0, eq), value = trim(line.substr(eq + 1));
    auto port = [&]() -> Result<int> {
      auto n = parse_int(value);
      if (!n || *n < 1 || *n > 65535)
        return fail(ErrorCode::io, fmt::format("the server answered '{}' for {}", abbreviate(value), key),
                    "is the same dlenv version installed there?");
      return static_cast<int>(*n);
    };
    if (key == "env") info.env = value;
    else if (key == "container") info.container = value;
    else if (key == "user") info.user = value;
    else if (key == "jupyter_url") info.jupyter_url = value;
    else if (key == "jupyter_port") info.jupyter_port = DLENV_TRY(port());
    else if (key == "ssh_port") info.ssh_port = DLENV_TRY(port());
    else if (key == "host_key") info.host_key = value;
  }
  if (info.container.empty() || (info.jupyter_port == 0 && info.ssh_port == 0))
    return fail(ErrorCode::io, "the server did not describe the environment", "run 'dlenv remote SERVER -- up ENV' first; is dlenv installed there?");
  return info;
}

Result<std::string> format_tunnel_info(const TunnelInfo& info) {
  for (const auto* value : {&info.env, &info.container, &info.user, &info.jupyter_url, &info.host_key})
    if (has_control_char(*value))
      return fail(ErrorCode::io, fmt::format("cannot describe '{}': a value holds a control character", abbreviate(info.env)),
                  "its container's labels were changed outside dlenv; 'dlenv rm' it and 'dlenv up' again");
  std::string out = fmt::format("env={}\ncontainer={}\nuser={}\n", info.env, info.container, info.user);
  if (info.jupyter_port) out += fmt::format("jupyter_port={}\njupyter_url={}\n", info.jupyter_port, info.jupyter_url);
  if (info.ssh_port) out += fmt::format("ssh_port={}\n", info.ssh_port);
  if (!info.host_key.empty()) out += fmt::format("host_key={}\n", info.host_key);
  return out;
}

std::vector<std::string> forward_argv(const RemoteTarget& target, const std::vector<Forward>& forwards) {
  auto argv = ssh_base(target);
  argv.insert(argv.end(), {"-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"});
  for (const auto& f : forwards) argv.insert(argv.end(), {"-L", fmt::format("127.0.0.1:{}:127.0.0.1:{}", f.local_port, f.remote_port)});
  argv.push_back(target.destination);
  return argv;
}

}  // namespace dlenv::ops
