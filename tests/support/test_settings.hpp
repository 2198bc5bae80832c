#pragma once
// Settings for tests: this process's environment variables (tests set DLENV_HOST_FACTS,
// DOCKER_HOST, ...), and a user file inside the test's own home, never the developer's.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "spec/settings.hpp"

namespace dlenv::testing {

inline spec::Settings settings_from_environment(const std::filesystem::path& home = "/nonexistent-home") {
  auto sources = spec::process_setting_sources(home, {});
  sources.user_file = home / ".config/dlenv/config.toml";
  return spec::load_settings(sources).value();
}

// DOCKER_HOST, for tests that make an engine client themselves (the engine setting's variable).
inline std::string docker_host_variable() {
  const char* value = std::getenv("DOCKER_HOST");
  return value ? value : "";
}

}  // namespace dlenv::testing
