#pragma once
// The host files a container needs to use the GPUs without NVIDIA's container toolkit: the
// device nodes, the driver's user-space libraries of exactly the installed version, and a
// few driver binaries. Paths are as on the host (without the root prefix used to find them).
//
// Mount layout (what container_path says):
//   - device nodes: the same path (/dev/nvidiactl, /dev/nvidia0, ...).
//   - binaries: the same path (/usr/bin/nvidia-smi); host_path is the file the path resolves
//     to, so a symlinked binary (Debian's alternatives) is mounted as the real file.
//   - libraries: always into /usr/lib/x86_64-linux-gnu (kContainerLibDir), whatever directory
//     the host keeps them in (/usr/lib64 on RHEL, .../nvidia/current on Debian). That directory
//     is in the dynamic loader's default search path on Debian and Ubuntu images (the images
//     dlenv builds), so no LD_LIBRARY_PATH and no ldconfig run is needed for dlopen/linking by
//     soname. Each library is mounted under its versioned name (libcuda.so.580.65.06) and
//     again under each of its host symlink names (libcuda.so.1, libcuda.so): the real file is
//     bind-mounted at those paths instead of creating symlinks, so no CDI hook is needed.
//     Not covered: `ldconfig -p` inside the container does not list them until ldconfig runs
//     there; an image whose loader does not search /usr/lib/x86_64-linux-gnu (not Debian-
//     like) must add it to LD_LIBRARY_PATH or /etc/ld.so.conf.d.
//
// Libraries looked for (driver_library_names()), as <name>.so.<driver version>, in
//   <root>/usr/lib/x86_64-linux-gnu, <root>/usr/lib64, <root>/usr/lib,
//   <root>/usr/lib/x86_64-linux-gnu/nvidia/current
// (the first directory holding a name wins; a 32-bit ELF file is skipped). A file of another
// driver version (a stale libcuda.so.470.82.01 beside 580.65.06) is never picked.
#include <filesystem>
#include <string>
#include <vector>

#include "host/gpu_facts.hpp"

namespace dlenv::host {

inline constexpr const char* kContainerLibDir = "/usr/lib/x86_64-linux-gnu";

// The driver's compute and utility libraries, without ".so": libcuda, libnvidia-ml,
// libnvidia-ptxjitcompiler, libnvidia-nvvm, libcudadebugger, libnvidia-gpucomp, libnvidia-cfg,
// libnvidia-opencl, libnvidia-allocator, libnvidia-pkcs11, libnvidia-pkcs11-openssl3 and the
// older libnvidia-compiler and libnvidia-fatbinaryloader. Not every driver ships all of them.
const std::vector<std::string>& driver_library_names();

// The binaries looked for in /usr/bin, /usr/sbin, /bin, /sbin:
// nvidia-smi, nvidia-debugdump, nvidia-persistenced.
const std::vector<std::string>& driver_binary_names();

struct DriverMount {
  std::string host_path;       // the real file on the host: "/usr/lib64/libcuda.so.580.65.06"
  std::string container_path;  // "/usr/lib/x86_64-linux-gnu/libcuda.so.1"
  friend bool operator==(const DriverMount&, const DriverMount&) = default;
};

// /dev/nvidia<minor> of one GPU. The minor number comes from
// <root>/proc/driver/nvidia/gpus/*/information ("GPU UUID:", "Device Minor:") when it can be
// matched by UUID, else it is taken to be the GPU's index (with a note).
struct GpuDeviceNode {
  int index = 0;
  std::string uuid;
  std::string path;  // "/dev/nvidia0", the same in the container
};

struct DriverFiles {
  std::string driver_version;               // the version the libraries match; empty: no driver
  std::vector<std::string> control_nodes;   // /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia-uvm-tools, /dev/nvidia-modeset
  std::vector<GpuDeviceNode> gpu_nodes;     // one per GPU whose node exists, in GPU order
  std::vector<DriverMount> libraries;       // per library (driver_library_names() order): versioned name, then its links
  std::vector<DriverMount> binaries;
  std::vector<std::string> notes;           // what was missing or skipped, and why

  std::vector<DriverMount> mounts() const;  // libraries, then binaries
};

// Looks under `root` ("/" on the real host). Never fails; without a driver it finds no
// libraries (a note says so) but still reports the device nodes that exist.
DriverFiles discover_driver_files(const GpuFacts& facts, const std::filesystem::path& root = "/");

}  // namespace dlenv::host
