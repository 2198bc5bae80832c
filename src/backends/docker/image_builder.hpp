#pragma once
// Builds the layers of a BuildPlan that are not yet images, in order. A layer whose tag
// exists is reused as it is: the tag is the content hash.
#include <string>

#include "backend/progress.hpp"
#include "engine/engine.hpp"
#include "host/host_facts.hpp"
#include "plan/build_plan.hpp"

namespace dlenv::docker {

Status ensure_images(engine::Engine& engine, const host::HostFacts& host, backend::Progress& progress,
                     const std::string& subject, const plan::BuildPlan& plan);

}  // namespace dlenv::docker
