#pragma once
// How an environment's GPUs reach its container, using the engine's own GPU support when it
// has it: the nvidia runtime (device requests by UUID), else a CDI spec for nvidia.com/gpu
// (Docker 25+ lists its CDI directories), else direct injection: the device nodes plus the
// host driver's user-space libraries and nvidia-smi, found from the installed driver version.
#include <string>
#include <vector>

#include "engine/types.hpp"
#include "host/gpu_facts.hpp"
#include "util/error.hpp"

namespace dlenv::docker {

struct GpuPlacement {
  engine::GpuAssignment assignment;
  std::vector<engine::BindMount> mounts;  // direct injection: driver libraries and binaries (read-only)
  std::string how;                        // "nvidia runtime", "CDI", "direct", "" (no GPUs)
  std::vector<std::string> notes;
};

// `root` is where driver files are looked for ("/" on the real host).
GpuPlacement place_gpus(const engine::EngineDetails& engine, const host::GpuFacts& facts,
                        const std::vector<host::Gpu>& gpus, bool all_gpus, const std::string& root = "/");

// True when a CDI spec in one of `dirs` describes nvidia.com/gpu devices.
bool has_nvidia_cdi_spec(const std::vector<std::string>& dirs, const std::string& root = "/");

}  // namespace dlenv::docker
