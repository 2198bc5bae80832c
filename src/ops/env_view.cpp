#include "ops/env_view.hpp"

#include <fmt/format.h>

#include "ops/env_views.hpp"
#include "ops/secrets.hpp"
#include "plan/env_plan.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
std::string label_or(const engine::Labels& labels, const std::string& key, std::string fallback) {
  auto it = labels.find(key);
  return it == labels.end() ? fallback : it->second;
}

std::string jupyter_url(int port, const std::string& base_url, const std::optional<std::string>& token) {
  std::string url = fmt::format("http://127.0.0.1:{}{}", port, base_url.empty() ? "/" : base_url);
  if (token) url += "?token=" + *token;
  return url;
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
  v.state = c.running() ? "running" : (c.state == "created" ? "created" : "stopped");
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
  auto base_url = label_or(c.labels, plan::label::jupyter_base_url);
  if (!base_url.empty() && v.ports.count("jupyter")) {
    std::optional<std::string> token;
    if (v.owned) token = read_jupyter_token(host.paths.secrets_dir() / c.name);
    v.jupyter_url = jupyter_url(v.ports["jupyter"], base_url, token);
  }
  return v;
}

}  // namespace dlenv::ops
