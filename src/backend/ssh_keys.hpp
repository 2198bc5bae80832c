#pragma once
// The key material of SSH into environments, on the host: a host key per environment (kept
// in its secrets, so its fingerprint survives rm/up and image upgrades), the keys allowed in,
// and a dlenv identity for the user (~/.ssh/dlenv/id_ed25519). The client side (config and
// known_hosts) is ops/access/ssh_client_config.
#include <filesystem>
#include <optional>
#include <string>

#include "host/host_facts.hpp"
#include "spec/project_spec.hpp"
#include "util/error.hpp"

namespace dlenv::backend {

// The login name inside environments: the user's name, or root for uid 0.
std::string ssh_login(const host::UserIdentity& user);

// An environment's SSH host key as "type base64" (no comment), when it has one.
std::optional<std::string> env_host_key(const host::Paths& paths, const std::string& container);

// ~/.ssh/dlenv of the user dlenv acts for.
std::filesystem::path ssh_dir(const host::UserIdentity& user);

// Creates the env's host key (once) in `secrets_dir` and writes its authorized_keys:
// `env.authorized_keys`, else the user's ~/.ssh/authorized_keys and ~/.ssh/*.pub, plus the
// dlenv identity (created once) so `dlenv ssh` works.
Status prepare_ssh_keys(const host::UserIdentity& user, const spec::EnvSpec& env, const std::filesystem::path& secrets_dir);

}  // namespace dlenv::backend
