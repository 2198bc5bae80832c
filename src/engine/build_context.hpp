#pragma once
// Internal to the engine layer: the tar archive sent as a build context.
#include <string>
#include <vector>

#include "engine/types.hpp"
#include "util/error.hpp"

namespace dlenv::engine::detail {

// An uncompressed tar of `files` (parent directories added), built in memory. Entries have
// fixed owners and timestamps so equal inputs give equal archives. Fails with
// ErrorCode::internal on a path that is absolute, empty or climbs out with "..".
Result<std::string> make_build_context(const std::vector<BuildFile>& files);

}  // namespace dlenv::engine::detail
