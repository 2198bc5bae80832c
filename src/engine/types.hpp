#pragma once
// Value types exchanged with a container engine. No third-party types.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::engine {

using Labels = std::map<std::string, std::string>;

// Where the engine listens. `unix_socket` for unix://, else `tcp_url` (http://host:port).
struct Endpoint {
  std::string unix_socket;
  std::string tcp_url;
  std::string source;  // "DOCKER_HOST", "default", "podman (XDG_RUNTIME_DIR)", ...
  double timeout_scale = 1.0;  // multiplies every limit on waiting for it (engine_timeout_scale)
  std::string describe() const { return unix_socket.empty() ? tcp_url : "unix://" + unix_socket; }
};

struct EngineInfo {
  std::string endpoint;     // as described by Endpoint::describe()
  std::string version;      // engine version, e.g. "20.10.24+dfsg1"
  std::string api_version;  // e.g. "1.41"
  std::string os;           // "linux"
  bool podman = false;
};

// What the engine says about itself in /info: what doctor and GPU placement need.
struct EngineDetails {
  std::vector<std::string> runtimes;   // "runc", "nvidia", ...
  std::string default_runtime;
  std::string runc_version;            // "1.1.5+ds1" (from /version's components or /info)
  std::string root_dir;                // where images live (DockerRootDir)
  std::vector<std::string> cdi_spec_dirs;  // CDISpecDirs (Docker 25+), empty when unknown
  std::string security_options;        // joined, e.g. "name=seccomp,profile=default"
  bool rootless = false;
};

// GPUs for a container, in one of three ways (ops picks the one the engine supports).
struct GpuAssignment {
  enum class Mode { none, nvidia_runtime, cdi, direct } mode = Mode::none;
  std::vector<std::string> device_ids;  // nvidia_runtime: UUIDs ("all" for every GPU); cdi: "nvidia.com/gpu=<id>"
  std::vector<std::string> device_nodes;  // direct: host device paths, mapped to the same path
};

// One file of a build context (the Dockerfile is one of them).
struct BuildFile {
  std::string path;          // relative, '/' separated
  std::string content;
  uint32_t mode = 0644;
};

struct BuildRequest {
  std::string tag;               // repo:tag to apply
  std::vector<BuildFile> files;  // must include `dockerfile`
  std::string dockerfile = "Dockerfile";
  Labels labels;                 // applied to the image
  std::string network_mode;      // empty: engine default
};

// Progress lines from long operations (build steps, pull/import status), already plain text.
using ProgressFn = std::function<void(std::string_view line)>;

struct ImageInfo {
  std::string id;
  std::vector<std::string> tags;
  Labels labels;
  int64_t size = 0;
};

struct PortBinding {
  std::string container_port;  // "8888/tcp"
  std::string host_ip;         // "127.0.0.1"
  int host_port = 0;
};

struct BindMount {
  std::string source;  // absolute host path
  std::string target;  // absolute container path
  bool read_only = false;
};

// A network for containers (POST /networks/create).
struct NetworkSpec {
  std::string name;
  std::string driver = "bridge";
  Labels labels;
  bool inter_container = true;  // false: containers on it cannot reach each other (bridge ICC off)
};

struct NetworkInfo {
  std::string id;
  std::string name;
  std::string driver;
  Labels labels;
  bool inter_container = true;
  std::string created;  // as the engine reports it (RFC 3339)
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> entrypoint;  // empty: image default
  std::vector<std::string> cmd;         // empty: image default
  std::string user;                     // "uid:gid"
  std::string workdir;
  std::string hostname;
  std::vector<std::string> env;         // "KEY=VALUE"
  Labels labels;
  std::vector<BindMount> mounts;
  std::vector<PortBinding> ports;
  int64_t shm_size = 0;                 // bytes; 0: engine default
  bool init = true;                     // run an init process as PID 1
  std::vector<std::string> security_opt;
  std::vector<std::string> cap_drop;
  std::vector<std::string> cap_add;
  int64_t pids_limit = 0;               // 0: the engine's default (unlimited)
  int64_t memory = 0;                   // bytes; 0: unlimited
  int64_t nano_cpus = 0;                // 1e-9 CPUs; 0: unlimited
  std::string restart_policy;           // HostConfig.RestartPolicy.Name; empty: the engine's default ("no")
  std::string network;                  // network name or id to join; empty: the engine's default
  GpuAssignment gpus;
};

struct ContainerInfo {
  std::string id;
  std::string name;      // without the leading '/'
  std::string image;     // the reference it was created from
  std::string image_id;
  std::string state;     // created, running, paused, restarting, removing, exited, dead
  bool running() const { return state == "running"; }
  Labels labels;
  std::vector<PortBinding> ports;  // published ports (from inspect or list)
  int exit_code = 0;
  std::string user;                // Config.User (inspect only)
  std::vector<std::string> env;    // Config.Env (inspect only)
  std::vector<std::string> cmd;    // Config.Cmd (inspect only)
  int64_t shm_size = 0;            // HostConfig.ShmSize (inspect only)
  std::vector<std::string> security_opt;  // HostConfig.SecurityOpt (inspect only)
  std::vector<std::string> cap_drop;      // HostConfig.CapDrop (inspect only)
  int64_t pids_limit = 0;                 // HostConfig.PidsLimit, 0 when unlimited (inspect only)
  int64_t memory = 0;                     // HostConfig.Memory (inspect only)
  int64_t nano_cpus = 0;                  // HostConfig.NanoCpus (inspect only)
  std::string restart_policy;             // HostConfig.RestartPolicy.Name, "no" when none (inspect only)
  std::string network_mode;               // HostConfig.NetworkMode as created (inspect only)
  std::vector<std::string> networks;      // names of the networks it is attached to (inspect only)
};

enum class StreamKind { out, err };
using OutputFn = std::function<void(StreamKind, std::string_view)>;

struct ExecRequest {
  std::vector<std::string> cmd;
  std::string user;      // "uid:gid"; empty: the container's user
  std::string workdir;   // empty: the container's
  std::vector<std::string> env;
  bool tty = false;
};

}  // namespace dlenv::engine
