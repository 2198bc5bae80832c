#pragma once
// dlenv's settings (where its state lives, the port range, the apt mirror, the engine, ...),
// each value with where it came from. load_settings is the one place that reads them.
// Precedence, highest first (applied in load_settings):
//   1. the environment variable of the setting (DLENV_HOME, ..., DOCKER_HOST for the engine)
//   2. the project's dlenv.toml, table [settings] (only the keys a project may set)
//   3. the user's file: $DLENV_CONFIG, else $XDG_CONFIG_HOME/dlenv/config.toml, else
//      ~/.config/dlenv/config.toml (missing is fine)
//   4. the built-in default
// Values are text here; each is checked where it is applied (host facts, the engine), with
// its origin in the message.
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace dlenv::spec {

enum class SettingOrigin { built_in, user_file, project_file, environment };
// "default", "user file", "project file", "environment"
std::string_view to_string(SettingOrigin origin);

struct SettingKey {
  std::string_view name;         // "port_range"
  std::string_view variable;     // "DLENV_PORT_RANGE"
  std::string_view fallback;     // the default as text; empty when it is derived (see description)
  std::string_view description;
  bool project_may_set = false;  // in dlenv.toml [settings]
};
// Every setting, in the order `dlenv config` shows them.
std::span<const SettingKey> setting_keys();
const SettingKey* find_setting_key(std::string_view name);

struct SettingValue {
  std::string text;
  SettingOrigin origin = SettingOrigin::built_in;
  std::string where;  // the variable, or file:line; empty for a default
};

class Settings {
 public:
  // The value of `key`; nullopt when no source set it and it has no default text.
  std::optional<std::string> get(std::string_view key) const;
  const SettingValue* find(std::string_view key) const;
  // "DLENV_PORT_RANGE", "/home/u/.config/dlenv/config.toml:3" or "the default": for messages.
  std::string where(std::string_view key) const;
  // Sets `key` unless a source of higher precedence already did.
  void offer(const std::string& key, SettingValue value);

 private:
  std::map<std::string, SettingValue, std::less<>> values_;
};

struct SettingSources {
  std::map<std::string, std::string> environment;  // variable -> value (empty values count as unset)
  std::filesystem::path user_file;                 // may not exist
  std::filesystem::path project_file;              // a dlenv.toml, or empty
};

// This process's sources: its environment, the user's file (see above; `home` is the home
// of the user dlenv acts for; `via_sudo`: $XDG_CONFIG_HOME is root's, so it is not used), and
// `project_file` (may be empty).
SettingSources process_setting_sources(const std::filesystem::path& home, const std::filesystem::path& project_file,
                                       bool via_sudo = false);

// Reads and merges the sources. config error (file:line:col, did-you-mean) for an unknown
// key, a value that is not a string or number, or a key a project file may not set.
Result<Settings> load_settings(const SettingSources& sources);

// The settings in a file's text: the whole file for the user's file, the [settings] table
// for a project file (`project`). Errors as load_settings.
Result<std::vector<std::pair<std::string, SettingValue>>> parse_settings(std::string_view text,
                                                                         const std::filesystem::path& file,
                                                                         bool project);

}  // namespace dlenv::spec
