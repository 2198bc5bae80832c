#include "ops/environments/mount_policy.hpp"

#include <algorithm>
#include <array>

#include <sys/stat.h>

#include <fmt/format.h>

#include "backend/ownership.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

namespace fs = std::filesystem;

// Folders whose contents run or configure the host.
constexpr std::array kSystemDirs = {"/etc",     "/usr",     "/bin",     "/sbin",      "/lib",      "/lib32",
                                    "/lib64",   "/libx32",  "/boot",    "/proc",      "/sys",      "/dev",
                                    "/run",     "/var/run", "/var/lib", "/var/log",   "/var/spool", "/var/mail",
                                    "/var/cache", "/root"};
// Shared temporary folders: themselves (not what is inside them) hold other programs'
// sockets (tmux, ssh-agent, editors) that a process of the same uid could drive.
constexpr std::array kSharedTempDirs = {"/tmp", "/var/tmp"};

// `path` is `dir` or inside it.
bool within(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p)
    if (p == path.end() || *p != *d) return false;
  return true;
}

fs::path resolved(const fs::path& path) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : real;
}

// Why mounting `host` is sensitive; empty when it is not.
// Whether `host` is or holds one of the back-end's control paths (the engine's socket).
bool holds_control_path(const fs::path& host, const std::vector<fs::path>& control_paths) {
  return std::any_of(control_paths.begin(), control_paths.end(),
                     [&](const fs::path& p) { return !p.empty() && within(resolved(p), host); });
}

std::string why_sensitive(const fs::path& host, const host::HostFacts& facts, const std::vector<fs::path>& control_paths) {
  if (host == host.root_path()) return "it is the host's root file system";
  if (holds_control_path(host, control_paths)) return "it holds the container engine's socket (root on this host)";
  for (const char* dir : kSystemDirs)
    if (within(host, resolved(dir))) return fmt::format("it is the system folder {}", dir);
  for (const char* dir : kSharedTempDirs)
    if (host == resolved(dir)) return fmt::format("{} holds other programs' sockets (tmux, ssh-agent)", dir);
  const fs::path home = resolved(facts.user.home);
  if (within(home, host)) return host == home ? "it is your home folder" : "it holds your home folder";
  const fs::path state = resolved(facts.paths.data_dir);
  if (within(host, state) || within(state, host)) return "it holds dlenv's state and secrets (DLENV_HOME)";
  if (within(host, home)) {
    auto first = *fs::relative(host, home).begin();
    std::string name = first.string();
    if (name.starts_with(".") && name != ".cache")
      return fmt::format("it is in ~/{}, a hidden folder of your home (keys, credentials, shell start-up files)", name);
    if (name == "bin") return "it is in ~/bin, which is on your PATH";
  }
  return {};
}

fs::path trust_file(const host::HostFacts& facts) { return facts.paths.data_dir / "trusted-mounts"; }

// One accepted mount: project, environment, source, target and whether read-only, so that a
// changed mount (read-only turned off) needs the user's word again.
std::string trust_line(const spec::ProjectSpec& project, const spec::EnvSpec& env, const SensitiveMount& m) {
  return fmt::format("{}\t{}\t{}\t{}\t{}", project.dir.string(), env.name, m.host, m.target, m.read_only ? "ro" : "rw");
}

std::vector<std::string> trusted_lines(const host::HostFacts& facts) {
  auto text = read_file(trust_file(facts));
  return text ? split(*text, '\n') : std::vector<std::string>{};
}

// A mount source must exist: a typo would otherwise mount an empty folder the engine made.
Status check_source_exists(const spec::MountSpec& mount) {
  std::error_code ec;
  fs::file_status status = fs::status(mount.host, ec);
  if (fs::exists(status)) return {};
  const std::string shown = abbreviate(mount.host.string(), 200);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    return fail(Error(ErrorCode::config, fmt::format("cannot use mount source {}: {}", shown, ec.message()),
                      "check that you can read that folder and the folders above it")
                    .at(mount.where));
  std::string hint = fmt::format("create it first (mkdir -p {}), or correct the path in dlenv.toml; relative paths "
                                 "start at the project folder",
                                 shell_quote(mount.host.string()));
  std::vector<std::string> siblings;
  for (const auto& sibling : fs::directory_iterator(mount.host.parent_path(), ec)) {
    if (siblings.size() >= 1000) break;
    siblings.push_back(sibling.path().filename().string());
  }
  if (auto guess = closest_match(mount.host.filename().string(), siblings))
    hint = fmt::format("did you mean {}? Or {}", (mount.host.parent_path() / *guess).string(), hint);
  return fail(Error(ErrorCode::config, fmt::format("mount source {} does not exist", shown), hint).at(mount.where));
}

}  // namespace

std::vector<SensitiveMount> sensitive_mounts(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                                             const std::vector<fs::path>& control_paths) {
  const auto& facts = ctx.host();
  const auto trusted = trusted_lines(facts);
  std::vector<SensitiveMount> out;
  for (const auto& mount : env.mounts) {
    const fs::path host = resolved(mount.host);
    std::string reason = why_sensitive(host, facts, control_paths);
    if (reason.empty()) continue;
    SensitiveMount m{host.string(), mount.container, reason, "", false, mount.read_only};
    m.never = facts.user.uid == 0 && holds_control_path(host, control_paths);
    if (mount.allow) m.allowed_by = "allow = true";
    else if (std::find(trusted.begin(), trusted.end(), trust_line(project, env, m)) != trusted.end()) m.allowed_by = "--trust";
    out.push_back(std::move(m));
  }
  return out;
}

Status check_mounts(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                    const std::vector<fs::path>& control_paths, bool trust) {
  for (const auto& mount : env.mounts) DLENV_TRY_VOID(check_source_exists(mount));
  auto mounts = sensitive_mounts(ctx, project, env, control_paths);
  std::vector<std::string> refused, to_record;
  for (const auto& m : mounts) {
    if (m.never) {
      return fail(Error(ErrorCode::config,
                        fmt::format("env '{}' mounts {} ({}), and its container user is root", env.name, m.host, m.reason),
                        "dlenv never gives a root container the engine's socket; remove the mount, or run dlenv as an "
                        "ordinary user")
                      .at(env.where));
    }
    if (!m.allowed_by.empty()) continue;
    if (trust) to_record.push_back(trust_line(project, env, m));
    else refused.push_back(fmt::format("{} -> {}: {}", m.host, m.target, m.reason));
  }
  if (!refused.empty())
    return fail(Error(ErrorCode::config,
                      fmt::format("env '{}' mounts {} sensitive folder{} of this host:\n  {}", env.name, refused.size(),
                                  refused.size() == 1 ? "" : "s", join(refused, "\n  ")),
                      "if you mean it, write the mount as a table with allow = true, e.g. \"~\" = { target = \"/h\", "
                      "allow = true }, or run 'dlenv up --trust' once; 'dlenv plan' lists sensitive mounts")
                    .at(env.where));
  if (!to_record.empty()) {
    auto lines = trusted_lines(ctx.host());
    lines.erase(std::remove(lines.begin(), lines.end(), std::string()), lines.end());
    lines.insert(lines.end(), to_record.begin(), to_record.end());
    DLENV_TRY_VOID(make_dirs(ctx.host().paths.data_dir, 0700, backend::owner_of(ctx.host().user)));
    DLENV_TRY_VOID(write_file_atomic(trust_file(ctx.host()), join(lines, "\n") + "\n", 0600));
    backend::chown_to_user(trust_file(ctx.host()), ctx.host().user);
  }
  return {};
}

Result<spec::EnvSpec> with_real_mount_sources(Context& ctx, const spec::EnvSpec& env) {
  const auto& user = ctx.host().user;
  spec::EnvSpec out = env;
  for (auto& mount : out.mounts) {
    std::error_code ec;
    fs::path real = fs::canonical(mount.host, ec);
    if (ec)
      return fail(Error(ErrorCode::config, fmt::format("cannot resolve mount source {}: {}", mount.host.string(), ec.message()),
                        "check that it exists and that you can reach it")
                      .at(mount.where));
    for (fs::path dir = real.parent_path();; dir = dir.parent_path()) {
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0) break;
      const bool owner_ok = st.st_uid == 0 || st.st_uid == user.uid;
      const bool others_write = (st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != user.gid);
      if (!owner_ok || (others_write && !(st.st_mode & S_ISVTX)))
        return fail(Error(ErrorCode::config,
                          fmt::format("mount source {} is inside {}, which someone other than you may change", real.string(),
                                      dir.string()),
                          fmt::format("they could swap the folder for a link to another one before it is mounted: move the "
                                      "data under a folder only you can write, or make {} yours ('chmod go-w', 'chown')",
                                      dir.string()))
                        .at(mount.where));
      if (dir == dir.root_path()) break;
    }
    mount.host = real;
  }
  return out;
}

}  // namespace dlenv::ops
