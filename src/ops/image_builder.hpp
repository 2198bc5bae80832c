#pragma once
// Builds the layers of a BuildPlan that are not yet images, in order. A layer whose tag
// exists is reused as it is: the tag is the content hash.
#include <string>

#include "ops/context.hpp"
#include "plan/build_plan.hpp"

namespace dlenv::ops {

Status ensure_images(Context& ctx, const std::string& subject, const plan::BuildPlan& plan);

}  // namespace dlenv::ops
