#include "backends/docker/isolation.hpp"

#include <fmt/format.h>

#include "backend/locks.hpp"

namespace dlenv::docker {
namespace {

// Made by dlenv for this plan's owner, with inter-container traffic off.
bool is_planned(const engine::NetworkInfo& found, const plan::NetworkPlan& network) {
  for (const auto& [key, value] : network.labels) {
    const auto it = found.labels.find(key);
    if (it == found.labels.end() || it->second != value) return false;
  }
  return found.inter_container == network.inter_container;
}

Result<std::string> checked(const engine::NetworkInfo& found, const plan::NetworkPlan& network) {
  if (is_planned(found, network)) return found.id;
  return fail(ErrorCode::conflict,
              fmt::format("a network named {} exists that dlenv did not make for this user (its labels or its "
                          "inter-container setting differ)",
                          network.name),
              fmt::format("see `docker network inspect {}`; remove it (`docker network rm {}`) and run 'dlenv up' again",
                          network.name, network.name));
}

}  // namespace

Result<std::string> ensure_user_network(engine::Engine& engine, const host::HostFacts& host, const plan::NetworkPlan& network) {
  auto existing = DLENV_TRY(engine.find_networks(network.name));
  if (!existing.empty()) return checked(existing.front(), network);

  // This user's processes (sharing DLENV_HOME) create it one at a time; others are handled below.
  auto lock = DLENV_TRY(backend::lock_named(host, "network-" + network.name));
  existing = DLENV_TRY(engine.find_networks(network.name));
  if (!existing.empty()) return checked(existing.front(), network);

  engine::NetworkSpec spec;
  spec.name = network.name;
  spec.labels = network.labels;
  spec.inter_container = network.inter_container;
  auto created = engine.create_network(spec);
  if (!created && created.error().code != ErrorCode::conflict)  // conflict: another `up` made it first
    return fail(std::move(created.error()).while_(fmt::format("while creating the network {}", network.name)));
  auto found = DLENV_TRY(engine.find_networks(network.name));
  if (found.empty())
    return fail(Error(ErrorCode::engine_api, fmt::format("the network {} vanished while it was being created", network.name),
                      "run 'dlenv up' again")
                    .retry());
  // Several after a race: all agree on the oldest; the one this process made goes if it is another.
  if (created && *created != found.front().id) (void)engine.remove_network(*created);
  return checked(found.front(), network);
}

std::vector<std::string> isolation_warnings(const host::UserIdentity& user) {
  if (user.uid != 0 || user.via_sudo) return {};
  return {"dlenv is running as root itself (not through sudo), so the environment runs as root in its container "
          "(without capabilities) and the files it writes into the project are root's; run dlenv as your own user "
          "(a member of the docker group) or through sudo to work as yourself"};
}

Result<std::string> prepare_isolation(engine::Engine& engine, const host::HostFacts& host, backend::Progress& progress,
                                      const std::string& env_name, const plan::RunPlan& run) {
  for (const auto& warning : isolation_warnings(host.user)) progress.notice(fmt::format("{}: {}", env_name, warning));
  return ensure_user_network(engine, host, run.network);
}

}  // namespace dlenv::docker
