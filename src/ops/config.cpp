#include "ops/config.hpp"

#include <fmt/format.h>

#include "host/host_facts.hpp"

namespace dlenv::ops {
namespace {

// The value in use when no source set `key`, as the layer that applies it works it out.
std::string derived_default(Context& ctx, std::string_view key) {
  const auto& host = ctx.host();
  if (key == "home") return host.paths.data_dir.string();
  if (key == "cache_home") return host.paths.cache_dir.string();
  if (key == "port_range") return fmt::format("{}-{}", host.ports.first, host.ports.last);
  if (key == "apt_mirror") return host::apt_mirror(ctx.settings());
  if (key == "engine") return ctx.backend().endpoint();
  return "";
}

}  // namespace

std::vector<SettingView> settings_view(Context& ctx) {
  std::vector<SettingView> out;
  for (const auto& key : spec::setting_keys()) {
    SettingView view;
    view.key = std::string(key.name);
    view.variable = std::string(key.variable);
    view.description = std::string(key.description);
    if (const auto* value = ctx.settings().find(key.name)) {
      view.value = value->text;
      view.origin = std::string(spec::to_string(value->origin));
      view.where = value->where;
    } else {
      view.value = derived_default(ctx, key.name);
      view.origin = std::string(spec::to_string(spec::SettingOrigin::built_in));
    }
    out.push_back(std::move(view));
  }
  return out;
}

}  // namespace dlenv::ops
