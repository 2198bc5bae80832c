#pragma once
// `dlenv doctor`: each check of the host, the engine and the GPUs with its status and, when
// it is not fine, what to do. Never fails as a whole: a check that cannot run says why.
#include <string>
#include <vector>

#include "ops/context.hpp"

namespace dlenv::ops {

struct Check {
  enum class Status { ok, warn, fail, skip };
  std::string name;    // "engine", "runc", "gpu-runtime", ...
  Status status = Status::ok;
  std::string detail;  // what was found
  std::string remedy;  // what to do (empty when ok)
};

std::string_view to_string(Check::Status status);

struct DoctorOptions {
  bool run_gpu_container = true;  // start a short container to see whether it gets the GPUs
};

std::vector<Check> doctor(Context& ctx, const DoctorOptions& options);

// runc before 1.1.12 lets a container escape through a leaked fd (CVE-2024-21626).
bool runc_vulnerable_to_cve_2024_21626(const std::string& runc_version);
// Docker before 28 lets hosts on the same L2 segment reach ports published on 127.0.0.1
// (moby#45610). Podman is not affected this way.
bool docker_exposes_loopback_ports(const std::string& engine_version, bool podman);

}  // namespace dlenv::ops
