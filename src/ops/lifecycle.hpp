#pragma once
// Stopping and removing environments. Caches, project files, secrets and images stay.
#include <filesystem>
#include <string>

#include "ops/context.hpp"
#include "ops/env_view.hpp"

namespace dlenv::ops {

// Stops the container; its ports stay leased, so the next `up` gets them again.
Result<EnvView> down(Context& ctx, const std::filesystem::path& project, const std::string& env);
// Removes the container and releases its ports.
Result<EnvView> rm(Context& ctx, const std::filesystem::path& project, const std::string& env);

}  // namespace dlenv::ops
