#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "engine/engine.hpp"
#include "util/text.hpp"

namespace dlenv::engine {
namespace {

constexpr const char* kDefaultDockerSocket = "/var/run/docker.sock";

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

bool exists(const std::string& path) {
  std::error_code ignored;
  return !path.empty() && std::filesystem::exists(path, ignored);
}

// DOCKER_HOST forms: unix:///path, tcp://host:port (spoken as plain HTTP), http(s)://...,
// or a bare absolute socket path. Other schemes are kept as-is and fail when used.
Endpoint from_docker_host(const std::string& value, std::string_view origin) {
  Endpoint endpoint;
  endpoint.source = std::string(origin);
  if (starts_with(value, "unix://")) {
    endpoint.unix_socket = value.substr(7);
  } else if (starts_with(value, "tcp://")) {
    endpoint.tcp_url = "http://" + value.substr(6);
  } else if (starts_with(value, "/")) {
    endpoint.unix_socket = value;
  } else {
    endpoint.tcp_url = value;
  }
  return endpoint;
}

}  // namespace

Endpoint resolve_endpoint(std::string_view engine_setting, std::string_view setting_origin) {
  const std::string docker_host = trim(engine_setting);
  if (!docker_host.empty()) return from_docker_host(docker_host, setting_origin);

  const std::string runtime_dir = env_or_empty("XDG_RUNTIME_DIR");
  const std::pair<std::string, std::string> candidates[] = {
      {kDefaultDockerSocket, "docker"},
      {runtime_dir.empty() ? "" : runtime_dir + "/docker.sock", "rootless docker (XDG_RUNTIME_DIR)"},
      {"/run/podman/podman.sock", "podman"},
      {runtime_dir.empty() ? "" : runtime_dir + "/podman/podman.sock", "rootless podman (XDG_RUNTIME_DIR)"},
  };
  for (const auto& [socket, source] : candidates) {
    if (exists(socket)) return Endpoint{socket, "", source};
  }
  return Endpoint{kDefaultDockerSocket, "", "default"};
}

}  // namespace dlenv::engine
