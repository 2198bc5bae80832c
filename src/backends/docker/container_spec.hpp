#pragma once
// The engine's container for a run plan, and whether an existing container still is it.
#include <map>
#include <string>
#include <vector>

#include "backends/docker/gpu_placement.hpp"
#include "engine/types.hpp"
#include "plan/env_plan.hpp"

namespace dlenv::docker {

// `ports`: service -> leased host port. `network_id`: the user's network (ensure_user_network),
// joined by id: after a race of creates its name may for a moment name two networks.
engine::ContainerSpec container_spec(const plan::RunPlan& run, const std::map<std::string, int>& ports,
                                     const GpuPlacement& gpus, const std::string& network_id);

// What differs between the existing container and this plan, image and ports, in words for
// the user ("the image (... -> ...)"); empty when the container still is the plan's.
std::vector<std::string> container_differences(const engine::ContainerInfo& container, const plan::EnvPlan& plan,
                                               const std::string& image_id, const std::map<std::string, int>& ports);

}  // namespace dlenv::docker
