#pragma once
// `dlenv ls`: the environments the engine knows (labels are the truth), and the ones an
// interrupted `up` left before their container existed. Brings the store in line with the
// engine, so a deleted or stale database is rebuilt here.
#include <vector>

#include "ops/context.hpp"
#include "ops/env_view.hpp"

namespace dlenv::ops {

struct LsOptions {
  bool all_users = false;  // also other users' environments (their tokens stay unreadable)
};

Result<std::vector<EnvView>> ls(Context& ctx, const LsOptions& options);

}  // namespace dlenv::ops
