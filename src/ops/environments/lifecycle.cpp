#include "ops/environments/lifecycle.hpp"

#include <system_error>

#include <fmt/format.h>

#include "backend/locks.hpp"
#include "ops/access/ssh_client_config.hpp"
#include "ops/environments/ls.hpp"
#include "ops/project_lookup.hpp"
#include "plan/env_plan.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

// Removes what dlenv keeps of the environment on the host (secrets, its home, lock file).
Status purge_host_state(Context& ctx, const std::string& container, FileLock& lock) {
  const auto& paths = ctx.host().paths;
  for (const auto& [what, dir] : {std::pair{"secrets", paths.secrets_dir() / container}, std::pair{"home", paths.home_of(container)}}) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec)
      return fail(ErrorCode::io, fmt::format("cannot remove the {} of {}: {}", what, container, ec.message()),
                  fmt::format("remove {} by hand", dir.string()));
  }
  lock.remove_file();
  return {};
}

// Removes the environment and gives back what it held; its lock is held.
Result<EnvView> remove_locked(Context& ctx, const EnvRef& target, const RmOptions& options, FileLock& lock) {
  auto found = DLENV_TRY(ctx.backend().find(target));
  EnvView view = found ? *found : EnvView{};
  view.name = target.name;
  view.project = target.project;
  view.container = target.container;
  DLENV_TRY_VOID(ctx.backend().remove(target, options.purge ? "rm --purge" : "rm"));
  if (options.purge) DLENV_TRY_VOID(purge_host_state(ctx, target.container, lock));
  view.state = EnvState::removed;
  return view;
}

// Drops removed environments' Host blocks from ~/.ssh/dlenv/config.
Status refresh_ssh_config(Context& ctx) {
  auto all = DLENV_TRY(ls(ctx, {}));
  DLENV_TRY(write_ssh_client_config(ctx, all));
  return {};
}

// What is left of an environment dlenv no longer knows (a plain `rm`, then the project went):
// its kept home and secrets, purged by container name.
Result<EnvView> purge_leftovers(Context& ctx, const std::string& container, Error not_found) {
  const auto& paths = ctx.host().paths;
  const bool plain_name = starts_with(container, "dlenv-") && container.find('/') == std::string::npos;
  std::error_code ec;
  if (!plain_name || (!std::filesystem::exists(paths.home_of(container), ec) &&
                      !std::filesystem::exists(paths.secrets_dir() / container, ec)))
    return fail(std::move(not_found));
  auto lock = DLENV_TRY(backend::lock_named(ctx.host(), container));
  DLENV_TRY_VOID(purge_host_state(ctx, container, lock));
  EnvView view;
  view.container = container;
  view.state = EnvState::removed;
  return view;
}

}  // namespace

Result<EnvView> down(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  auto lock = DLENV_TRY(backend::lock_named(ctx.host(), target.container));
  auto view = DLENV_TRY(require_deployed(ctx, target));
  DLENV_TRY_VOID(ctx.backend().stop(target));
  view.state = EnvState::stopped;
  return view;
}

Result<EnvView> rm(Context& ctx, const std::filesystem::path& project, const std::string& env, const RmOptions& options) {
  auto found = find_env(ctx, project, env);
  if (!found && found.error().code == ErrorCode::not_found && options.purge) return purge_leftovers(ctx, env, found.error());
  auto target = DLENV_TRY(std::move(found));
  auto lock = DLENV_TRY(backend::lock_named(ctx.host(), target.container));
  auto view = DLENV_TRY(remove_locked(ctx, target, options, lock));
  if (view.ports.count("ssh")) DLENV_TRY_VOID(refresh_ssh_config(ctx));
  // What stays: say where the home is.
  std::error_code ec;
  const auto home = ctx.host().paths.home_of(target.container);
  if (!options.purge && std::filesystem::exists(home, ec)) view.home = home.string();
  return view;
}

Result<std::vector<EnvView>> rm_incomplete(Context& ctx, const RmOptions& options) {
  std::vector<EnvView> removed;
  for (const auto& view : DLENV_TRY(ls(ctx, {}))) {
    if (!view.owned || view.state != EnvState::incomplete) continue;
    EnvRef target{view.name, view.project, view.container, plan::env_key(view.project, view.name)};
    auto lock = DLENV_TRY(backend::lock_named(ctx.host(), target.container));
    // Under the lock: an `up` that was still working may have made it meanwhile.
    if (DLENV_TRY(ctx.backend().find(target))) continue;
    removed.push_back(DLENV_TRY(remove_locked(ctx, target, options, lock)));
  }
  return removed;
}

}  // namespace dlenv::ops
