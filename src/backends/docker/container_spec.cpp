#include "backends/docker/container_spec.hpp"

#include <fmt/format.h>

namespace dlenv::docker {

engine::ContainerSpec container_spec(const plan::RunPlan& run, const std::map<std::string, int>& ports,
                                     const GpuPlacement& gpus, const std::string& network_id) {
  engine::ContainerSpec spec;
  spec.name = run.container_name;
  spec.image = run.image;
  spec.user = run.user;
  spec.workdir = run.workdir;
  spec.hostname = run.hostname;
  spec.env = run.env;
  spec.labels = run.labels;
  for (const auto& [service, port] : ports) spec.labels[plan::label::port_prefix + service] = std::to_string(port);
  for (const auto& m : run.mounts) spec.mounts.push_back({m.source, m.target, m.read_only});
  for (const auto& p : run.ports) spec.ports.push_back({fmt::format("{}/tcp", p.container_port), p.host_ip, ports.at(p.service)});
  spec.shm_size = run.shm_size;
  spec.init = true;
  spec.security_opt = run.security_opt;
  spec.cap_drop = run.cap_drop;
  spec.pids_limit = run.pids_limit;
  spec.memory = run.memory;
  spec.nano_cpus = run.nano_cpus;
  spec.restart_policy = run.restart_policy;
  spec.network = network_id;
  spec.gpus = gpus.assignment;
  spec.mounts.insert(spec.mounts.end(), gpus.mounts.begin(), gpus.mounts.end());
  return spec;
}

std::vector<std::string> container_differences(const engine::ContainerInfo& c, const plan::EnvPlan& plan,
                                               const std::string& image_id, const std::map<std::string, int>& ports) {
  std::vector<std::string> out;
  if (c.image != plan.run.image)
    out.push_back(fmt::format("the image ({} -> {})", c.image, plan.run.image));
  else if (c.image_id != image_id)
    out.push_back(fmt::format("the image {} was rebuilt", plan.run.image));
  // The spec hash covers the image tag too: when that changed it is named above instead.
  auto hash = c.labels.find(plan::label::spec_hash);
  if (c.image == plan.run.image && (hash == c.labels.end() || hash->second != plan.spec_hash))
    out.push_back("the container's settings (environment variables, mounts, GPUs, limits or services)");
  for (const auto& [service, port] : ports) {
    auto it = c.labels.find(plan::label::port_prefix + service);
    if (it == c.labels.end() || it->second != std::to_string(port))
      out.push_back(fmt::format("the {} port ({} -> {})", service, it == c.labels.end() ? "none" : it->second, port));
  }
  return out;
}

}  // namespace dlenv::docker
