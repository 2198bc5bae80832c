#pragma once
// The client side of SSH into environments: ~/.ssh/dlenv/config + known_hosts with one
// `Host dlenv-<env>` block per environment (the keys: backend/ssh_keys).
// ~/.ssh/config is only touched by install_ssh_include, on request.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ops/context.hpp"

namespace dlenv::ops {

// Rewrites ~/.ssh/dlenv/config and known_hosts for the user's environments that have SSH.
// Returns the config's path.
Result<std::filesystem::path> write_ssh_client_config(Context& ctx, const std::vector<EnvView>& envs);

// The `Host` alias of an environment in that config ("dlenv-<env>").
std::string ssh_alias(const EnvView& env, const std::vector<EnvView>& all);

// Adds `Include ~/.ssh/dlenv/config` at the top of ~/.ssh/config unless it is there.
// Returns true when it added the line.
Result<bool> install_ssh_include(Context& ctx);

}  // namespace dlenv::ops
