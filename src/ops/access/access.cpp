#include "ops/access/access.hpp"

#include <fmt/format.h>

#include "backend/secrets.hpp"
#include "ops/project_lookup.hpp"
#include "plan/run_plan.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

// The deployed environment, or conflict ("is not running", with 'dlenv up ENV') when stopped.
Result<EnvView> require_running(Context& ctx, const EnvRef& target) {
  auto view = DLENV_TRY(require_deployed(ctx, target));
  if (view.state != EnvState::running)
    return fail(ErrorCode::conflict, fmt::format("environment '{}' is not running", target.name),
                fmt::format("start it with 'dlenv up {}'", target.name));
  return view;
}

}  // namespace

Result<EnvView> describe(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  return require_deployed(ctx, target);
}

Result<EnvView> describe_running(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  return require_running(ctx, DLENV_TRY(find_env(ctx, project, env)));
}

Status logs(Context& ctx, const std::filesystem::path& project, const std::string& env, bool follow,
            const backend::OutputSink& sink) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  const auto view = DLENV_TRY(require_deployed(ctx, target));
  auto token = backend::read_jupyter_token(ctx.host().paths.secrets_dir() / target.container);
  // Jupyter prints the URLs it sees inside the container; the user opens the host's.
  std::vector<std::pair<std::string, std::string>> urls;
  if (auto port = view.ports.find("jupyter"); port != view.ports.end())
    for (const std::string& inside : {view.name, std::string("127.0.0.1"), std::string("localhost"), std::string("0.0.0.0")})
      urls.emplace_back(fmt::format("://{}:{}/", inside, plan::kJupyterContainerPort),
                        fmt::format("://{}:{}/", view.host, port->second));
  // Redact per line: buffer partial lines so a token split across chunks is still caught.
  std::string pending[2];
  auto redact_and_emit = [&](backend::Stream kind, std::string text) {
    if (token && !token->empty())
      for (auto pos = text.find(*token); pos != std::string::npos; pos = text.find(*token, pos + 3))
        text.replace(pos, token->size(), "***");
    for (const auto& [inside, outside] : urls) text = replace_all(text, inside, outside);
    sink(kind, text);
  };
  auto status = ctx.backend().logs(target, follow, [&](backend::Stream kind, std::string_view chunk) {
    auto& buf = pending[kind == backend::Stream::out ? 0 : 1];
    buf.append(chunk);
    auto nl = buf.rfind('\n');
    if (nl == std::string::npos) return;
    redact_and_emit(kind, buf.substr(0, nl + 1));
    buf.erase(0, nl + 1);
  });
  if (!pending[0].empty()) redact_and_emit(backend::Stream::out, pending[0]);
  if (!pending[1].empty()) redact_and_emit(backend::Stream::err, pending[1]);
  return status;
}

Result<int> exec(Context& ctx, const std::filesystem::path& project, const std::string& env,
                 const std::vector<std::string>& command, bool tty) {
  auto target = DLENV_TRY(find_env(ctx, project, env));  // looked up once
  DLENV_TRY(require_running(ctx, target));
  return ctx.backend().exec(target, {command, tty});
}

Result<int> shell(Context& ctx, const std::filesystem::path& project, const std::string& env, bool tty) {
  return exec(ctx, project, env, {"/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi"}, tty);
}

}  // namespace dlenv::ops
