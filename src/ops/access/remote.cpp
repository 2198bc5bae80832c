#include "ops/access/remote.hpp"

#include <thread>

#include <fmt/format.h>

#include "render/ssh_config.hpp"

#include "ops/access/access.hpp"
#include "backend/ownership.hpp"
#include "ops/transport/ssh_transport.hpp"
#include "util/loopback.hpp"
#include "backend/ssh_keys.hpp"
#include "util/digest.hpp"
#include "util/files.hpp"
#include "util/interrupt.hpp"
#include "util/poll.hpp"
#include "util/subprocess.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
Result<TunnelInfo> tunnel_info_of(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto view = DLENV_TRY(describe_running(ctx, project, env));
  TunnelInfo info;
  info.env = view.name;
  info.container = view.container;
  info.user = backend::ssh_login(ctx.host().user);
  info.jupyter_url = view.jupyter_url;
  if (view.ports.count("jupyter")) info.jupyter_port = view.ports.at("jupyter");
  if (view.ports.count("ssh")) {
    info.ssh_port = view.ports.at("ssh");
    info.host_key = backend::env_host_key(ctx.host().paths, view.container).value_or("");
  }
  return info;
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
    DLENV_TRY_VOID(make_dirs(user.home / ".ssh", 0700, backend::owner_of(user)));
    DLENV_TRY_VOID(make_dirs(backend::ssh_dir(user), 0700, backend::owner_of(user)));
    // One file per server: a server can pin keys only for its own environments.
    auto known = backend::ssh_dir(user) / fmt::format("known_hosts.remote-{}", sha256_hex(target.destination).substr(0, 12));
    std::string existing;
    if (auto text = read_file(known)) existing = *text;
    std::string line = trim(DLENV_TRY(render::known_hosts_line(info.container, info.host_key)));
    if (existing.find(line) == std::string::npos) {
      DLENV_TRY_VOID(write_file_atomic(known, existing + line + "\n", 0600));
      backend::chown_to_user(known, user);
    }
    ready.known_hosts_file = known.string();
    render::SshHostBlock block;
    block.alias = "dlenv-" + info.env;
    block.port = info.ssh_port;
    block.user = info.user;
    block.proxy_jump = jump_hosts(target);
    block.host_key_alias = info.container;
    block.known_hosts_file = known.string();
    ready.ssh_host_block = DLENV_TRY(render::ssh_host_block(block));
  }

  std::vector<Forward> forwards;
  if (info.jupyter_port) forwards.push_back({ready.local_jupyter_port, info.jupyter_port});
  if (info.ssh_port) forwards.push_back({ready.local_ssh_port, info.ssh_port});
  const auto argv = forward_argv(target, forwards);

  while (!interrupted()) {
    std::thread announce([&] {
      // The forwards are up once the local port is taken (by ssh); then say so.
      const int probe = ready.local_jupyter_port ? ready.local_jupyter_port : ready.local_ssh_port;
      auto up = poll_until(std::chrono::seconds(20), {std::chrono::milliseconds(100), std::chrono::milliseconds(100)},
                           [&]() -> Result<Poll> { return can_bind_loopback(probe) ? Poll::again : Poll::done; });
      if (up && *up) on_ready(ready);
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
