#include "spec/names.hpp"

#include <algorithm>
#include <string>

#include "spec/loader.hpp"

namespace dlenv::spec {

namespace {

constexpr size_t kMaxEnvNameLength = 63;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Characters of a Debian version string (epoch:upstream-revision).
bool is_version_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '+' || c == '~' || c == ':' || c == '-';
}

}  // namespace

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxEnvNameLength || !is_lower_alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_lower_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_valid_env_var_name(std::string_view name) {
  if (name.empty() || is_digit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

bool is_valid_apt_package(std::string_view spec) {
  std::string_view package = spec;
  if (size_t equals = spec.find('='); equals != std::string_view::npos) {
    std::string_view version = spec.substr(equals + 1);
    if (version.empty() || !std::all_of(version.begin(), version.end(), is_version_char)) return false;
    package = spec.substr(0, equals);
  }
  if (package.size() < 2 || !is_lower_alnum(package[0])) return false;
  return std::all_of(package.begin(), package.end(),
                     [](char c) { return is_lower_alnum(c) || c == '+' || c == '.' || c == '-'; });
}

// Lower-cases ASCII letters, keeps digits and '_', turns every other run of characters into
// one '-', then trims separators from both ends so the result is a bare TOML key too.
std::string env_name_from_folder(std::string_view folder) {
  std::string name;
  for (char c : folder) {
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (is_lower_alnum(lower) || lower == '_') {
      name += lower;
    } else if (name.empty() || name.back() != '-') {
      name += '-';
    }
  }
  size_t first = 0;
  while (first < name.size() && !is_lower_alnum(name[first])) ++first;
  name.erase(0, first);
  if (name.size() > kMaxEnvNameLength) name.resize(kMaxEnvNameLength);
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? std::string("env") : name;
}

}  // namespace dlenv::spec
