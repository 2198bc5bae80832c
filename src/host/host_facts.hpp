#pragma once
// What dlenv knows about the machine it runs on and the person running it. Paths and the
// port range come from the settings (spec/settings.hpp), so tests and other machines can be
// described; the user comes from the process (SUDO_UID/SUDO_GID when run through sudo).
#include <filesystem>
#include <string>
#include <sys/types.h>

#include "spec/settings.hpp"
#include "util/error.hpp"

namespace dlenv::host {

// The person dlenv acts for: the invoking user, or the sudo user when run through sudo.
struct UserIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
  std::filesystem::path home;  // from the passwd database (not $HOME, which sudo may keep)
  bool via_sudo = false;
};

// The user's name inside containers (passwd entry, ssh login): "root" for uid 0, the host
// name when it is a portable POSIX user name ([a-z_][a-z0-9_.-]{0,31}), else "u<uid>". A name
// that is not portable could break the passwd line or an ssh config it is written into.
std::string container_login(const UserIdentity& user);

// Where dlenv keeps things for that user.
struct Paths {
  std::filesystem::path data_dir;   // setting home, else $XDG_DATA_HOME/dlenv, else ~/.local/share/dlenv
  std::filesystem::path cache_dir;  // setting cache_home, else $XDG_CACHE_HOME, else ~/.cache (shared caches live here)
  std::filesystem::path state_db() const { return data_dir / "state.db"; }
  std::filesystem::path secrets_dir() const { return data_dir / "secrets"; }
  // Each environment's home in the container (HOME), kept across rm/up and image rebuilds.
  std::filesystem::path homes_dir() const { return data_dir / "homes"; }
  std::filesystem::path home_of(const std::string& container) const { return homes_dir() / container; }
};

struct PortRange {
  int first = 20000;
  int last = 20999;
};

struct HostFacts {
  UserIdentity user;
  Paths paths;
  PortRange ports;         // setting port_range (FIRST-LAST)
  std::string hostname;
};

// Probes the host. Fails only on an invalid setting (usage error naming where it was set).
Result<HostFacts> probe_host(const spec::Settings& settings);

// The user identity alone (SUDO_UID/SUDO_GID honoured when running as root).
Result<UserIdentity> invoking_user();

// "FIRST-LAST" -> PortRange; usage error naming `where` (the setting's origin) otherwise.
Result<PortRange> parse_port_range(std::string_view text, std::string_view where = "DLENV_PORT_RANGE");

// The Debian archive URI configured for apt on this machine, or deb.debian.org's.
std::string configured_apt_mirror(const std::filesystem::path& etc_apt = "/etc/apt");

// The apt_mirror setting, else configured_apt_mirror(). Read when needed, not at every probe.
std::string apt_mirror(const spec::Settings& settings);

}  // namespace dlenv::host
