#pragma once
// SSH into environments: a host key per environment (kept in its secrets, so its fingerprint
// survives rm/up and image upgrades), the keys allowed in, a dlenv identity for the user, and
// ~/.ssh/dlenv/config + known_hosts with one `Host dlenv-<env>` block per environment.
// ~/.ssh/config is only touched by install_ssh_include, on request.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "ops/env_view.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::ops {

// The login name inside environments: the user's name, or root for uid 0.
std::string ssh_login(const host::UserIdentity& user);

// An environment's SSH host key as "type base64" (no comment), when it has one.
std::optional<std::string> env_host_key(const host::Paths& paths, const std::string& container);

// ~/.ssh/dlenv of the user dlenv acts for.
std::filesystem::path ssh_dir(const host::UserIdentity& user);

// Creates the env's host key (once) and writes its authorized_keys: `env.authorized_keys`,
// else the user's ~/.ssh/authorized_keys and ~/.ssh/*.pub, plus the dlenv identity (created
// once) so `dlenv ssh` works.
Status prepare_ssh(Context& ctx, const spec::EnvSpec& env, const std::filesystem::path& secrets_dir);

// Rewrites ~/.ssh/dlenv/config and known_hosts for the user's environments that have SSH.
// Returns the config's path.
Result<std::filesystem::path> write_ssh_client_config(Context& ctx, const std::vector<EnvView>& envs);

// The `Host` alias of an environment in that config ("dlenv-<env>").
std::string ssh_alias(const EnvView& env, const std::vector<EnvView>& all);

// Adds `Include ~/.ssh/dlenv/config` at the top of ~/.ssh/config unless it is there.
// Returns true when it added the line.
Result<bool> install_ssh_include(Context& ctx);

}  // namespace dlenv::ops
