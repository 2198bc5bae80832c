#include "spec/settings.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::spec {
namespace {

namespace fs = std::filesystem;

constexpr SettingKey kKeys[] = {
    {"backend", "DLENV_BACKEND", "docker", "where environments run (registered back-ends: docker)", true},
    {"home", "DLENV_HOME", "", "dlenv's state: database, secrets, locks (default: $XDG_DATA_HOME/dlenv, else ~/.local/share/dlenv)", false},
    {"cache_home", "DLENV_CACHE_HOME", "", "the shared caches mounted into environments (default: $XDG_CACHE_HOME, else ~/.cache)", false},
    {"port_range", "DLENV_PORT_RANGE", "20000-20999", "the host ports environments get, FIRST-LAST", false},
    {"engine", "DOCKER_HOST", "", "the container engine's API (default: the first socket found: Docker, rootless Docker, Podman)", false},
    {"engine_timeout_scale", "DLENV_ENGINE_TIMEOUT_SCALE", "1", "multiplies every limit on waiting for the engine", false},
    {"apt_mirror", "DLENV_APT_MIRROR", "", "the Debian archive for offline base images (default: the one apt uses here)", true},
    {"host_facts", "DLENV_HOST_FACTS", "", "a saved 'dlenv host --json' to use instead of probing the GPUs", false},
    {"host_root", "DLENV_HOST_ROOT", "/", "the root the GPU probe reads the driver under", false},
};

std::vector<std::string> key_names() {
  std::vector<std::string> names;
  for (const auto& key : kKeys) names.emplace_back(key.name);
  return names;
}

Error settings_error(const fs::path& file, const toml::source_region& at, std::string message, std::string hint) {
  return Error(ErrorCode::config, std::move(message), std::move(hint))
      .at(SourceLocation{file.string(), static_cast<int>(at.begin.line), static_cast<int>(at.begin.column)});
}

// A string, integer or float as text; nullopt for other types.
std::optional<std::string> as_text(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  return std::nullopt;
}

Result<std::pair<std::string, SettingValue>> read_entry(const fs::path& file, const toml::key& key, const toml::node& value,
                                                        bool project) {
  const std::string name(key.str());
  const std::string shown = project ? "settings." + name : name;
  const auto* known = find_setting_key(name);
  if (!known) {
    auto match = closest_match(name, key_names());
    return fail(settings_error(file, key.source(), fmt::format("unknown setting '{}'", abbreviate(shown)),
                               match ? fmt::format("did you mean '{}'?", *match)
                                     : fmt::format("settings: {}", join(key_names(), ", "))));
  }
  if (project && !known->project_may_set)
    return fail(settings_error(file, key.source(), fmt::format("'{}' cannot be set by a project", shown),
                               fmt::format("set it in your own ~/.config/dlenv/config.toml or with {}", known->variable)));
  auto text = as_text(value);
  if (!text || has_control_char(*text) || text->size() > 4096)
    return fail(settings_error(file, value.source(), fmt::format("'{}' must be one line of text", shown),
                               fmt::format("for example {} = \"{}\"", name, known->fallback.empty() ? "..." : known->fallback)));
  SettingValue v{*text, project ? SettingOrigin::project_file : SettingOrigin::user_file,
                 fmt::format("{}:{}", file.string(), key.source().begin.line)};
  return std::pair{name, std::move(v)};
}

}  // namespace

std::string_view to_string(SettingOrigin origin) {
  switch (origin) {
    case SettingOrigin::built_in: return "default";
    case SettingOrigin::user_file: return "user file";
    case SettingOrigin::project_file: return "project file";
    case SettingOrigin::environment: return "environment";
  }
  return "default";
}

std::span<const SettingKey> setting_keys() { return kKeys; }

const SettingKey* find_setting_key(std::string_view name) {
  for (const auto& key : kKeys)
    if (key.name == name) return &key;
  return nullptr;
}

std::optional<std::string> Settings::get(std::string_view key) const {
  if (const auto* v = find(key)) return v->text;
  return std::nullopt;
}

const SettingValue* Settings::find(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Settings::where(std::string_view key) const {
  const auto* v = find(key);
  if (!v || v->where.empty()) return fmt::format("the default {}", key);
  return fmt::format("{} ({})", key, v->where);
}

void Settings::offer(const std::string& key, SettingValue value) {
  auto it = values_.find(key);
  if (it != values_.end() && it->second.origin >= value.origin) return;
  values_[key] = std::move(value);
}

SettingSources process_setting_sources(const fs::path& home, const fs::path& project_file, bool via_sudo) {
  SettingSources sources;
  auto variable = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  for (const auto& key : kKeys)
    if (auto v = variable(std::string(key.variable).c_str()); !v.empty()) sources.environment[std::string(key.variable)] = v;
  if (auto explicit_file = variable("DLENV_CONFIG"); !explicit_file.empty()) sources.user_file = explicit_file;
  else if (auto xdg = variable("XDG_CONFIG_HOME"); !xdg.empty() && !via_sudo) sources.user_file = fs::path(xdg) / "dlenv/config.toml";
  else sources.user_file = home / ".config/dlenv/config.toml";
  sources.project_file = project_file;
  return sources;
}

Result<std::vector<std::pair<std::string, SettingValue>>> parse_settings(std::string_view text, const fs::path& file,
                                                                         bool project) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    return fail(settings_error(file, error.source(), "invalid TOML: " + trim(std::string(error.description())),
                               "fix the TOML syntax at this line and column"));
  }
  const toml::table* table = &root;
  if (project) {
    const auto* node = root.get("settings");
    if (!node) return std::vector<std::pair<std::string, SettingValue>>{};
    table = node->as_table();
    if (!table)
      return fail(settings_error(file, node->source(), "'settings' must be a table",
                                 "write [settings] with lines such as apt_mirror = \"http://...\""));
  }
  std::vector<std::pair<std::string, SettingValue>> entries;
  for (const auto& [key, value] : *table) entries.push_back(DLENV_TRY(read_entry(file, key, value, project)));
  return entries;
}

Result<Settings> load_settings(const SettingSources& sources) {
  Settings settings;
  for (const auto& key : kKeys) {
    auto v = sources.environment.find(std::string(key.variable));
    if (v != sources.environment.end() && !v->second.empty())
      settings.offer(std::string(key.name), {v->second, SettingOrigin::environment, std::string(key.variable)});
  }
  auto read = [&](const fs::path& file, bool project) -> Status {
    std::error_code ec;
    if (file.empty() || !fs::is_regular_file(file, ec)) return {};
    auto text = read_file(file);
    if (!text) return fail(std::move(text.error()).with_hint("check that the settings file is readable"));
    for (auto& [name, value] : DLENV_TRY(parse_settings(*text, file, project))) settings.offer(name, std::move(value));
    return {};
  };
  DLENV_TRY_VOID(read(sources.project_file, true));
  DLENV_TRY_VOID(read(sources.user_file, false));
  for (const auto& key : kKeys)
    if (!key.fallback.empty()) settings.offer(std::string(key.name), {std::string(key.fallback), SettingOrigin::built_in, ""});
  return settings;
}

}  // namespace dlenv::spec
