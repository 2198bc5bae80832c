#pragma once
// Syntax checks for the names that appear in dlenv.toml. Internal to the spec layer;
// env_name_from_folder and is_valid_image_reference are public in loader.hpp.
#include <string_view>

namespace dlenv::spec {

// Environment names: [a-z0-9][a-z0-9_.-]{0,62}.
bool is_valid_env_name(std::string_view name);

// Environment variable names: [A-Za-z_][A-Za-z0-9_]*.
bool is_valid_env_var_name(std::string_view name);

// Debian package names [a-z0-9][a-z0-9+.-]+, optionally followed by =VERSION.
bool is_valid_apt_package(std::string_view spec);

// One Python requirement as PEP 508 writes it: NAME[EXTRAS] with version clauses
// ("numpy>=1.26,<2", "torch (==2.3.1)") or a direct reference ("pkg @ https://..."), and an
// optional "; marker". Never a pip option ("--index-url ...", "-r file"): indexes come from
// dlenv's own settings. Control characters never pass.
bool is_valid_pip_requirement(std::string_view requirement);

}  // namespace dlenv::spec
