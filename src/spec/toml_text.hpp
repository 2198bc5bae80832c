#pragma once
// Writing TOML fragments: keys and strings as they must appear in a TOML file or in a
// dotted key path shown to the user. Internal to the spec layer.
#include <string>
#include <string_view>

namespace dlenv::spec {

// `key` as written in TOML: bare when it only uses A-Z a-z 0-9 _ -, else a quoted string.
std::string toml_key(std::string_view key);

// `text` as a TOML basic string, with quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view text);

// "envs.demo" + "mounts" -> "envs.demo.mounts"; the key is quoted when it must be.
std::string toml_key_path(std::string_view parent, std::string_view key);

}  // namespace dlenv::spec
