#pragma once
// Finds the host's NVIDIA driver and GPUs. Never fails: what cannot be found is left out
// (GpuFacts::driver = nullopt, no GPUs) and the reason is added to GpuFacts::notes.
//
// Sources, best first; each fact records the one it came from:
//   1. NVML, dlopen("libnvidia-ml.so.1"): driver version, CUDA level, GPUs.   (root "/" only)
//   2. cuDriverGetVersion, dlopen("libcuda.so.1"): the CUDA level.            (root "/" only)
//      It is preferred to NVML's for the CUDA level; NVML's is the fallback.
//   3. <root>/proc/driver/nvidia/version: the driver version.
//   4. nvidia-smi: `--query-gpu=index,name,uuid,compute_cap,memory.total --format=csv,noheader,nounits`
//      for the GPUs (retried without compute_cap for drivers that do not know the field), and
//      its table header ("Driver Version: ...", "CUDA Version: ...") for what is still missing.
//      nvidia-smi runs only when an earlier source left something out.
//
// A root other than "/" (DLENV_HOST_ROOT) describes another tree: a host mounted into a
// container, or a fake driver tree in tests. The libraries are then never loaded, since they
// would describe this process's machine, and nvidia-smi is looked for only under the root.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/gpu_facts.hpp"
#include "spec/settings.hpp"

namespace dlenv::host {

struct ProbeOptions {
  std::filesystem::path root = "/";
  // Load NVML and libcuda (only ever with root "/"). Off: /proc and nvidia-smi only.
  bool use_libraries = true;
  bool use_nvidia_smi = true;
  // Each nvidia-smi run is killed after this long (a hung driver must not hang dlenv).
  std::chrono::milliseconds nvidia_smi_timeout{15000};
};

// The defaults, with root from the host_root setting (DLENV_HOST_ROOT) when it is not empty.
ProbeOptions probe_options(const spec::Settings& settings);

GpuFacts probe_gpus(const ProbeOptions& options);

// ---- Parsers, exposed for tests ---------------------------------------------------------

// The driver version in the contents of /proc/driver/nvidia/version, as written ("580.65.06"):
//   "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 ..."
//   "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build ..."
std::optional<std::string> parse_proc_driver_version(std::string_view text);

// cuDriverGetVersion / NVML encoding: 12040 -> 12.4, 13000 -> 13.0. nullopt when <= 0.
std::optional<Version> cuda_version_from_int(int encoded);

// The rows of `nvidia-smi --query-gpu=index,name,uuid[,compute_cap],memory.total
// --format=csv,noheader,nounits`. "[N/A]"/"[Not Supported]" leave a field empty (compute
// capability) or 0 (memory). Rows that cannot be read are skipped with a note.
std::vector<Gpu> parse_nvidia_smi_csv(std::string_view text, bool with_compute_cap,
                                      std::vector<std::string>& notes);

// What the table header of plain `nvidia-smi` says.
struct NvidiaSmiHeader {
  std::optional<std::string> driver_version;  // "Driver Version: 580.65.06"
  std::optional<Version> cuda_version;        // "CUDA Version: 13.0"
};
NvidiaSmiHeader parse_nvidia_smi_header(std::string_view text);

// Follows symlinks of `path` (absolute, as on the host) inside `root`: absolute link targets
// are taken relative to `root`, so a fake tree never leaks into the real one. Returns the
// resolved host path (without the root prefix), or nullopt when something on the way does not
// exist or links loop.
std::optional<std::string> resolve_in_root(const std::filesystem::path& root, std::string_view path);

// `host_path` ("/usr/bin/nvidia-smi") as a path on this machine: root / host_path.
std::filesystem::path under_root(const std::filesystem::path& root, std::string_view host_path);

}  // namespace dlenv::host
