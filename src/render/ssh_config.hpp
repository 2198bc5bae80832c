#pragma once
// OpenSSH client configuration text (ssh_config(5)) and known_hosts lines. Every value is
// checked for the place it goes: names are restricted to plain characters, paths are quoted
// and their '%' tokens escaped, and control characters never pass, so a hostile folder name
// or label cannot add a directive (ProxyCommand, a `Host *` block) to a file ssh obeys.
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace dlenv::render {

struct SshHostBlock {
  std::string alias;                 // the Host pattern: letters, digits, '.', '_', '-'
  std::string comment;               // free text on a "#" line; control characters are escaped
  std::string host_name = "127.0.0.1";
  int port = 0;
  std::string user;                  // a login name
  std::optional<std::string> identity_file;  // a path
  std::optional<std::string> proxy_jump;     // [user@]host[:port][,...]
  std::string host_key_alias;        // a name, as for alias
  std::string known_hosts_file;      // a path
};

// The "Host ..." block, ending with a newline. config error naming the field when a value
// cannot be written safely.
Result<std::string> ssh_host_block(const SshHostBlock& block);

// "HOST KEYTYPE BASE64" for a known_hosts file; `key` is "KEYTYPE BASE64" (a comment after
// them is dropped).
Result<std::string> known_hosts_line(std::string_view host, std::string_view key);

// One OpenSSH public key as an authorized_keys line ("TYPE BASE64 [comment]", a known key
// type, no options); nullopt for anything else (a private key, options, a credentials file).
std::optional<std::string> public_key_line(std::string_view line);

}  // namespace dlenv::render
