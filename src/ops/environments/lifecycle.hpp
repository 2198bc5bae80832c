#pragma once
// Stopping and removing environments. Caches, project files and images stay; the home and the
// secrets (the Jupyter token, the SSH host key) stay too unless purged, so a later `up` of the
// same environment keeps its files in ~ and its host key. Both take the environment's lock: an `up` of it that is
// running finishes first (and one that starts meanwhile waits).
#include <filesystem>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "backend/env_view.hpp"

namespace dlenv::ops {

struct RmOptions {
  bool purge = false;  // also its home, secrets and lock file: nothing of it is left
};

// Stops the container; its ports stay leased, so the next `up` gets them again.
Result<EnvView> down(Context& ctx, const std::filesystem::path& project, const std::string& env);
// Removes the container and releases its ports. `env` may also be a container name, so an
// environment whose project folder is gone can be removed.
Result<EnvView> rm(Context& ctx, const std::filesystem::path& project, const std::string& env, const RmOptions& options = {});
// Removes every environment of this user whose `up` never created its container (state
// "incomplete" in `ls`): releases their ports, and purges them when asked.
Result<std::vector<EnvView>> rm_incomplete(Context& ctx, const RmOptions& options = {});

}  // namespace dlenv::ops
