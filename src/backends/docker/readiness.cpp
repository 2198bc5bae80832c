#include "backends/docker/readiness.hpp"

#include <fmt/format.h>

#include "util/interrupt.hpp"
#include "util/poll.hpp"
#include "util/text.hpp"

namespace dlenv::docker {
namespace {

// Checks on the container every this many probes: a stopped one will never answer.
constexpr int kProbesPerContainerCheck = 10;

// The container stopped before `what` answered: its exit code and last lines, `secret` redacted.
Error stopped_early(engine::Engine& engine, const std::string& env_name, const std::string& container, std::string_view what,
                    const std::string& secret, const std::optional<engine::ContainerInfo>& info) {
  std::string tail;
  (void)engine.logs(container, false, 20, [&](engine::StreamKind, std::string_view s) { tail += s; });
  if (!secret.empty())
    for (auto pos = tail.find(secret); pos != std::string::npos; pos = tail.find(secret)) tail.replace(pos, secret.size(), "***");
  return Error(ErrorCode::engine_api,
               fmt::format("the container of '{}' stopped before {} answered (exit code {})", env_name, what, info ? info->exit_code : -1),
               fmt::format("see 'dlenv logs {}'; its last lines were:\n{}", env_name, trim(tail)));
}

Status wait_until_ready(engine::Engine& engine, backend::Progress& progress, const std::string& env_name,
                        const std::string& container, std::string_view what, const std::string& where, const std::string& secret,
                        const std::function<bool()>& answers, std::chrono::seconds timeout) {
  progress.phase(env_name, fmt::format("waiting for {}", what));
  int probes = 0;
  auto ready = DLENV_TRY(poll_until(timeout, {std::chrono::milliseconds(100), std::chrono::milliseconds(100)}, [&]() -> Result<Poll> {
    if (interrupted())
      return fail(ErrorCode::interrupted, "interrupted", "run 'dlenv up' again to finish; 'dlenv ls' shows what exists");
    if (answers()) return Poll::done;
    if (++probes % kProbesPerContainerCheck == 0) {
      auto info = DLENV_TRY(engine.inspect_container(container));
      if (!info || !info->running()) return fail(stopped_early(engine, env_name, container, what, secret, info));
    }
    return Poll::again;
  }));
  if (!ready)
    return fail(ErrorCode::io, fmt::format("{} in '{}' did not answer on {} within {} s", what, env_name, where, timeout.count()),
                fmt::format("see 'dlenv logs {}'", env_name));
  return {};
}

}  // namespace

Status wait_for_services(const ReadinessProbes& probes, engine::Engine& engine, backend::Progress& progress,
                         const spec::EnvSpec& env, const plan::RunPlan& run, const std::map<std::string, int>& ports,
                         const std::string& token, std::chrono::seconds timeout) {
  if (env.jupyter) {
    const std::string url = fmt::format("http://127.0.0.1:{}{}api/status", ports.at("jupyter"), run.jupyter_base_url);
    auto answers = [&] {
      auto status = probes.http(url, {"Authorization: token " + token});
      return status && *status == 200;
    };
    DLENV_TRY_VOID(wait_until_ready(engine, progress, env.name, run.container_name, "Jupyter", url, token, answers, timeout));
  }
  if (env.ssh) {
    const int port = ports.at("ssh");
    auto answers = [&] { return probes.ssh(port); };
    DLENV_TRY_VOID(wait_until_ready(engine, progress, env.name, run.container_name, "sshd", fmt::format("127.0.0.1:{}", port), "",
                                    answers, timeout));
  }
  return {};
}

}  // namespace dlenv::docker
