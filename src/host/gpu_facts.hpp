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

  friend bool operator==(const Gpu&, const Gpu&) = default;
};

struct GpuDriver {
  Version version;                 // 580.65.06
  Version cuda_driver_version;     // 13.0: the highest CUDA the driver supports (cuDriverGetVersion)
  std::string version_source;      // "nvml", "/proc/driver/nvidia/version", "nvidia-smi", "file"
  std::string cuda_source;         // "cuDriverGetVersion", "nvml", "nvidia-smi", "file"
  // The version as the driver writes it ("580.65.06": Version drops the leading zero of "06").
  // Library file names (libcuda.so.580.65.06) and the facts file use it; empty: version.str().
  std::string version_text;

  std::string version_string() const { return version_text.empty() ? version.str() : version_text; }
  friend bool operator==(const GpuDriver& a, const GpuDriver& b) {
    return a.version == b.version && a.cuda_driver_version == b.cuda_driver_version &&
           a.version_source == b.version_source && a.cuda_source == b.cuda_source &&
           a.version_string() == b.version_string();
  }
};

struct GpuFacts {
  std::optional<GpuDriver> driver;  // nullopt: no NVIDIA driver found
  std::vector<Gpu> gpus;
  std::string origin;               // "probe" or the path of the facts file
  std::vector<std::string> notes;   // why something is missing ("libnvidia-ml.so.1 not found")

  friend bool operator==(const GpuFacts&, const GpuFacts&) = default;
};

}  // namespace dlenv::host
