#include "spec/toml_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace dlenv::spec {

namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string toml_key(std::string_view key) {
  // Shown in errors: a hostile megabyte key is cut (the result is then for reading only).
  constexpr size_t kShownKeyLength = 200;
  if (key.size() > kShownKeyLength)
    return fmt::format("{}...({} characters)", toml_string(key.substr(0, 80)), key.size());
  if (!key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char)) return std::string(key);
  return toml_string(key);
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
          out += c;
    }
  }
  out += '"';
  return out;
}

std::string toml_key_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return toml_key(key);
  return fmt::format("{}.{}", parent, toml_key(key));
}

}  // namespace dlenv::spec
