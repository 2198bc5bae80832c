#pragma once
// A Container Device Interface spec (cdiVersion 0.5.0, kind nvidia.com/gpu) for the host's
// GPUs, written from discovered driver files. Docker (>= 25, CDI enabled) and Podman read it
// from /etc/cdi or /var/run/cdi and then accept `--device nvidia.com/gpu=all`.
//
// Devices: one per GPU named by its index ("0") and one named by its UUID ("GPU-..."), each
// with that GPU's /dev/nvidia<N>, and "all" with every GPU's node. The spec-wide
// containerEdits hold the control nodes (/dev/nvidiactl, /dev/nvidia-uvm, ...) and the
// library and binary mounts (options ro, nosuid, nodev, bind) of DriverFiles' layout. No
// hooks: libraries are mounted under their link names too (see driver_files.hpp), so no
// symlink or ldconfig hook is needed.
#include <string>

#include "host/driver_files.hpp"
#include "host/gpu_facts.hpp"

namespace dlenv::host {

inline constexpr const char* kCdiVersion = "0.5.0";
inline constexpr const char* kCdiKind = "nvidia.com/gpu";

// YAML text (strings double-quoted). When no GPU node was found, "all" carries the control
// nodes alone, so the spec still has a device.
std::string cdi_spec_yaml(const DriverFiles& files, const GpuFacts& facts);

}  // namespace dlenv::host
