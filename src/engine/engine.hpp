#pragma once
// The container engine as dlenv needs it. Implementations: DockerEngine (the Docker Engine
// API over libcurl; Podman's compatible API too) and FakeEngine (in memory, for unit tests;
// the contract suite in tests/contract runs the same checks over both).
//
// Error contract: every method returns ErrorCode::engine_unavailable when nothing answers
// (the message names the socket), ErrorCode::not_found for a missing object,
// ErrorCode::conflict for a name already in use (create) or a host port already allocated
// (start; retryable = true), ErrorCode::engine_api for other engine errors (message is the
// engine's), ErrorCode::interrupted when dlenv::interrupted() became true while waiting.
//
// Deadlines: no call waits forever. An engine that stops answering fails the call with
// ErrorCode::engine_api, a message naming the call and the limit ("the container engine at
// unix:///var/run/docker.sock did not answer GET /containers/x/json within 30 s") and a hint
// to check the engine. Short calls (inspect, list, create, start, remove) have a whole-exchange
// limit, stop its own timeout plus a margin; builds, pulls and imports have no total limit but
// fail after a long silence; exec only needs its response head in time; logs -f has its
// inspect (a quiet container sends nothing, so its stream has no limit).
// Endpoint::timeout_scale (the engine_timeout_scale setting) multiplies every limit (DockerEngine).
#include <filesystem>
#include <memory>

#include "engine/types.hpp"
#include "util/error.hpp"

namespace dlenv::engine {

class Engine {
 public:
  virtual ~Engine() = default;

  virtual Result<EngineInfo> ping() = 0;
  // Runtimes, runc version, image root and CDI directories (GET /info, /version).
  virtual Result<EngineDetails> details() = 0;

  // nullopt when the image does not exist.
  virtual Result<std::optional<ImageInfo>> inspect_image(const std::string& ref) = 0;
  // Images carrying every label in `labels` (value "" matches any value).
  virtual Result<std::vector<ImageInfo>> list_images(const Labels& labels) = 0;
  // Builds from an in-memory context; streams build output lines to `progress`.
  // Fails with engine_api and the failing step's output when the build fails.
  virtual Status build_image(const BuildRequest& request, const ProgressFn& progress) = 0;
  // Imports a root filesystem tarball as repo:tag (POST /images/create?fromSrc=-).
  // `changes` are Dockerfile instructions applied on import (e.g. "CMD [\"bash\"]").
  virtual Status import_image(const std::filesystem::path& tarball, const std::string& repo,
                              const std::string& tag, const std::vector<std::string>& changes,
                              const ProgressFn& progress) = 0;
  virtual Status remove_image(const std::string& ref) = 0;
  // Pulls `ref` from its registry, streaming status lines. Fails with engine_api and the
  // registry's message when it cannot be had (no network, unknown tag).
  virtual Status pull_image(const std::string& ref, const ProgressFn& progress) = 0;

  // Returns the new container's id.
  virtual Result<std::string> create_container(const ContainerSpec& spec) = 0;
  virtual Status start_container(const std::string& id_or_name) = 0;
  // Already stopped is success.
  virtual Status stop_container(const std::string& id_or_name, int timeout_seconds) = 0;
  // Missing is success.
  virtual Status remove_container(const std::string& id_or_name, bool force) = 0;
  // nullopt when there is no such container.
  virtual Result<std::optional<ContainerInfo>> inspect_container(const std::string& id_or_name) = 0;
  // Containers (running or not) carrying every label in `labels` (value "" matches any value).
  virtual Result<std::vector<ContainerInfo>> list_containers(const Labels& labels) = 0;

  // Creates a network; returns its id. conflict when a network of that name exists. (Docker
  // 20.10 checks names before creating without a lock: concurrent creates of one name can all
  // succeed and leave several networks of that name; find_networks shows them.)
  virtual Result<std::string> create_network(const NetworkSpec& spec) = 0;
  // The networks named exactly `name`, oldest first (more than one only after such a race).
  virtual Result<std::vector<NetworkInfo>> find_networks(const std::string& name) = 0;
  // Missing is success; conflict while a running container is attached to it.
  virtual Status remove_network(const std::string& id) = 0;

  // Container output. With `follow`, returns when the container stops or on interrupt.
  virtual Status logs(const std::string& id_or_name, bool follow, std::optional<int> tail,
                      const OutputFn& sink) = 0;
  // Runs a command to completion, output to `sink`; returns its exit code.
  virtual Result<int> exec(const std::string& id_or_name, const ExecRequest& request,
                           const OutputFn& sink) = 0;
  // Runs a command attached to this process's stdin/stdout/stderr (a terminal when
  // request.tty, switched to raw mode for the duration); returns its exit code.
  virtual Result<int> exec_attached(const std::string& id_or_name, const ExecRequest& request) = 0;
};

// The endpoint `engine_setting` names (the engine setting, DOCKER_HOST's forms), else the
// first socket that exists among the default Docker socket, the rootless Docker socket and
// Podman's sockets (root, then rootless).
Endpoint resolve_endpoint(std::string_view engine_setting = {}, std::string_view setting_origin = "DOCKER_HOST");

// The engine_timeout_scale setting: a positive factor (0.1 makes a 30 s deadline 3 s; 4 makes
// it 2 min); 1 when empty or invalid.
double parse_timeout_scale(std::string_view text);

std::unique_ptr<Engine> make_docker_engine(const Endpoint& endpoint);

}  // namespace dlenv::engine
