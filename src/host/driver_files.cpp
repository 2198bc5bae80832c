#include "host/driver_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "host/gpu_probe.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::host {
namespace fs = std::filesystem;

const std::vector<std::string>& driver_library_names() {
  static const std::vector<std::string> names = {
      "libcuda",                    // the CUDA driver API
      "libnvidia-ml",               // NVML (nvidia-smi, monitoring)
      "libnvidia-ptxjitcompiler",   // PTX JIT
      "libnvidia-nvvm",             // NVVM JIT (LTO, numba-style JIT)
      "libcudadebugger",            // cuda-gdb's driver side
      "libnvidia-gpucomp",          // shared compiler back end (drivers >= 535)
      "libnvidia-cfg",              // configuration queries
      "libnvidia-opencl",           // OpenCL ICD
      "libnvidia-allocator",        // memory allocator (GBM/EGL users)
      "libnvidia-pkcs11",           // confidential computing
      "libnvidia-pkcs11-openssl3",  // confidential computing, OpenSSL 3 build
      "libnvidia-compiler",         // older drivers: OpenCL compiler
      "libnvidia-fatbinaryloader",  // older drivers (< 450)
  };
  return names;
}

const std::vector<std::string>& driver_binary_names() {
  static const std::vector<std::string> names = {"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced"};
  return names;
}

std::vector<DriverMount> DriverFiles::mounts() const {
  std::vector<DriverMount> all = libraries;
  all.insert(all.end(), binaries.begin(), binaries.end());
  return all;
}

namespace {

const char* const kLibraryDirs[] = {
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/lib/x86_64-linux-gnu/nvidia/current",
};
const char* const kBinaryDirs[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin"};
const char* const kControlNodes[] = {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
                                     "/dev/nvidia-modeset"};

bool exists_under(const fs::path& root, std::string_view host_path) {
  std::error_code ec;
  return fs::exists(under_root(root, host_path), ec);
}

bool is_regular_under(const fs::path& root, std::string_view host_path) {
  struct stat st {};
  return ::stat(under_root(root, host_path).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A 32-bit ELF file (a multilib copy in /usr/lib on RHEL-like hosts). Non-ELF files (test
// stand-ins) are taken as usable.
bool is_32bit_elf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[5] = {};
  if (!in.read(head, sizeof head)) return false;
  return head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F' && head[4] == 1;
}

// Names in a directory under root (sorted), with whether each is a symlink.
std::vector<std::pair<std::string, bool>> list_dir(const fs::path& root, std::string_view host_dir) {
  std::vector<std::pair<std::string, bool>> out;
  std::error_code ec;
  fs::directory_iterator it(under_root(root, host_dir), ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    out.emplace_back(it->path().filename().string(), it->is_symlink(ec2));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// GPU UUID -> device minor, from /proc/driver/nvidia/gpus/<pci bus id>/information.
std::map<std::string, int> read_minors(const fs::path& root) {
  std::map<std::string, int> minors;
  std::error_code ec;
  fs::directory_iterator it(under_root(root, "/proc/driver/nvidia/gpus"), ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    auto text = read_file(it->path() / "information");
    if (!text) continue;
    std::string uuid;
    std::optional<int> minor;
    for (const auto& raw : split(*text, '\n')) {
      auto colon = raw.find(':');
      if (colon == std::string::npos) continue;
      std::string key = trim(raw.substr(0, colon));
      std::string value = trim(raw.substr(colon + 1));
      if (key == "GPU UUID") uuid = value;
      if (key == "Device Minor")
        if (auto n = parse_int(value); n && *n <= 1 << 20) minor = static_cast<int>(*n);
    }
    if (!uuid.empty() && minor && *minor >= 0) minors[uuid] = *minor;
  }
  return minors;
}

void find_gpu_nodes(const GpuFacts& facts, const fs::path& root, DriverFiles& out) {
  auto minors = read_minors(root);
  if (facts.gpus.empty()) {
    // No GPU list (facts without GPUs): every /dev/nvidia<N> is taken to be GPU N.
    for (const auto& [name, link] : list_dir(root, "/dev")) {
      (void)link;
      if (!starts_with(name, "nvidia") || name.size() == 6) continue;
      std::string digits = name.substr(6);
      if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
      auto index = parse_int(digits);
      if (!index || *index > 1 << 20) continue;
      out.gpu_nodes.push_back({static_cast<int>(*index), "", "/dev/" + name});
    }
    std::sort(out.gpu_nodes.begin(), out.gpu_nodes.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    if (!out.gpu_nodes.empty())
      out.notes.push_back("no GPU list in the facts: each /dev/nvidia<N> is taken to be GPU N");
    return;
  }
  for (const auto& gpu : facts.gpus) {
    int minor = gpu.index;
    if (auto m = minors.find(gpu.uuid); !gpu.uuid.empty() && m != minors.end()) {
      minor = m->second;
    } else {
      out.notes.push_back(fmt::format(
          "GPU {}: device minor not in /proc/driver/nvidia/gpus/*/information; assuming /dev/nvidia{}", gpu.index,
          gpu.index));
    }
    std::string node = fmt::format("/dev/nvidia{}", minor);
    if (exists_under(root, node))
      out.gpu_nodes.push_back({gpu.index, gpu.uuid, node});
    else
      out.notes.push_back(fmt::format("GPU {}: {} does not exist", gpu.index, node));
  }
}

void find_libraries(const GpuDriver& driver, const fs::path& root, DriverFiles& out) {
  const Version& want = driver.version;
  std::set<std::string> taken;  // container paths
  auto add = [&](std::string host, std::string container) {
    if (taken.insert(container).second) out.libraries.push_back({std::move(host), std::move(container)});
  };
  std::set<std::string> stale_noted;
  for (const auto& lib : driver_library_names()) {
    const std::string prefix = lib + ".so.";
    std::optional<std::string> chosen;  // resolved host path of the versioned file
    std::string chosen_name;
    for (const char* dir : kLibraryDirs) {
      for (const auto& [name, link] : list_dir(root, dir)) {
        (void)link;
        if (!starts_with(name, prefix)) continue;
        auto v = Version::parse(name.substr(prefix.size()));
        if (!v || v->size() < 2) continue;  // soname links (.so.1) are not versioned files
        std::string host = std::string(dir) + "/" + name;
        if (*v != want || v->size() != want.size()) {
          if (stale_noted.insert(host).second)
            out.notes.push_back(
                fmt::format("skipped {}: not the installed driver {}", host, driver.version_string()));
          continue;
        }
        if (chosen) continue;
        auto resolved = resolve_in_root(root, host);
        if (!resolved || !is_regular_under(root, *resolved)) {
          out.notes.push_back(fmt::format("skipped {}: a dangling link", host));
          continue;
        }
        if (is_32bit_elf(under_root(root, *resolved))) {
          out.notes.push_back(fmt::format("skipped {}: a 32-bit library", host));
          continue;
        }
        chosen = *resolved;
        chosen_name = name;
      }
    }
    if (!chosen) {
      if (lib == "libcuda" || lib == "libnvidia-ml")
        out.notes.push_back(fmt::format("{}.so.{} not found in {}", lib, driver.version_string(),
                                        join(std::vector<std::string>(std::begin(kLibraryDirs), std::end(kLibraryDirs)), ", ")));
      continue;
    }
    add(*chosen, std::string(kContainerLibDir) + "/" + chosen_name);
    // Its link names (libcuda.so.1, libcuda.so) in any of the directories.
    for (const char* dir : kLibraryDirs) {
      for (const auto& [name, link] : list_dir(root, dir)) {
        if (!link || !(name == lib + ".so" || starts_with(name, prefix))) continue;
        auto resolved = resolve_in_root(root, std::string(dir) + "/" + name);
        if (resolved && *resolved == *chosen) add(*chosen, std::string(kContainerLibDir) + "/" + name);
      }
    }
  }
}

void find_binaries(const fs::path& root, DriverFiles& out) {
  for (const auto& bin : driver_binary_names()) {
    bool found = false;
    for (const char* dir : kBinaryDirs) {
      std::string host = std::string(dir) + "/" + bin;
      auto resolved = resolve_in_root(root, host);
      if (!resolved || !is_regular_under(root, *resolved)) continue;
      out.binaries.push_back({*resolved, host});
      found = true;
      break;
    }
    if (!found) out.notes.push_back(fmt::format("{} not found in /usr/bin, /usr/sbin, /bin, /sbin", bin));
  }
}

}  // namespace

DriverFiles discover_driver_files(const GpuFacts& facts, const fs::path& root) {
  DriverFiles out;
  for (const char* node : kControlNodes) {
    if (exists_under(root, node))
      out.control_nodes.emplace_back(node);
    else
      out.notes.push_back(fmt::format("{} does not exist", node));
  }
  find_gpu_nodes(facts, root, out);
  if (facts.driver) {
    out.driver_version = facts.driver->version_string();
    find_libraries(*facts.driver, root, out);
  } else {
    out.notes.push_back("no NVIDIA driver in the facts: no driver libraries to mount");
  }
  find_binaries(root, out);
  return out;
}

}  // namespace dlenv::host
