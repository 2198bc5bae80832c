#pragma once
// The Docker back-end's part of `dlenv doctor`: the engine, runc, ports published on
// loopback, free disk where images live, and whether containers get the GPUs.
#include <string>
#include <vector>

#include "backend/check.hpp"
#include "engine/engine.hpp"
#include "host/gpu_facts.hpp"
#include "spec/settings.hpp"

namespace dlenv::docker {

// `facts`: the host's GPUs (checks of GPUs in containers need them). `probe_gpus`: start a
// short container to see whether it gets them.
std::vector<backend::Check> engine_checks(engine::Engine& engine, const Result<host::GpuFacts>& facts,
                                          const spec::Settings& settings, bool probe_gpus);

// runc before 1.1.12 lets a container escape through a leaked fd (CVE-2024-21626).
bool runc_vulnerable_to_cve_2024_21626(const std::string& runc_version);
// Docker before 28 lets hosts on the same L2 segment reach ports published on 127.0.0.1
// (moby#45610). Podman is not affected this way.
bool docker_exposes_loopback_ports(const std::string& engine_version, bool podman);

}  // namespace dlenv::docker
