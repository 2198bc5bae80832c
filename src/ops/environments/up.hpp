#pragma once
// `dlenv up`: build what is missing, lease ports, create or reuse the container, start it,
// wait until Jupyter answers. Idempotent: on a running, unchanged environment it changes
// nothing and returns the same view.
#include <chrono>
#include <filesystem>
#include <functional>
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
  bool recreate = false;           // re-create a running environment whose settings changed (its kernels end)
  // Asked otherwise, with the changes in words; unset: such an environment is refused and left running.
  std::function<bool(const std::string& env, const std::vector<std::string>& changes)> confirm_recreate{};
};

Result<std::vector<EnvView>> up(Context& ctx, const UpOptions& options);

}  // namespace dlenv::ops
