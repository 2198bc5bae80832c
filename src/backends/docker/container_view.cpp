#include "backends/docker/container_view.hpp"

#include <fmt/format.h>

#include "backend/secrets.hpp"
#include "plan/env_plan.hpp"
#include "util/text.hpp"

namespace dlenv::docker {

using backend::EnvState;
using backend::EnvView;

std::string label_or(const engine::Labels& labels, const std::string& key, std::string fallback) {
  auto it = labels.find(key);
  return it == labels.end() ? fallback : it->second;
}

std::optional<int> port_of_label(const std::string& value) {
  auto n = parse_int(value);
  if (!n || *n < 1 || *n > 65535) return std::nullopt;
  return static_cast<int>(*n);
}

EnvView view_of_container(const engine::ContainerInfo& c, const host::HostFacts& host) {
  EnvView v;
  v.name = label_or(c.labels, plan::label::env);
  v.project = label_or(c.labels, plan::label::project);
  v.state = c.running() ? EnvState::running : (c.state == "created" ? EnvState::created : EnvState::stopped);
  v.container = c.name;
  v.container_id = c.id;
  v.image = c.image;
  auto user = split(label_or(c.labels, plan::label::user, label_or(c.labels, plan::label::owner, "0") + ":0"), ':');
  // Labels may be written by anyone who can use the engine: numbers only when whole numbers.
  if (user.size() == 2) {
    auto uid = parse_int(user[0]), gid = parse_int(user[1]);
    if (uid && gid && *uid >= 0 && *gid >= 0) {
      v.uid = static_cast<unsigned>(*uid);
      v.gid = static_cast<unsigned>(*gid);
    }
  }
  v.owned = label_or(c.labels, plan::label::owner) == std::to_string(host.user.uid);
  for (const auto& [key, value] : c.labels) {
    if (!starts_with(key, plan::label::port_prefix)) continue;
    if (auto port = port_of_label(value)) v.ports[key.substr(std::string_view(plan::label::port_prefix).size())] = *port;
  }
  v.workdir = label_or(c.labels, plan::label::workdir);
  v.user = label_or(c.labels, plan::label::user);
  auto base_url = label_or(c.labels, plan::label::jupyter_base_url);
  if (!base_url.empty() && v.ports.count("jupyter")) {
    std::optional<std::string> token;
    if (v.owned) token = backend::read_jupyter_token(host.paths.secrets_dir() / c.name);
    v.jupyter_url = backend::jupyter_url(v.ports["jupyter"], base_url, label_or(c.labels, plan::label::jupyter_ui_path), token);
  }
  return v;
}

std::map<std::string, backend::GpuUse> gpu_use_of(const std::vector<engine::ContainerInfo>& containers, const std::string& except) {
  std::map<std::string, backend::GpuUse> use;
  for (const auto& c : containers) {
    if (c.name == except) continue;
    auto it = c.labels.find(plan::label::gpus);
    if (it == c.labels.end()) continue;
    for (const auto& uuid : split(it->second, ',')) {
      if (uuid.empty()) continue;
      use[uuid].total++;
      if (c.running()) use[uuid].running++;
    }
  }
  return use;
}

}  // namespace dlenv::docker
