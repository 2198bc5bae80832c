#include "cli/backends.hpp"

#include <functional>

#include <fmt/format.h>

#include "backends/docker/docker_backend.hpp"
#include "util/text.hpp"

namespace dlenv::cli {
namespace {

using Factory = std::function<std::unique_ptr<backend::Backend>(const host::HostFacts&, const spec::Settings&, backend::Progress&)>;

struct Registration {
  const char* name;
  Factory make;
};

const std::vector<Registration>& registrations() {
  static const std::vector<Registration> table = {
      {"docker", docker::make_docker_backend},
  };
  return table;
}

}  // namespace

std::vector<std::string> registered_backends() {
  std::vector<std::string> names;
  for (const auto& r : registrations()) names.emplace_back(r.name);
  return names;
}

Result<std::unique_ptr<backend::Backend>> make_backend(const spec::Settings& settings, const host::HostFacts& host,
                                                       backend::Progress& progress) {
  const std::string name = settings.get("backend").value_or("docker");
  for (const auto& r : registrations())
    if (name == r.name) return r.make(host, settings, progress);
  return fail(ErrorCode::usage, fmt::format("no back-end '{}' (from {})", abbreviate(name), settings.where("backend")),
              fmt::format("back-ends: {}", join(registered_backends(), ", ")));
}

}  // namespace dlenv::cli
