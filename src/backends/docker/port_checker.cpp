#include "backends/docker/port_checker.hpp"

#include "plan/env_plan.hpp"
#include "backends/docker/container_view.hpp"
#include "util/loopback.hpp"
#include "util/text.hpp"

namespace dlenv::docker {

Result<PortChecker> PortChecker::snapshot(engine::Engine& engine, const std::string& own_container) {
  PortChecker checker;
  auto containers = DLENV_TRY(engine.list_containers({}));
  for (const auto& c : containers) {
    if (c.name == own_container) continue;
    for (const auto& p : c.ports)
      if (p.host_port > 0) checker.taken_.insert(p.host_port);
    for (const auto& [key, value] : c.labels) {
      if (!starts_with(key, plan::label::port_prefix)) continue;
      if (auto port = port_of_label(value)) checker.taken_.insert(*port);
    }
  }
  return checker;
}

bool PortChecker::usable(int port) const { return !taken_.count(port) && can_bind_loopback(port); }

}  // namespace dlenv::docker
