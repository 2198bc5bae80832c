#pragma once
// Pure text: one build context that makes an environment's whole image from its base, for a
// teammate's machine: every layer dlenv builds (system, framework, project, user) as a stage of
// one multi-stage Dockerfile, each layer's files under "<stage>/". The same layer renderer
// writes each stage, so the image is made the way `dlenv up` makes it.
#include <vector>

#include "plan/build_plan.hpp"
#include "render/build_context.hpp"
#include "util/error.hpp"

namespace dlenv::render {

// Stage i is "<kind>" (system, framework, project, user), FROM the base (i = 0) or the stage
// before; the last stage is the environment's image. Errors as render_layer's.
Result<BuildContext> render_shared_build(const std::vector<plan::ImageLayer>& layers);

}  // namespace dlenv::render
