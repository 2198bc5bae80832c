#include "ops/access.hpp"

#include <fmt/format.h>

#include "ops/env_views.hpp"
#include "ops/project_lookup.hpp"
#include "ops/secrets.hpp"
#include "plan/env_plan.hpp"

namespace dlenv::ops {
namespace {

struct Running {
  EnvTarget target;
  engine::ContainerInfo info;
};

Result<engine::ContainerInfo> container_of(Context& ctx, const EnvTarget& target) {
  auto info = DLENV_TRY(ctx.engine().inspect_container(target.container));
  if (!info)
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no container", target.name),
                fmt::format("'dlenv up {}' creates it", target.name));
  return *info;
}

Result<Running> running(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  auto info = DLENV_TRY(container_of(ctx, target));
  if (!info.running())
    return fail(ErrorCode::conflict, fmt::format("environment '{}' is not running", env), fmt::format("start it with 'dlenv up {}'", env));
  return Running{target, info};
}

}  // namespace

Result<EnvView> describe(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  return view_of_container(DLENV_TRY(container_of(ctx, target)), ctx.host());
}

Status logs(Context& ctx, const std::filesystem::path& project, const std::string& env, bool follow,
            const engine::OutputFn& sink) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  DLENV_TRY(container_of(ctx, target));
  auto token = read_jupyter_token(ctx.host().paths.secrets_dir() / target.container);
  // Redact per line: buffer partial lines so a token split across chunks is still caught.
  std::string pending[2];
  auto redact_and_emit = [&](engine::StreamKind kind, std::string text) {
    if (token && !token->empty())
      for (auto pos = text.find(*token); pos != std::string::npos; pos = text.find(*token, pos + 3))
        text.replace(pos, token->size(), "***");
    sink(kind, text);
  };
  auto status = ctx.engine().logs(target.container, follow, std::nullopt, [&](engine::StreamKind kind, std::string_view chunk) {
    auto& buf = pending[kind == engine::StreamKind::out ? 0 : 1];
    buf.append(chunk);
    auto nl = buf.rfind('\n');
    if (nl == std::string::npos) return;
    redact_and_emit(kind, buf.substr(0, nl + 1));
    buf.erase(0, nl + 1);
  });
  if (!pending[0].empty()) redact_and_emit(engine::StreamKind::out, pending[0]);
  if (!pending[1].empty()) redact_and_emit(engine::StreamKind::err, pending[1]);
  return status;
}

Result<int> exec(Context& ctx, const std::filesystem::path& project, const std::string& env,
                 const std::vector<std::string>& command, bool tty) {
  auto r = DLENV_TRY(running(ctx, project, env));
  engine::ExecRequest request;
  request.cmd = command;
  request.user = label_or(r.info.labels, plan::label::user);
  request.workdir = label_or(r.info.labels, plan::label::workdir);
  request.tty = tty;
  return ctx.engine().exec_attached(r.target.container, request);
}

Result<int> shell(Context& ctx, const std::filesystem::path& project, const std::string& env, bool tty) {
  return exec(ctx, project, env, {"/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi"}, tty);
}

}  // namespace dlenv::ops
