#include "ops/remote.hpp"

#include <thread>

#include <fmt/format.h>

#include "render/ssh_config.hpp"

#include "ops/access.hpp"
#include "ops/ownership.hpp"
#include "ops/port_checker.hpp"
#include "ops/ssh_access.hpp"
#include "util/digest.hpp"
#include "util/files.hpp"
#include "util/interrupt.hpp"
#include "util/subprocess.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

std::vector<std::string> ssh_base(const RemoteTarget& target) {
  std::vector<std::string> argv = {"ssh"};
  if (!target.via.empty()) argv.insert(argv.end(), {"-J", target.via});
  for (const auto& o : target.ssh_options) argv.insert(argv.end(), {"-o", o});
  return argv;
}

int free_local_port(int preferred, int avoid = 0) {
  if (preferred > 0 && preferred != avoid && can_bind_loopback(preferred)) return preferred;
  for (int port = 38000; port < 39000; ++port)
    if (port != avoid && can_bind_loopback(port)) return port;
  return 0;
}

}  // namespace

Status check_remote_target(const RemoteTarget& target) {
  for (const auto* value : {&target.destination, &target.via}) {
    if (value->starts_with("-") || has_control_char(*value))
      return fail(ErrorCode::usage, fmt::format("'{}' is not a server ssh can reach", abbreviate(*value)),
                  "write USER@SERVER (or a Host name from ~/.ssh/config); ssh options go in ~/.ssh/config");
  }
  return {};
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

Result<TunnelInfo> tunnel_info_of(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto view = DLENV_TRY(describe(ctx, project, env));
  TunnelInfo info;
  info.env = view.name;
  info.container = view.container;
  info.user = ssh_login(ctx.host().user);
  info.jupyter_url = view.jupyter_url;
  if (view.ports.count("jupyter")) info.jupyter_port = view.ports.at("jupyter");
  if (view.ports.count("ssh")) {
    info.ssh_port = view.ports.at("ssh");
    info.host_key = env_host_key(ctx.host().paths, view.container).value_or("");
  }
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

Status tunnel(Context& ctx, const RemoteTarget& target, const std::string& env, const std::function<void(const TunnelReady&)>& on_ready) {
  DLENV_TRY_VOID(check_remote_target(target));
  auto describe = DLENV_TRY(run_process(remote_argv(target, {"url", env, "--tunnel-info"})));
  if (describe.exit_code != 0)
    return fail(ErrorCode::io, fmt::format("'dlenv url {}' on {} failed: {}", env, target.destination, trim(describe.err)),
                "check that you can ssh to the server and that dlenv is installed there (--dlenv PATH)");
  auto info = DLENV_TRY(parse_tunnel_info(describe.out));

  TunnelReady ready;
  ready.local_jupyter_port = info.jupyter_port ? free_local_port(info.jupyter_port) : 0;
  ready.local_ssh_port = info.ssh_port ? free_local_port(info.ssh_port, ready.local_jupyter_port) : 0;
  if (info.jupyter_port) {
    std::string url = info.jupyter_url;
    auto host_end = url.find('/', url.find("//") + 2);
    ready.local_jupyter_url = fmt::format("http://127.0.0.1:{}{}", ready.local_jupyter_port, host_end == std::string::npos ? "/" : url.substr(host_end));
  }
  if (info.ssh_port && !info.host_key.empty()) {
    const auto& user = ctx.host().user;
    DLENV_TRY_VOID(make_dirs(user.home / ".ssh", 0700, owner_of(user)));
    DLENV_TRY_VOID(make_dirs(ssh_dir(user), 0700, owner_of(user)));
    // One file per server: a server can pin keys only for its own environments.
    auto known = ssh_dir(user) / fmt::format("known_hosts.remote-{}", sha256_hex(target.destination).substr(0, 12));
    std::string existing;
    if (auto text = read_file(known)) existing = *text;
    std::string line = trim(DLENV_TRY(render::known_hosts_line(info.container, info.host_key)));
    if (existing.find(line) == std::string::npos) {
      DLENV_TRY_VOID(write_file_atomic(known, existing + line + "\n", 0600));
      chown_to_user(known, user);
    }
    ready.known_hosts_file = known.string();
    render::SshHostBlock block;
    block.alias = "dlenv-" + info.env;
    block.port = info.ssh_port;
    block.user = info.user;
    block.proxy_jump = target.destination;
    block.host_key_alias = info.container;
    block.known_hosts_file = known.string();
    ready.ssh_host_block = DLENV_TRY(render::ssh_host_block(block));
  }

  auto argv = ssh_base(target);
  argv.insert(argv.end(), {"-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"});
  if (info.jupyter_port) argv.insert(argv.end(), {"-L", fmt::format("127.0.0.1:{}:127.0.0.1:{}", ready.local_jupyter_port, info.jupyter_port)});
  if (info.ssh_port) argv.insert(argv.end(), {"-L", fmt::format("127.0.0.1:{}:127.0.0.1:{}", ready.local_ssh_port, info.ssh_port)});
  argv.push_back(target.destination);

  while (!interrupted()) {
    std::thread announce([&] {
      // The forwards are up once the local port answers; then say so.
      for (int i = 0; i < 200 && !interrupted(); ++i) {
        int probe = ready.local_jupyter_port ? ready.local_jupyter_port : ready.local_ssh_port;
        if (!can_bind_loopback(probe)) {
          on_ready(ready);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    SubprocessOptions options;
    options.capture_stdout = false;
    auto ran = run_process(argv, options);
    announce.join();
    if (interrupted()) break;
    if (!ran) return fail(std::move(ran.error()));
    ctx.progress().phase(env, fmt::format("the connection to {} ended (exit {}): reconnecting", target.destination, ran->exit_code));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return {};
}

}  // namespace dlenv::ops
