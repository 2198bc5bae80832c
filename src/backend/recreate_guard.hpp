#pragma once
// The one rule for re-creating a running environment (its kernels and sessions end): only with
// the user's word, given up front or asked. Shared by every back-end.
#include <string>
#include <vector>

#include "backend/backend.hpp"

namespace dlenv::backend {

// Ok when `options` allow re-creating the running environment `env` for `changes`; else a
// conflict that says what changed and how to go on.
Status allow_recreate(const std::string& env, const std::vector<std::string>& changes, const DeployOptions& options);

}  // namespace dlenv::backend
