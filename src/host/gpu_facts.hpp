#pragma once
// What the host's NVIDIA driver and GPUs are, and where each fact came from. Produced by
// host::probe_gpus (NVML, the CUDA driver API, /proc, nvidia-smi, under an overridable root)
// or read back from a saved `dlenv host --json` (DLENV_HOST_FACTS / --host FILE).
#include <optional>
#include <string>
#include <vector>

#include "util/version.hpp"

namespace dlenv::host {

struct Gpu {
  int index = 0;
  std::string name;                // "NVIDIA H100 80GB HBM3"
  std::string uuid;                // "GPU-..."
  Version compute_capability;      // 9.0
  long long memory_mib = 0;
  std::string source;              // "nvml", "nvidia-smi", "file"
};

struct GpuDriver {
  Version version;                 // 580.65.06
  Version cuda_driver_version;     // 13.0: the highest CUDA the driver supports (cuDriverGetVersion)
  std::string version_source;      // "nvml", "/proc/driver/nvidia/version", "nvidia-smi", "file"
  std::string cuda_source;         // "cuDriverGetVersion", "nvml", "nvidia-smi", "file"
};

struct GpuFacts {
  std::optional<GpuDriver> driver;  // nullopt: no NVIDIA driver found
  std::vector<Gpu> gpus;
  std::string origin;               // "probe" or the path of the facts file
  std::vector<std::string> notes;   // why something is missing ("libnvidia-ml.so.1 not found")
};

}  // namespace dlenv::host
