#include "backends/docker/gpu_placement.hpp"

#include <algorithm>
#include <filesystem>

#include "host/driver_files.hpp"
#include "util/files.hpp"

namespace dlenv::docker {

bool has_nvidia_cdi_spec(const std::vector<std::string>& dirs, const std::string& root) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    auto base = std::filesystem::path(root) / std::filesystem::path(dir).relative_path();
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
      auto ext = entry.path().extension();
      if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
      auto text = read_file(entry.path());
      if (text && text->find("nvidia.com/gpu") != std::string::npos) return true;
    }
  }
  return false;
}

GpuPlacement place_gpus(const engine::EngineDetails& engine, const host::GpuFacts& facts,
                        const std::vector<host::Gpu>& gpus, bool all_gpus, const std::string& root) {
  GpuPlacement placement;
  if (gpus.empty()) return placement;
  using Mode = engine::GpuAssignment::Mode;
  auto& a = placement.assignment;
  if (std::find(engine.runtimes.begin(), engine.runtimes.end(), "nvidia") != engine.runtimes.end()) {
    a.mode = Mode::nvidia_runtime;
    placement.how = "nvidia runtime";
    if (all_gpus) a.device_ids = {"all"};
    else
      for (const auto& g : gpus) a.device_ids.push_back(g.uuid);
    return placement;
  }
  if (has_nvidia_cdi_spec(engine.cdi_spec_dirs, root)) {
    a.mode = Mode::cdi;
    placement.how = "CDI";
    if (all_gpus) a.device_ids = {"nvidia.com/gpu=all"};
    else
      for (const auto& g : gpus) a.device_ids.push_back("nvidia.com/gpu=" + g.uuid);
    return placement;
  }
  // Neither: inject what the driver installed.
  a.mode = Mode::direct;
  placement.how = "direct";
  auto files = host::discover_driver_files(facts, root);
  a.device_nodes = files.control_nodes;
  for (const auto& node : files.gpu_nodes) {
    bool wanted = all_gpus || std::any_of(gpus.begin(), gpus.end(), [&](const host::Gpu& g) { return g.uuid == node.uuid; });
    if (wanted) a.device_nodes.push_back(node.path);
  }
  for (const auto& m : files.mounts()) placement.mounts.push_back({m.host_path, m.container_path, true});
  placement.notes = files.notes;
  if (files.libraries.empty())
    placement.notes.push_back("no driver libraries were found to inject: CUDA will not work in the container");
  return placement;
}

}  // namespace dlenv::docker
