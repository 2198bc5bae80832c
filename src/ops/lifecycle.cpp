#include "ops/lifecycle.hpp"

#include <fmt/format.h>

#include "ops/env_views.hpp"
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

}  // namespace

Result<EnvView> down(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
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

Result<EnvView> rm(Context& ctx, const std::filesystem::path& project, const std::string& env) {
  auto target = DLENV_TRY(find_env(ctx, project, env));
  auto info = DLENV_TRY(ctx.engine().inspect_container(target.container));
  EnvView view;
  if (info) view = view_of_container(*info, ctx.host());
  view.name = target.name;
  view.project = target.project;
  view.container = target.container;
  DLENV_TRY_VOID(ctx.engine().remove_container(target.container, true));
  auto* store = DLENV_TRY(ctx.store());
  DLENV_TRY_VOID(store->remove_env(target.env_key));
  DLENV_TRY_VOID(store->record_history(target.env_key, "rm", target.container));
  if (view.ports.count("ssh")) {  // drop its Host block
    auto all = DLENV_TRY(ls(ctx, {}));
    DLENV_TRY(write_ssh_client_config(ctx, all));
  }
  view.state = "removed";
  return view;
}

}  // namespace dlenv::ops
