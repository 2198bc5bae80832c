#include "host/host_facts.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "util/text.hpp"

namespace dlenv::host {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

}  // namespace

Result<UserIdentity> invoking_user() {
  UserIdentity id;
  id.uid = ::getuid();
  id.gid = ::getgid();
  if (id.uid == 0) {
    auto sudo_uid = env("SUDO_UID");
    auto sudo_gid = env("SUDO_GID");
    if (sudo_uid && sudo_gid) {
      auto uid = parse_int(*sudo_uid), gid = parse_int(*sudo_gid);
      if (!uid || !gid || *uid < 0 || *gid < 0 || *uid > 0xfffffffe || *gid > 0xfffffffe)
        return fail(ErrorCode::usage, "SUDO_UID/SUDO_GID are not user and group ids", "unset them or run dlenv without sudo");
      id.uid = static_cast<uid_t>(*uid);
      id.gid = static_cast<gid_t>(*gid);
      id.via_sudo = id.uid != 0;
    }
  }
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  ::getpwuid_r(id.uid, &pw, buf.data(), buf.size(), &found);
  if (found) {
    id.name = pw.pw_name;
    id.home = pw.pw_dir;
  } else {
    id.name = fmt::format("u{}", id.uid);
    id.home = env("HOME").value_or("/tmp");
  }
  return id;
}

std::string container_login(const UserIdentity& user) {
  if (user.uid == 0) return "root";
  const std::string& n = user.name;
  auto first_ok = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  auto rest_ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'; };
  if (!n.empty() && n.size() <= 32 && first_ok(n[0]) && std::all_of(n.begin(), n.end(), rest_ok)) return n;
  return fmt::format("u{}", user.uid);
}

Result<PortRange> parse_port_range(std::string_view text, std::string_view where) {
  auto parts = split(trim(text), '-');
  auto bad = [&] {
    return fail(ErrorCode::usage, fmt::format("{} '{}' is not FIRST-LAST", where, abbreviate(text)),
                "use two port numbers between 1024 and 65535, e.g. port_range = \"20000-20999\" in "
                "~/.config/dlenv/config.toml, or DLENV_PORT_RANGE=20000-20999");
  };
  if (parts.size() != 2) return bad();
  auto first = parse_int(parts[0]), last = parse_int(parts[1]);
  if (!first || !last || *first < 1024 || *last > 65535 || *first > *last) return bad();
  return PortRange{static_cast<int>(*first), static_cast<int>(*last)};
}

std::string configured_apt_mirror(const std::filesystem::path& etc_apt) {
  // deb822 "URIs:" lines and one-line "deb URI suite" entries; the first one that serves Debian.
  static const std::regex one_line(R"(^\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+\S+)");
  static const std::regex deb822(R"(^\s*URIs:\s*(\S+))");
  std::vector<std::filesystem::path> files;
  if (std::filesystem::exists(etc_apt / "sources.list")) files.push_back(etc_apt / "sources.list");
  std::error_code ec;
  std::vector<std::filesystem::path> parts;
  for (const auto& entry : std::filesystem::directory_iterator(etc_apt / "sources.list.d", ec)) parts.push_back(entry.path());
  std::sort(parts.begin(), parts.end());
  files.insert(files.end(), parts.begin(), parts.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      std::string uri;
      if (std::regex_search(line, m, deb822)) uri = m[1];
      else if (std::regex_search(line, m, one_line)) uri = m[2];
      if (uri.empty()) continue;
      while (!uri.empty() && uri.back() == '/') uri.pop_back();
      // The main archive, not the security one.
      if (uri.size() >= 7 && uri.substr(uri.size() - 7) == "/debian") return uri;
    }
  }
  return "http://deb.debian.org/debian";
}

std::string apt_mirror(const spec::Settings& settings) {
  if (auto mirror = settings.get("apt_mirror"); mirror && !mirror->empty()) return *mirror;
  return configured_apt_mirror();
}

Result<HostFacts> probe_host(const spec::Settings& settings) {
  HostFacts facts;
  facts.user = DLENV_TRY(invoking_user());
  auto set = [&](std::string_view key) { return settings.get(key).value_or(""); };
  if (auto home = set("home"); !home.empty()) facts.paths.data_dir = home;
  else if (auto xdg = env("XDG_DATA_HOME"); xdg && !facts.user.via_sudo) facts.paths.data_dir = std::filesystem::path(*xdg) / "dlenv";
  else facts.paths.data_dir = facts.user.home / ".local/share/dlenv";
  if (auto cache = set("cache_home"); !cache.empty()) facts.paths.cache_dir = cache;
  else if (auto xdg = env("XDG_CACHE_HOME"); xdg && !facts.user.via_sudo) facts.paths.cache_dir = *xdg;
  else facts.paths.cache_dir = facts.user.home / ".cache";
  facts.paths.data_dir = std::filesystem::absolute(facts.paths.data_dir).lexically_normal();
  facts.paths.cache_dir = std::filesystem::absolute(facts.paths.cache_dir).lexically_normal();
  if (auto range = set("port_range"); !range.empty()) facts.ports = DLENV_TRY(parse_port_range(range, settings.where("port_range")));
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) facts.hostname = name;
  return facts;
}

}  // namespace dlenv::host
