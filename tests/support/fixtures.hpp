#pragma once
// Value fixtures for unit tests of the plan and render layers.
#include "host/host_facts.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::testing {

inline host::HostFacts sample_host(unsigned uid = 1000, unsigned gid = 1000, std::string name = "ada") {
  host::HostFacts h;
  h.user.uid = uid;
  h.user.gid = gid;
  h.user.name = std::move(name);
  h.user.home = "/home/" + h.user.name;
  h.paths.data_dir = "/home/" + h.user.name + "/.local/share/dlenv";
  h.paths.cache_dir = "/home/" + h.user.name + "/.cache";
  h.hostname = "gpu-server";
  return h;
}

inline spec::ProjectSpec sample_project(std::string dir = "/srv/projects/vision") {
  spec::ProjectSpec p;
  p.dir = dir;
  p.file = p.dir / "dlenv.toml";
  spec::EnvSpec e;
  e.name = "demo";
  e.base = "dlenv/debian:bookworm";
  e.apt = {"python3-numpy"};
  e.where = {p.file.string(), 1, 1};
  p.envs.push_back(e);
  return p;
}

// A saved `dlenv host --json` of a server with two A100s (driver 550, CUDA 12.4).
inline constexpr const char* kTwoA100Facts = R"({"driver_version": "550.54.15", "cuda_driver_version": "12.4", "gpus": [
  {"index": 0, "name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-aaaa", "compute_capability": "8.0", "memory_mib": 40960},
  {"index": 1, "name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-bbbb", "compute_capability": "8.0", "memory_mib": 40960}]})";

}  // namespace dlenv::testing
