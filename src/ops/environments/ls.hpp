#pragma once
// `dlenv ls`: the environments the back-end knows, and the ones an interrupted `up` left
// before they existed (state incomplete). The Docker back-end brings its state database in
// line with the containers' labels here, so a deleted or stale database is rebuilt.
#include <vector>

#include "ops/context.hpp"
#include "backend/env_view.hpp"

namespace dlenv::ops {

struct LsOptions {
  bool all_users = false;  // also other users' environments (their tokens stay unreadable)
  bool measure_homes = false;  // walk the user's kept homes for their size (the `ls` command; slow for big ones)
};

Result<std::vector<EnvView>> ls(Context& ctx, const LsOptions& options);

}  // namespace dlenv::ops
