#include "backend/env_view.hpp"

#include <fmt/format.h>

namespace dlenv::backend {

std::string_view to_string(EnvState state) {
  switch (state) {
    case EnvState::running: return "running";
    case EnvState::stopped: return "stopped";
    case EnvState::created: return "created";
    case EnvState::incomplete: return "incomplete";
    case EnvState::removed: return "removed";
  }
  return "stopped";
}

std::string jupyter_url(int port, const std::string& base_url, std::string_view ui_path, const std::optional<std::string>& token) {
  std::string url = fmt::format("http://127.0.0.1:{}{}", port, base_url.empty() ? "/" : base_url);
  if (ui_path == "lab" || ui_path == "tree") url += ui_path;
  if (token) url += "?token=" + *token;
  return url;
}

}  // namespace dlenv::backend
