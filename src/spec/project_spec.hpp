#pragma once
// The project file, dlenv.toml, as value types. Produced only by spec::load_project /
// spec::parse_project, which validate everything: a ProjectSpec in hand is valid.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace dlenv::spec {

inline constexpr int64_t kDefaultShmSize = int64_t{2} * 1024 * 1024 * 1024;  // 2 GiB
inline constexpr int64_t kDefaultPidsLimit = 4096;
inline constexpr const char* kDefaultWorkdir = "/workspace";
inline constexpr const char* kProjectFileName = "dlenv.toml";
// Container paths dlenv mounts itself; a project's mount may not land on or inside them.
inline constexpr const char* kSecretsMountPoint = "/run/dlenv/secrets";
inline constexpr const char* kCacheMountRoot = "/dlenv/cache";
// The shared caches mounted under kCacheMountRoot (PIP_CACHE_DIR, HF_HOME, TORCH_HOME).
inline constexpr const char* kCacheNames[] = {"pip", "huggingface", "torch"};
// The longest string value the project file may hold (longer is an error, not a crash).
inline constexpr size_t kMaxValueLength = 4096;

// An extra host path mounted into the environment.
struct MountSpec {
  std::filesystem::path host;  // absolute (relative entries are resolved against the project dir)
  std::string container;       // absolute path inside the container
  bool read_only = false;
  bool allow = false;          // `allow = true`: the user accepts a sensitive source (home, system dir, engine socket)
  SourceLocation where;        // its key in dlenv.toml
};

// Which GPUs an environment uses (`gpus = "all" | "none" | N | [index or UUID, ...]`).
struct GpuRequest {
  enum class Kind {
    unspecified,  // not in the file: every GPU when the host has any
    none,
    all,
    count,        // N GPUs no other running environment holds, least used first
    devices,      // listed by index ("0") or UUID ("GPU-...")
  };
  Kind kind = Kind::unspecified;
  int count = 0;
  std::vector<std::string> devices;
};

// The Jupyter front end an environment serves. best: the best the base can have (JupyterLab,
// else the classic notebook, else the bare server).
enum class JupyterUi { best, lab, notebook, server };
inline constexpr std::string_view to_string(JupyterUi ui) {
  switch (ui) {
    case JupyterUi::lab: return "lab";
    case JupyterUi::notebook: return "notebook";
    case JupyterUi::server: return "server";
    case JupyterUi::best: break;
  }
  return "best";
}

struct EnvSpec {
  std::string name;                                  // [a-z0-9][a-z0-9_.-]*
  std::string base;                                  // image reference, validated; empty: the resolver chooses
  std::optional<std::string> framework;              // "torch==2.3.1", "tensorflow==1.15.*", "jax"
  std::optional<SourceLocation> framework_where;     // where `framework` was written
  std::optional<std::string> python;                 // "3.11"
  std::string cuda = "auto";                         // "auto", "none" or "X.Y"
  GpuRequest gpus;
  std::vector<std::string> apt;                      // system packages
  std::vector<std::string> pip;                      // Python requirement strings
  std::optional<std::filesystem::path> requirements; // absolute path of an existing file
  int64_t shm_size = kDefaultShmSize;                // bytes
  std::optional<int64_t> memory;                     // `memory = "16g"`: the container's memory limit in bytes
  std::optional<double> cpus;                        // `cpus = 4` or 2.5: CPU time limit in CPUs
  int64_t pids_limit = kDefaultPidsLimit;            // `pids_limit`: processes and threads the container may hold
  // `restart`: whether the engine starts it again after a reboot, an engine restart or a crash
  // ("unless-stopped": until `dlenv down`; "no": only `dlenv up` starts it).
  std::string restart = "unless-stopped";
  std::string workdir = kDefaultWorkdir;             // where the project folder is mounted
  std::vector<MountSpec> mounts;                     // in file order
  std::map<std::string, std::string> env;            // extra environment variables
  bool jupyter = true;                               // Jupyter (a UI, ipykernel, ipywidgets, debugpy)
  JupyterUi jupyter_ui = JupyterUi::best;            // `jupyter = "lab" | "notebook" | "server"`
  bool ssh = true;                                   // [envs.X.ssh] enabled: an sshd as the user, key-only
  std::optional<std::filesystem::path> authorized_keys;  // [envs.X.ssh] authorized_keys (absolute); else ~/.ssh/*.pub
  SourceLocation where;                              // the table that defined it
};

struct ProjectSpec {
  std::filesystem::path file;  // absolute path of dlenv.toml
  std::filesystem::path dir;   // absolute project directory (the file's parent)
  std::vector<EnvSpec> envs;   // in file order; names are unique

  const EnvSpec* find(std::string_view name) const {
    for (const auto& e : envs)
      if (e.name == name) return &e;
    return nullptr;
  }
};

}  // namespace dlenv::spec
