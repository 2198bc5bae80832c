#pragma once
// Where environments run, in the terms of the job, not of one engine. Use cases (ops/) talk
// to this interface only; each back-end lives in its own folder under backends/ and keeps its
// machinery private (the Docker back-end: the engine API client, the state database, port
// leases, GPU placement, secrets as bind mounts, readiness probes). A new back-end is a folder
// and a line in the cli's registration table (cli/backends.cpp).
//
// Contract (tests/contract/backend_contract_test.cpp runs it over every implementation):
// - names: an environment is named by EnvRef::container (plan::container_name), chosen before
//   it exists; find/stop/remove of an unknown name are nullopt / not_found / success.
// - deploy is idempotent: an unchanged running environment is returned as it is; a changed
//   plan replaces it; ports a user was given stay with the environment until remove.
// - errors: ErrorCode::engine_unavailable when the back-end cannot be reached (with a hint),
//   not_found for a missing image or environment, interrupted when dlenv::interrupted().
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/check.hpp"
#include "backend/env_ref.hpp"
#include "backend/env_view.hpp"
#include "backend/gpu_use.hpp"
#include "backend/prepared_env.hpp"
#include "util/error.hpp"

namespace dlenv::backend {

enum class Stream { out, err };
using OutputSink = std::function<void(Stream, std::string_view)>;
using LineSink = std::function<void(std::string_view)>;

struct DeployOptions {
  std::chrono::seconds ready_timeout{300};  // until Jupyter and sshd answer
  // A running environment whose plan changed is re-created only with the user's word: its
  // kernels, terminals and SSH sessions end. `recreate_running` gives it up front; else
  // `confirm_recreate` (when set) is asked with the changes in words; else deploy refuses
  // (ErrorCode::conflict) and the running container is left as it was.
  bool recreate_running = false;
  std::function<bool(const std::string& env, const std::vector<std::string>& changes)> confirm_recreate{};
};

// A command inside an environment, as its user, in its workdir.
struct Command {
  std::vector<std::string> argv;
  bool tty = false;  // attached to this terminal (raw mode) when true
};

// What `dlenv host` shows of the back-end.
struct BackendReport {
  std::string backend;       // "docker"
  std::string endpoint;      // where it is reached
  bool reachable = false;
  std::string error;         // why not
  std::string version;       // "28.2.2"
  std::string api_version;   // "1.41"
  bool podman = false;
  bool described = false;    // the fields below are known
  std::vector<std::string> runtimes;
  std::string default_runtime;
  bool nvidia_runtime = false;
  std::vector<std::string> cdi_spec_dirs;
  std::string runc_version;
};

// A service of an environment and where it is reached from this machine.
struct Endpoint {
  std::string service;  // "jupyter", "ssh"
  std::string address;  // "http://127.0.0.1:20001/?token=...", "127.0.0.1:20002"
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // Where it is reached ("unix:///var/run/docker.sock"), without asking it.
  virtual std::string endpoint() const = 0;

  // Whether it answers (engine_unavailable with a hint when not).
  virtual Status check_reachable() = 0;
  // Host paths that give control over the back-end (the engine's socket): never mounted
  // without the user's word (ops/mount_policy).
  virtual std::vector<std::filesystem::path> control_paths() = 0;

  // GPUs: the facts of the machines it runs on, and which GPUs its environments hold
  // (`env`: the one being prepared, not counted; its current GPUs are in `held`).
  virtual Result<host::GpuFacts> gpu_facts() = 0;
  virtual Result<GpuInventory> gpu_inventory(const std::string& env) = 0;
  // True when its scheduler hands out GPUs (Slurm, Kubernetes): no GPUs are chosen here, the
  // request (PreparedEnv::env.gpus) travels to it, and PreparedEnv::gpus stays empty.
  virtual bool schedules_gpus() const { return false; }

  // Images: the id of `ref` (nullopt: not there); fetch one from its registry; import a root
  // file system tarball as repo:tag.
  virtual Result<std::optional<std::string>> image_id(const std::string& ref) = 0;
  virtual Status fetch_image(const std::string& ref, const LineSink& progress) = 0;
  virtual Status import_image(const std::filesystem::path& tarball, const std::string& repo, const std::string& tag,
                              const std::vector<std::string>& changes, const LineSink& progress) = 0;

  // Lifecycle. deploy builds what is missing, starts the environment and waits until its
  // services answer. The caller holds the environment's lock (backend/locks.hpp).
  virtual Result<EnvView> deploy(const PreparedEnv& prepared, const DeployOptions& options) = 0;
  // This user's environments (all users' with `all_users`), including incomplete ones.
  virtual Result<std::vector<EnvView>> list(bool all_users) = 0;
  virtual Result<std::optional<EnvView>> find(const EnvRef& env) = 0;
  virtual Status stop(const EnvRef& env) = 0;
  // Removes it and gives back what it held (ports); missing is success.
  virtual Status remove(const EnvRef& env, std::string_view why) = 0;

  // Access.
  virtual Status logs(const EnvRef& env, bool follow, const OutputSink& sink) = 0;
  // Runs `command` attached to this terminal; returns its exit code.
  virtual Result<int> exec(const EnvRef& env, const Command& command) = 0;
  virtual Result<std::vector<Endpoint>> endpoints(const EnvRef& env) = 0;

  // Diagnosis: its own checks (`dlenv doctor`), and what `dlenv host` shows of it.
  // `probe_gpus`: may start a short workload to see whether it gets the GPUs.
  virtual std::vector<Check> diagnose(bool probe_gpus) = 0;
  virtual BackendReport report() = 0;
};

}  // namespace dlenv::backend
