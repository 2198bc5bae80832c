#pragma once
// `dlenv up`: build what is missing, lease ports, create or reuse the container, start it,
// wait until Jupyter answers. Idempotent: on a running, unchanged environment it changes
// nothing and returns the same view.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "backend/env_view.hpp"

namespace dlenv::ops {

struct UpOptions {
  std::filesystem::path project;   // a project dir or dlenv.toml; empty: search from the cwd
  std::vector<std::string> envs;   // empty: every environment of the project
  std::chrono::seconds ready_timeout{300};
  bool trust = false;              // accept (and record) the project's sensitive mounts (ops/mount_policy.hpp)
};

Result<std::vector<EnvView>> up(Context& ctx, const UpOptions& options);

}  // namespace dlenv::ops
