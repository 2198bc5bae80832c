#pragma once
// The Docker Engine API (and Podman's Docker-compatible API) over a unix socket or TCP.
// The API version is negotiated once: paths are prefixed with the engine's /version ApiVersion.
// Calls may come from several threads (each request uses its own connection).
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.hpp"
#include "engine/http_client.hpp"

namespace dlenv::engine {

class DockerEngine final : public Engine {
 public:
  explicit DockerEngine(Endpoint endpoint);
  // Multiplies every limit from now on (tests: after the API version is negotiated).
  void set_timeout_scale(double scale) { http_.set_timeout_scale(scale); }

  Result<EngineInfo> ping() override;
  Result<EngineDetails> details() override;

  Result<std::optional<ImageInfo>> inspect_image(const std::string& ref) override;
  Result<std::vector<ImageInfo>> list_images(const Labels& labels) override;
  Status build_image(const BuildRequest& request, const ProgressFn& progress) override;
  Status import_image(const std::filesystem::path& tarball, const std::string& repo, const std::string& tag,
                      const std::vector<std::string>& changes, const ProgressFn& progress) override;
  Status remove_image(const std::string& ref) override;
  Status pull_image(const std::string& ref, const ProgressFn& progress) override;

  Result<std::string> create_container(const ContainerSpec& spec) override;
  Status start_container(const std::string& id_or_name) override;
  Status stop_container(const std::string& id_or_name, int timeout_seconds) override;
  Status remove_container(const std::string& id_or_name, bool force) override;
  Result<std::optional<ContainerInfo>> inspect_container(const std::string& id_or_name) override;
  Result<std::vector<ContainerInfo>> list_containers(const Labels& labels) override;

  Result<std::string> create_network(const NetworkSpec& spec) override;
  Result<std::vector<NetworkInfo>> find_networks(const std::string& name) override;
  Status remove_network(const std::string& id) override;

  Status logs(const std::string& id_or_name, bool follow, std::optional<int> tail, const OutputFn& sink) override;
  Result<int> exec(const std::string& id_or_name, const ExecRequest& request, const OutputFn& sink) override;
  Result<int> exec_attached(const std::string& id_or_name, const ExecRequest& request) override;

 private:
  // Queries /version (unversioned) and remembers the API prefix, e.g. "/v1.41".
  Result<EngineInfo> negotiate();
  // `path` ("/containers/json?all=1") under the negotiated API version.
  Result<std::string> versioned(std::string_view path);
  // Creates an exec instance; returns its id.
  Result<std::string> create_exec(const std::string& id_or_name, const ExecRequest& request, bool attach_stdin);
  // Waits until the exec instance has finished and returns its exit code.
  Result<int> exec_exit_code(const std::string& exec_id);

  detail::HttpClient http_;
  std::mutex negotiation_mutex_;  // guards info_ and api_prefix_
  std::optional<EngineInfo> info_;
  std::string api_prefix_;
};

}  // namespace dlenv::engine
