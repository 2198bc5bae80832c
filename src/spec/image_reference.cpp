// Docker image reference grammar (distribution/reference), checked by hand:
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component { "/" path-component }
//   domain    := domain-component { "." domain-component } [ ":" port ]
#include <algorithm>

#include "spec/loader.hpp"

namespace dlenv::spec {

namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;
constexpr std::string_view kDigestPrefix = "sha256:";
constexpr size_t kSha256HexLength = 64;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-z0-9]+ joined by one of: "." "_" "__" "-"+
bool is_path_component(std::string_view s) {
  size_t i = 0;
  auto skip_alnum_run = [&] {
    size_t start = i;
    while (i < s.size() && is_lower_alnum(s[i])) ++i;
    return i > start;
  };
  if (!skip_alnum_run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!skip_alnum_run()) return false;
  }
  return true;
}

bool is_path(std::string_view s) {
  while (true) {
    size_t slash = s.find('/');
    if (!is_path_component(s.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    s.remove_prefix(slash + 1);
  }
}

// [A-Za-z0-9] or [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
bool is_domain_component(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_domain(std::string_view s) {
  if (size_t colon = s.find(':'); colon != std::string_view::npos) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) return false;
    s = s.substr(0, colon);
  }
  while (true) {
    size_t dot = s.find('.');
    if (!is_domain_component(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
bool is_tag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  if (!is_alnum(s[0]) && s[0] != '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

// sha256:<64 lowercase hex digits>
bool is_digest(std::string_view s) {
  if (!s.starts_with(kDigestPrefix)) return false;
  std::string_view hex = s.substr(kDigestPrefix.size());
  return hex.size() == kSha256HexLength &&
         std::all_of(hex.begin(), hex.end(), [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  if (is_path(s)) return true;
  size_t slash = s.find('/');
  return slash != std::string_view::npos && is_domain(s.substr(0, slash)) && is_path(s.substr(slash + 1));
}

}  // namespace

bool is_valid_image_reference(std::string_view ref) {
  std::string_view rest = ref;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    if (!is_digest(rest.substr(at + 1))) return false;
    rest = rest.substr(0, at);
  }
  // A tag's ':' comes after the last '/'; an earlier ':' belongs to a registry port.
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    if (!is_tag(rest.substr(colon + 1))) return false;
    rest = rest.substr(0, colon);
  }
  return is_name(rest);
}

}  // namespace dlenv::spec
