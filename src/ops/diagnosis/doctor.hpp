#pragma once
// `dlenv doctor`: each check of the back-end (Backend::diagnose: for Docker the engine, runc,
// published ports, disk, GPUs in containers), the NVIDIA driver and dlenv's state, with its
// status and, when it is not fine, what to do. Never fails as a whole: a check that cannot run
// says why.
#include <vector>

#include "backend/check.hpp"
#include "ops/context.hpp"

namespace dlenv::ops {

using backend::Check;

struct DoctorOptions {
  bool run_gpu_container = true;  // start a short workload to see whether it gets the GPUs
};

std::vector<Check> doctor(Context& ctx, const DoctorOptions& options);

}  // namespace dlenv::ops
