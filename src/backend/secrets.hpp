#pragma once
// Per-environment secrets in the user's state directory: a directory of mode 0700 holding
// files of mode 0600, mounted read-only into the container. Never in argv, env or labels.
#include <filesystem>
#include <optional>
#include <string>

#include "host/host_facts.hpp"
#include "util/error.hpp"

namespace dlenv::backend {

// The env's Jupyter token, created (32 random bytes, hex) on first use and kept after.
Result<std::string> ensure_jupyter_token(const std::filesystem::path& secrets_dir, const host::UserIdentity& user);
// The token when it exists and is readable.
std::optional<std::string> read_jupyter_token(const std::filesystem::path& secrets_dir);

}  // namespace dlenv::backend
