#include "ops/lifecycle.hpp"

#include <fmt/format.h>

#include "ops/env_views.hpp"
#include "ops/locks.hpp"
#include "plan/env_plan.hpp"
#include "ops/ls.hpp"
#include "ops/project_lookup.hpp"
#include "ops/ssh_access.hpp"

namespace dlenv::ops {
namespace {

Result<EnvView> require_container(Context& ctx, const EnvTarget& target) {
  auto info = DLENV_TRY(ctx.engine().inspect_container(target.container));
  if (!info)
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no container", target.name),
                fmt::format("'dlenv up {}' creates it", target.name));
  return view_of_container(*info, ctx.host());
}

// Removes what dlenv keeps of the environment on the host (secrets, lock file).
Status purge_host_state(Context& ctx, const std::string& container, FileLock& lock) {
  std::error_code ec;
  std::filesystem::remove_all(ctx.host().paths.secrets_dir() / container, ec);
  if (ec)
    return fail(ErrorCode::io, fmt::format("cannot remove the secrets of {}: {}", container, ec.message()),
                fmt::format("remove {} by hand", (ctx.host().paths.secrets_dir() / container).string()));
  lock.remove_file();
  return {};
}

// Removes the container, the record and its leases; the lock of the environment is held.
Result<EnvView> remove_locked(Context& ctx, const EnvTarget& target, const RmOptions& options, FileLock& lock) {
  auto info = DLENV_TRY(ctx.engine().inspect_container(target.container));
  EnvView view;
  if (info) view = view_of_container(*info, ctx.host());
  view.name = target.name;
  view.project = target.project;
  view.container = target.container;
  DLENV_TRY_VOID(ctx.engine().remove_container(target.container, true));
  auto* store = DLENV_TRY(ctx.store());
  DLENV_TRY_VOID(store->remove_env(target.env_key));
  DLENV_TRY_VOID(store->record_history(target.env_key, options.purge ? "rm --purge" : "rm", target.container));
  if (options.purge) DLENV_TRY_VOID(purge_host_state(ctx, target.container, lock));
  view.state = "removed";
  return view;
}

// Drops removed environments' Host blocks from ~/.ssh/dlenv/config.
Status refresh_ssh_config(Context& ctx) {
  auto all = DLENV_TRY(ls(ctx, {}));
  DLENV_TRY(write_ssh_client_config(ctx, all));
  return {};
}

}  // namespace

Result<EnvView> down(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  auto lock = DLENV_TRY(lock_named(ctx, target.container));
  auto view = DLENV_TRY(require_container(ctx, target));
  DLENV_TRY_VOID(ctx.engine().stop_container(target.container, 10));
  auto* store = DLENV_TRY(ctx.store());
  if (auto record = DLENV_TRY(store->get_env(target.env_key))) {
    record->state = "stopped";
    DLENV_TRY_VOID(store->put_env(*record));
  }
  DLENV_TRY_VOID(store->record_history(target.env_key, "down", target.container));
  view.state = "stopped";
  return view;
}

Result<EnvView> rm(Context& ctx, const std::filesystem::path& project, const std::string& env, const RmOptions& options) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  auto lock = DLENV_TRY(lock_named(ctx, target.container));
  auto view = DLENV_TRY(remove_locked(ctx, target, options, lock));
  if (view.ports.count("ssh")) DLENV_TRY_VOID(refresh_ssh_config(ctx));
  return view;
}

Result<std::vector<EnvView>> rm_incomplete(Context& ctx, const RmOptions& options) {
  std::vector<EnvView> removed;
  for (const auto& view : DLENV_TRY(ls(ctx, {}))) {
    if (!view.owned || view.state != "incomplete") continue;
    EnvTarget target{view.name, view.project, view.container, plan::env_key(view.project, view.name)};
    auto lock = DLENV_TRY(lock_named(ctx, target.container));
    // Under the lock: an `up` that was still working may have created it meanwhile.
    if (DLENV_TRY(ctx.engine().inspect_container(target.container))) continue;
    removed.push_back(DLENV_TRY(remove_locked(ctx, target, options, lock)));
  }
  return removed;
}

}  // namespace dlenv::ops
