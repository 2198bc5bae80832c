#pragma once
// GpuFacts as a JSON facts file (what `dlenv host --json` saves, DLENV_HOST_FACTS reads):
//
//   {
//     "driver_version": "580.65.06",          // null: no NVIDIA driver
//     "cuda_driver_version": "13.0",          // null: no driver, or its CUDA level is unknown
//     "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-...",
//               "compute_capability": "9.0",   // null: unknown
//               "memory_mib": 81559, "source": "nvml"}],
//     "sources": {"driver_version": "nvml", "cuda_driver_version": "cuDriverGetVersion"},
//     "notes": ["..."]
//   }
//
// Other keys are ignored (the file may be a whole `dlenv host --json`). When reading, missing
// "gpus"/"notes" are empty, and a missing source is "file". GpuFacts::origin is not written;
// reading sets it to the file's path. Saving then loading gives back equal facts (origin apart).
#include <filesystem>
#include <string>
#include <string_view>

#include "host/gpu_facts.hpp"
#include "spec/settings.hpp"
#include "util/error.hpp"

namespace dlenv::host {

std::string gpu_facts_to_json(const GpuFacts& facts, bool pretty = true);

// Errors are ErrorCode::config naming `origin` and the key ("gpus[1].memory_mib"), with a hint.
Result<GpuFacts> gpu_facts_from_json(std::string_view text, std::string origin);

// Reads a facts file; origin is its path.
Result<GpuFacts> load_gpu_facts(const std::filesystem::path& path);

// Writes a facts file atomically (the pretty form, with a final newline).
Status save_gpu_facts(const GpuFacts& facts, const std::filesystem::path& path);

// The facts in the file the host_facts setting names (DLENV_HOST_FACTS) when it is set (its
// errors are returned), else probe_gpus(probe_options(settings)), which never fails.
Result<GpuFacts> gpu_facts_for_host(const spec::Settings& settings);

}  // namespace dlenv::host
