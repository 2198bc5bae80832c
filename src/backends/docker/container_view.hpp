#pragma once
// Environments as the Docker back-end sees them: EnvViews from containers and their labels
// ("labels are the truth"), and which GPUs the containers hold.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backend/env_view.hpp"
#include "backend/gpu_use.hpp"
#include "engine/types.hpp"
#include "host/host_facts.hpp"

namespace dlenv::docker {

// The value of `key` in `labels`, or `fallback`.
std::string label_or(const engine::Labels& labels, const std::string& key, std::string fallback = {});

// The TCP port a dlenv.port.* label names; nullopt unless it is a whole number in 1-65535
// (labels may be written by anyone who can use the engine).
std::optional<int> port_of_label(const std::string& value);

// The view of a dlenv container; the token is read only for the user's own environments.
backend::EnvView view_of_container(const engine::ContainerInfo& container, const host::HostFacts& host);

// What dlenv containers hold, from their dlenv.gpus labels (`except` is not counted).
std::map<std::string, backend::GpuUse> gpu_use_of(const std::vector<engine::ContainerInfo>& containers,
                                                  const std::string& except = {});

}  // namespace dlenv::docker
