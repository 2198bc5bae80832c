#pragma once
// How an environment's container runs: everything the engine needs except host ports, which
// are leased at start time (ops fills `host_port` of each PublishedPort).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spec/project_spec.hpp"

namespace dlenv::plan {

inline constexpr int kJupyterContainerPort = 8888;
inline constexpr int kSshContainerPort = 2222;
inline constexpr const char* kSshHostKeyFile = "ssh_host_ed25519_key";
inline constexpr const char* kAuthorizedKeysFile = "authorized_keys";
inline constexpr const char* kSecretsMountPoint = spec::kSecretsMountPoint;
inline constexpr const char* kJupyterTokenFile = "jupyter_token";

struct Mount {
  std::string source;  // absolute host path
  std::string target;  // absolute container path
  bool read_only = false;
  bool create = false;  // dlenv creates the host dir (owned by the user) when missing
};

struct PublishedPort {
  std::string service;     // "jupyter"
  int container_port = 0;  // inside the container
  std::string host_ip = "127.0.0.1";
};

// The user's own network: every environment of one user joins it; containers on it cannot
// reach each other (nor do containers on other networks reach them), so a service is reached
// only through its published loopback port. Shared by the user's environments, kept between them.
struct NetworkPlan {
  std::string name;                            // "dlenv-u<uid>"
  std::map<std::string, std::string> labels;   // dlenv.managed=1, dlenv.owner=<uid>
  bool inter_container = false;                // traffic between its containers (ICC)
};

struct RunPlan {
  std::string container_name;
  std::string image;
  std::string user;      // "uid:gid"
  std::string workdir;
  std::string hostname;
  std::vector<std::string> env;  // "KEY=VALUE", sorted
  std::vector<Mount> mounts;
  std::vector<PublishedPort> ports;
  int64_t shm_size = 0;
  std::vector<std::string> security_opt;  // no-new-privileges
  std::vector<std::string> cap_drop;          // ALL: nothing dlenv runs needs a capability
  int64_t pids_limit = 0;                     // processes and threads; 0: unlimited
  int64_t memory = 0;                         // bytes; 0: unlimited
  int64_t nano_cpus = 0;                      // CPU time in 1e-9 CPUs; 0: unlimited
  std::string restart_policy;                 // the engine's restart policy ("unless-stopped", "no")
  NetworkPlan network;
  std::map<std::string, std::string> labels;  // without dlenv.port.* (added with the leases)
  std::string secrets_dir;                    // host dir holding this env's secrets (0700)
  std::string home_dir;                       // host dir mounted as the user's home (kept until rm --purge)
  std::vector<std::string> gpu_uuids;         // the GPUs it gets, by UUID; empty: none
  bool all_gpus = false;                      // every GPU of the host (gpus = "all")
  std::string jupyter_base_url;               // "/dlenv/<env>/", empty when Jupyter is off
  std::string jupyter_ui_path;                // "lab" or "tree": the UI under the base URL; empty: its root
};

}  // namespace dlenv::plan
