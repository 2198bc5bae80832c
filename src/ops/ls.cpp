#include "ops/ls.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "ops/env_views.hpp"
#include "plan/env_plan.hpp"

namespace dlenv::ops {

Result<std::vector<EnvView>> ls(Context& ctx, const LsOptions& options) {
  const auto uid = std::to_string(ctx.host().user.uid);
  engine::Labels filter = {{plan::label::managed, "1"}};
  if (!options.all_users) filter[plan::label::owner] = uid;
  auto containers = DLENV_TRY(ctx.engine().list_containers(filter));

  std::vector<EnvView> views;
  std::set<std::string> live_keys;
  auto* store = DLENV_TRY(ctx.store());
  std::set<std::tuple<int, std::string, std::string>> leased;
  for (const auto& l : DLENV_TRY(store->all_ports())) leased.insert({l.port, l.env_key, l.service});
  for (const auto& c : containers) {
    auto view = view_of_container(c, ctx.host());
    if (view.owned) {
      auto key = plan::env_key(view.project, view.name);
      live_keys.insert(key);
      auto previous = DLENV_TRY(store->get_env(key));
      store::EnvRecord record{key, view.project, view.name, c.name, c.id, c.image,
                              label_or(c.labels, plan::label::spec_hash),
                              view.state, 0};
      if (!previous || previous->state != record.state || previous->container_id != record.container_id)
        DLENV_TRY_VOID(store->put_env(record));
      for (const auto& [service, port] : view.ports)
        if (!leased.count({port, key, service})) DLENV_TRY_VOID(store->adopt_port({port, key, service}));
    }
    views.push_back(std::move(view));
  }

  // Records without a container: an `up` that has not created it yet (or was interrupted)
  // shows as incomplete; anything else was removed behind dlenv's back and is forgotten.
  for (const auto& record : DLENV_TRY(store->list_envs())) {
    if (live_keys.count(record.key)) continue;
    if (record.state == "starting") {
      EnvView v;
      v.name = record.name;
      v.project = record.project;
      v.state = "incomplete";
      v.container = record.container_name;
      v.image = record.image;
      v.uid = ctx.host().user.uid;
      v.gid = ctx.host().user.gid;
      for (const auto& lease : DLENV_TRY(store->ports_of(record.key))) v.ports[lease.service] = lease.port;
      views.push_back(std::move(v));
    } else {
      DLENV_TRY_VOID(store->remove_env(record.key));
    }
  }
  std::sort(views.begin(), views.end(), [](const EnvView& a, const EnvView& b) {
    return std::tie(a.project, a.name) < std::tie(b.project, b.name);
  });
  return views;
}

}  // namespace dlenv::ops
