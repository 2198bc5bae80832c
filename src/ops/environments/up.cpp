#include "ops/environments/up.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "backend/locks.hpp"
#include "ops/access/ssh_client_config.hpp"
#include "ops/environments/ls.hpp"
#include "ops/environments/mount_policy.hpp"
#include "ops/prepare.hpp"
#include "ops/project_lookup.hpp"
#include "plan/env_plan.hpp"
#include "util/file_lock.hpp"
#include "util/interrupt.hpp"

namespace dlenv::ops {
namespace {

Status check_interrupt() {
  if (interrupted())
    return fail(ErrorCode::interrupted, "interrupted", "run 'dlenv up' again to finish; 'dlenv ls' shows what exists");
  return {};
}

Result<EnvView> up_one(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& as_written, const UpOptions& options) {
  DLENV_TRY_VOID(check_interrupt());
  auto& backend = ctx.backend();
  // Sensitive mounts need the user's word before anything is built; the back-end then gets
  // the real paths that were checked.
  DLENV_TRY_VOID(check_mounts(ctx, project, as_written, backend.control_paths(), options.trust));
  const spec::EnvSpec env = DLENV_TRY(with_real_mount_sources(ctx, as_written));

  // N free GPUs: choose them and deploy under one lock, so two `up`s do not take the same.
  std::optional<FileLock> gpu_lock;
  if (env.gpus.kind == spec::GpuRequest::Kind::count) gpu_lock.emplace(DLENV_TRY(backend::lock_named(ctx.host(), "gpu-selection")));
  PrepareOptions prepare_options;
  prepare_options.missing_base = PrepareOptions::MissingBase::fetch;
  auto prepared = DLENV_TRY(prepare(ctx, project, env, prepare_options));
  DLENV_TRY_VOID(require_compatible(prepared));
  // One `up` of this environment at a time: a second waits and then finds it running.
  auto env_lock = DLENV_TRY(backend::lock_named(ctx.host(), prepared.plan.run.container_name));
  DLENV_TRY_VOID(check_interrupt());
  return backend.deploy(prepared, {.ready_timeout = options.ready_timeout,
                                   .recreate_running = options.recreate,
                                   .confirm_recreate = options.confirm_recreate});
}

}  // namespace

Result<std::vector<EnvView>> up(Context& ctx, const UpOptions& options) {
  auto project = DLENV_TRY(load_project_at(options.project));
  auto envs = DLENV_TRY(select_envs(project, options.envs));
  DLENV_TRY_VOID(ctx.backend().check_reachable());
  std::vector<EnvView> views;
  for (const auto* env : envs) {
    auto view = up_one(ctx, project, *env, options);
    if (!view) return fail(std::move(view.error()).while_(fmt::format("while bringing up '{}'", env->name)));
    views.push_back(std::move(*view));
  }
  // Editors reach the environments through ~/.ssh/dlenv/config: bring it up to date.
  if (std::any_of(envs.begin(), envs.end(), [](const spec::EnvSpec* e) { return e->ssh; })) {
    auto all = DLENV_TRY(ls(ctx, {}));
    DLENV_TRY(write_ssh_client_config(ctx, all));
  }
  return views;
}

}  // namespace dlenv::ops
