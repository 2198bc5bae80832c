#include "render/ssh_config.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "util/text.hpp"

namespace dlenv::render {
namespace {

bool is_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

std::unexpected<Error> unusable(std::string_view field, std::string_view value, std::string_view allowed) {
  return fail(ErrorCode::config, fmt::format("cannot write {} \"{}\" into an ssh configuration", field, abbreviate(value)),
              fmt::format("it may hold only {}", allowed));
}

Result<std::string> name_word(std::string_view field, std::string_view value, std::string_view extra = "") {
  bool ok = !value.empty() && value.size() <= 255 && value.front() != '-' &&
            std::all_of(value.begin(), value.end(), [&](char c) { return is_plain(c) || extra.find(c) != std::string_view::npos; });
  if (!ok) return unusable(field, value, fmt::format("letters, digits and '._-{}'", extra));
  return std::string(value);
}

// A path for a directive that expands %-tokens and '~': '%' doubled, spaces quoted.
Result<std::string> path_word(std::string_view field, std::string_view value) {
  if (value.empty() || has_control_char(value) || value.find('"') != std::string_view::npos)
    return unusable(field, value, "printable characters other than '\"'");
  std::string escaped;
  for (char c : value) escaped += c == '%' ? std::string("%%") : std::string(1, c);
  if (escaped.find(' ') != std::string::npos || escaped.find('#') != std::string::npos) return "\"" + escaped + "\"";
  return escaped;
}

bool is_base64(char c) { return is_plain(c) || c == '+' || c == '/' || c == '='; }

}  // namespace

Result<std::string> ssh_host_block(const SshHostBlock& b) {
  std::string out = fmt::format("Host {}\n", DLENV_TRY(name_word("the host alias", b.alias)));
  if (!b.comment.empty()) out += fmt::format("  # {}\n", abbreviate(b.comment, 300));
  out += fmt::format("  HostName {}\n", DLENV_TRY(name_word("the host name", b.host_name, ":")));
  if (b.port < 1 || b.port > 65535) return fail(ErrorCode::config, fmt::format("port {} is not a TCP port", b.port), "use 1-65535");
  out += fmt::format("  Port {}\n", b.port);
  out += fmt::format("  User {}\n", DLENV_TRY(name_word("the user name", b.user, "@$")));
  if (b.identity_file) {
    out += fmt::format("  IdentityFile {}\n", DLENV_TRY(path_word("the identity file", *b.identity_file)));
    out += "  IdentitiesOnly yes\n";
  }
  if (b.proxy_jump) out += fmt::format("  ProxyJump {}\n", DLENV_TRY(name_word("the jump host", *b.proxy_jump, "@:,[]/")));
  out += fmt::format("  HostKeyAlias {}\n", DLENV_TRY(name_word("the host key alias", b.host_key_alias)));
  out += fmt::format("  UserKnownHostsFile {}\n", DLENV_TRY(path_word("the known hosts file", b.known_hosts_file)));
  out += "  StrictHostKeyChecking yes\n";
  return out;
}

Result<std::string> known_hosts_line(std::string_view host, std::string_view key) {
  std::string host_word = DLENV_TRY(name_word("the known host", host));
  auto parts = split(trim(key), ' ');
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty() ||
      !std::all_of(parts[0].begin(), parts[0].end(), is_plain) ||
      !std::all_of(parts[1].begin(), parts[1].end(), is_base64))
    return fail(ErrorCode::config, fmt::format("the host key of {} is not \"TYPE BASE64\"", host_word),
                "remove the environment's host key file so that 'dlenv up' makes a new one");
  return fmt::format("{} {} {}\n", host_word, parts[0], parts[1]);
}

std::optional<std::string> public_key_line(std::string_view line) {
  static const std::vector<std::string> kTypes = {
      "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss"};
  std::string text = trim(line);
  if (text.size() > 16384 || has_control_char(text)) return std::nullopt;
  auto parts = split(text, ' ');
  if (parts.size() < 2 || std::find(kTypes.begin(), kTypes.end(), parts[0]) == kTypes.end() || parts[1].size() < 16 ||
      !std::all_of(parts[1].begin(), parts[1].end(), is_base64))
    return std::nullopt;
  return text;
}

}  // namespace dlenv::render
