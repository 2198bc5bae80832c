#pragma once
// Named locks between this user's dlenv processes, under DLENV_HOME/locks: one `up` of an
// environment at a time, one build of a layer at a time.
#include <string>

#include "ops/context.hpp"
#include "util/file_lock.hpp"

namespace dlenv::ops {

Result<FileLock> lock_named(Context& ctx, const std::string& name);

}  // namespace dlenv::ops
