#pragma once
// The local Docker (or Podman) back-end: environments are containers on this machine, reached
// on 127.0.0.1 ports. Private to it: the engine API client (engine/), the state database
// (store/: records, port leases, history), port leases checked by a test bind, GPU placement
// (nvidia runtime, CDI, or direct injection), secrets as read-only bind mounts, the user's
// bridge network, and readiness probes of Jupyter and sshd on loopback.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "backend/progress.hpp"
#include "engine/engine.hpp"
#include "host/host_facts.hpp"
#include "spec/settings.hpp"
#include "store/store.hpp"

namespace dlenv::docker {

// Answers the HTTP status of a GET (readiness of a service in a container).
using HttpProbe = std::function<Result<int>(const std::string& url, const std::vector<std::string>& headers)>;
// Whether something on 127.0.0.1:port greets as an SSH server does ("SSH-...").
using SshProbe = std::function<bool(int port)>;

class DockerBackend final : public backend::Backend {
 public:
  // Over an engine client that outlives it (tests), or one it owns.
  DockerBackend(engine::Engine& engine, host::HostFacts host, spec::Settings settings, backend::Progress& progress);
  DockerBackend(std::unique_ptr<engine::Engine> engine, host::HostFacts host, spec::Settings settings, backend::Progress& progress);

  // The readiness probes: real connections unless a test replaces them.
  void set_http_probe(HttpProbe probe) { http_probe_ = std::move(probe); }
  void set_ssh_probe(SshProbe probe) { ssh_probe_ = std::move(probe); }
  engine::Engine& engine() { return engine_; }
  // The state database (records, port leases, history), opened on first use (creating
  // DLENV_HOME, owned by the user).
  Result<store::Store*> store();

  std::string_view name() const override { return "docker"; }
  // The engine's socket (settings: engine, else the first socket found), and it being answered.
  std::string endpoint() const override;
  Status check_reachable() override;
  std::vector<std::filesystem::path> control_paths() override;
  // The host probe (or the host_facts file); what the containers' dlenv.gpus labels hold.
  Result<host::GpuFacts> gpu_facts() override;
  Result<backend::GpuInventory> gpu_inventory(const std::string& env) override;
  // The engine's image store; fetch is a pull.
  Result<std::optional<std::string>> image_id(const std::string& ref) override;
  Status fetch_image(const std::string& ref, const backend::LineSink& progress) override;
  Status import_image(const std::filesystem::path& tarball, const std::string& repo, const std::string& tag,
                      const std::vector<std::string>& changes, const backend::LineSink& progress) override;
  // deploy.cpp. A container per environment, named plan::container_name, on the user's network.
  Result<backend::EnvView> deploy(const backend::PreparedEnv& prepared, const backend::DeployOptions& options) override;
  // Containers by their labels; the store is brought in line with them here.
  Result<std::vector<backend::EnvView>> list(bool all_users) override;
  Result<std::optional<backend::EnvView>> find(const backend::EnvRef& env) override;
  Status stop(const backend::EnvRef& env) override;
  Status remove(const backend::EnvRef& env, std::string_view why) override;
  // Engine logs and exec (as the container's user, in its workdir); loopback URLs.
  Status logs(const backend::EnvRef& env, bool follow, const backend::OutputSink& sink) override;
  Result<int> exec(const backend::EnvRef& env, const backend::Command& command) override;
  Result<std::vector<backend::Endpoint>> endpoints(const backend::EnvRef& env) override;
  // docker_checks.cpp: the engine, runc, loopback ports, disk, a GPU container.
  std::vector<backend::Check> diagnose(bool probe_gpus) override;
  backend::BackendReport report() override;

 private:
  friend class Deployment;  // deploy.cpp

  std::unique_ptr<engine::Engine> owned_engine_;  // when it owns its client
  engine::Engine& engine_;
  host::HostFacts host_;
  spec::Settings settings_;
  backend::Progress& progress_;
  std::unique_ptr<store::Store> store_;
  std::optional<Result<host::GpuFacts>> gpu_facts_;  // the first answer of gpu_facts()
  HttpProbe http_probe_;
  SshProbe ssh_probe_;
};

// The back-end over the engine the settings name (engine, engine_timeout_scale); it owns its
// engine client.
std::unique_ptr<backend::Backend> make_docker_backend(const host::HostFacts& host, const spec::Settings& settings,
                                                      backend::Progress& progress);

}  // namespace dlenv::docker
