#pragma once
// What keeps one user's environments apart from other users and their containers: every
// environment of a user joins that user's own bridge network with inter-container traffic
// off, so containers (of any user, on any network) cannot reach its Jupyter or sshd; they are
// reached through their published 127.0.0.1 ports. The host itself can still reach a bridge
// address (Linux routes the host's own traffic to its bridges without the FORWARD chain that
// ICC is enforced in): there Jupyter's token and Host-header check and sshd's keys protect them.
#include <string>
#include <vector>

#include "host/host_facts.hpp"
#include "backend/progress.hpp"
#include "engine/engine.hpp"
#include "host/host_facts.hpp"
#include "plan/run_plan.hpp"

namespace dlenv::docker {

// The user's network, created when missing; returns its id (containers join it by id).
// Idempotent and safe when `up`s run at once: this user's processes take a lock, and since
// Docker 20.10 lets concurrent creates of one name all succeed (its duplicate check is not
// atomic), every process then takes the oldest network of the name and removes the one it
// made when that is not it. Fails with conflict when the network of that name was not made by
// dlenv for this user, or lets its containers reach each other.
Result<std::string> ensure_user_network(engine::Engine& engine, const host::HostFacts& host, const plan::NetworkPlan& network);

// What the user should hear before an environment of theirs runs: dlenv running as root
// itself (not through sudo) makes the container's user root.
std::vector<std::string> isolation_warnings(const host::UserIdentity& user);

// Reports isolation_warnings (Progress::notice) and ensures the run's network; returns the
// network id the container joins.
Result<std::string> prepare_isolation(engine::Engine& engine, const host::HostFacts& host, backend::Progress& progress,
                                      const std::string& env_name, const plan::RunPlan& run);

}  // namespace dlenv::docker
