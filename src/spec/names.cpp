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

namespace {

bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '-'; }
bool is_printable(char c) { return c > 0x20 && c < 0x7f; }

// PEP 508 names start and end with a letter or digit.
bool take_name(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && is_name_char(s[n])) ++n;
  if (n == 0 || !(is_alpha(s[0]) || is_digit(s[0])) || !(is_alpha(s[n - 1]) || is_digit(s[n - 1]))) return false;
  s.remove_prefix(n);
  return true;
}

void skip_spaces(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}

bool take(std::string_view& s, std::string_view word) {
  if (!s.starts_with(word)) return false;
  s.remove_prefix(word.size());
  return true;
}

// op version {, op version}: "==2.3.1", ">=1.26,<2", "~=0.4.0", "===1.0+local".
bool take_version_clauses(std::string_view& s) {
  for (bool first = true;; first = false) {
    skip_spaces(s);
    if (!first && !take(s, ",")) return true;
    skip_spaces(s);
    bool op = take(s, "===") || take(s, "==") || take(s, "!=") || take(s, ">=") || take(s, "<=") || take(s, "~=") ||
              take(s, ">") || take(s, "<");
    if (!op) return false;
    skip_spaces(s);
    size_t n = 0;
    while (n < s.size() && (is_alpha(s[n]) || is_digit(s[n]) || s[n] == '.' || s[n] == '*' || s[n] == '+' ||
                            s[n] == '!' || s[n] == '_' || s[n] == '-'))
      ++n;
    if (n == 0) return false;
    s.remove_prefix(n);
  }
}

}  // namespace

bool is_valid_pip_requirement(std::string_view requirement) {
  constexpr size_t kMaxRequirementLength = 1024;
  if (requirement.size() > kMaxRequirementLength) return false;
  if (std::any_of(requirement.begin(), requirement.end(), [](char c) { return c != ' ' && !is_printable(c); }))
    return false;
  std::string_view s = requirement;
  skip_spaces(s);
  if (!take_name(s)) return false;  // also refuses "-r", "--index-url", ...
  skip_spaces(s);
  if (take(s, "[")) {
    do {
      skip_spaces(s);
      if (!take_name(s)) return false;
      skip_spaces(s);
    } while (take(s, ","));
    if (!take(s, "]")) return false;
    skip_spaces(s);
  }
  if (take(s, "@")) {
    // A direct reference: one URL with a scheme, no spaces.
    skip_spaces(s);
    size_t n = 0;
    while (n < s.size() && is_printable(s[n]) && s[n] != ';') ++n;
    std::string_view url = s.substr(0, n);
    if (url.find("://") == std::string_view::npos && !url.starts_with("file:")) return false;
    s.remove_prefix(n);
    skip_spaces(s);
  } else if (take(s, "(")) {
    if (!take_version_clauses(s)) return false;
    skip_spaces(s);
    if (!take(s, ")")) return false;
    skip_spaces(s);
  } else if (!s.empty() && s.front() != ';') {
    if (!take_version_clauses(s)) return false;
    skip_spaces(s);
  }
  if (s.empty()) return true;
  // An environment marker: "; python_version < '3.12'". Printable text; the shell never sees
  // it unquoted and pip parses it.
  if (!take(s, ";")) return false;
  skip_spaces(s);
  return !s.empty();
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
