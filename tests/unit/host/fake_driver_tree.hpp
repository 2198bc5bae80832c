#pragma once
// A fake NVIDIA driver installation under a scratch root, for the GPU probe, driver-file
// discovery and CDI tests: /proc/driver/nvidia files, a shell-script nvidia-smi, library
// stand-ins with their links, device node stand-ins (regular files).
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>

#include "scratch_dir.hpp"

namespace dlenv::testing {

// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = ::getenv(name_.c_str())) old_ = old;
    if (value)
      ::setenv(name_.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

inline constexpr const char* kH100Uuid = "GPU-2f6c8a1e-0b7d-4c55-9e3a-7d1f00c0ffee";
inline constexpr const char* kT4Uuid = "GPU-9a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";

inline std::string proc_version_text(const std::string& version) {
  return "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + version +
         "  Sun Jul 27 07:09:38 UTC 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n";
}

inline std::string smi_header_text(const std::string& driver, const std::string& cuda) {
  return "Mon Aug  4 10:00:00 2025\n"
         "+-----------------------------------------------------------------------------------------+\n"
         "| NVIDIA-SMI " + driver + "              Driver Version: " + driver + "      CUDA Version: " + cuda +
         "     |\n"
         "|-----------------------------------------+------------------------+----------------------+\n";
}

// Two GPUs as `nvidia-smi --query-gpu=index,name,uuid,compute_cap,memory.total` prints them.
inline std::string two_gpu_csv() {
  return std::string("0, NVIDIA H100 80GB HBM3, ") + kH100Uuid + ", 9.0, 81559\n" + "1, Tesla T4, " + kT4Uuid +
         ", 7.5, 15360\n";
}

class FakeDriverTree : public ScratchDir {
 public:
  std::filesystem::path root() const { return path() / "root"; }

  // `host_path` is absolute, as on the host: "/proc/driver/nvidia/version".
  std::filesystem::path file(const std::string& host_path, const std::string& content = "x") const {
    return write("root" + host_path, content);
  }

  // A symlink at `host_path` with the given target (absolute targets mean host paths).
  void link(const std::string& host_path, const std::string& target) const {
    std::filesystem::path at = root() / std::filesystem::path(host_path).relative_path();
    std::filesystem::create_directories(at.parent_path());
    std::filesystem::create_symlink(target, at);
  }

  void proc_version(const std::string& version) const {
    file("/proc/driver/nvidia/version", proc_version_text(version));
  }

  // /proc/driver/nvidia/gpus/<bus>/information naming a GPU's UUID and device minor.
  void proc_gpu_information(const std::string& bus, const std::string& uuid, int minor) const {
    file("/proc/driver/nvidia/gpus/" + bus + "/information",
         "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 42\nGPU UUID: \t " + uuid +
             "\nVideo BIOS: \t 96.00.99.00.01\nBus Type: \t PCIe\nBus Location: \t " + bus +
             "\nDevice Minor: \t " + std::to_string(minor) + "\nGPU Excluded:\t No\n");
  }

  // An executable shell script at `host_path` (default root/usr/bin/nvidia-smi).
  void script(const std::string& body, const std::string& host_path = "/usr/bin/nvidia-smi") const {
    auto p = file(host_path, "#!/bin/sh\n" + body);
    std::filesystem::permissions(p, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                        std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                        std::filesystem::perms::others_exec);
  }

  // A fake nvidia-smi: the CSV for --query-gpu, the header otherwise.
  void nvidia_smi(const std::string& csv, const std::string& header) const {
    script("case \"$1\" in\n"
           "  --query-gpu=*) cat <<'DLENV_EOF'\n" + csv + "DLENV_EOF\n ;;\n"
           "  *) cat <<'DLENV_EOF'\n" + header + "DLENV_EOF\n ;;\n"
           "esac\n");
  }

  // A library stand-in and its soname and development links in the same directory.
  void library(const std::string& dir, const std::string& base, const std::string& version,
               const std::string& soname_suffix = "1") const {
    file(dir + "/" + base + ".so." + version, "fake " + base + " " + version);
    if (!soname_suffix.empty()) link(dir + "/" + base + ".so." + soname_suffix, base + ".so." + version);
  }

  // A device node stand-in.
  void device(const std::string& name) const { file("/dev/" + name, ""); }
};

}  // namespace dlenv::testing
