#include "ops/ssh_access.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ops/ownership.hpp"
#include "plan/run_plan.hpp"
#include "render/ssh_config.hpp"
#include "util/files.hpp"
#include "util/subprocess.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

Status keygen(Context& ctx, const std::filesystem::path& key, const std::string& comment) {
  if (std::filesystem::exists(key)) return {};
  if (!find_program("ssh-keygen"))
    return fail(ErrorCode::io, "ssh-keygen is not installed, so no SSH key can be made",
                "install OpenSSH's client (sudo apt-get install openssh-client), or set [envs.NAME.ssh] enabled = false");
  auto r = DLENV_TRY(run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key.string()}));
  if (r.exit_code != 0)
    return fail(ErrorCode::io, fmt::format("ssh-keygen could not write {}: {}", key.string(), trim(r.err)), "check the directory's permissions");
  ::chmod(key.c_str(), 0600);
  chown_to_user(key, ctx.host().user);
  chown_to_user(key.string() + ".pub", ctx.host().user);
  return {};
}

std::string first_line(const std::string& text) { return trim(split(text, '\n').front()); }

}  // namespace

std::string ssh_login(const host::UserIdentity& user) { return host::container_login(user); }

std::optional<std::string> env_host_key(const host::Paths& paths, const std::string& container) {
  auto key = read_file(paths.secrets_dir() / container / (std::string(plan::kSshHostKeyFile) + ".pub"));
  if (!key) return std::nullopt;
  auto parts = split(first_line(*key), ' ');
  if (parts.size() < 2) return std::nullopt;
  return parts[0] + " " + parts[1];
}

std::filesystem::path ssh_dir(const host::UserIdentity& user) { return user.home / ".ssh" / "dlenv"; }

Status prepare_ssh(Context& ctx, const spec::EnvSpec& env, const std::filesystem::path& secrets_dir) {
  const auto& user = ctx.host().user;
  DLENV_TRY_VOID(keygen(ctx, secrets_dir / plan::kSshHostKeyFile, fmt::format("dlenv host key of {}", env.name)));
  DLENV_TRY_VOID(make_dirs(user.home / ".ssh", 0700, owner_of(user)));
  DLENV_TRY_VOID(make_dirs(ssh_dir(user), 0700, owner_of(user)));
  auto identity = ssh_dir(user) / "id_ed25519";
  DLENV_TRY_VOID(keygen(ctx, identity, fmt::format("dlenv identity of {}", user.name)));

  std::string keys;
  if (env.authorized_keys) {
    // Named in the project file: every line must be a public key (never a private key or a
    // credentials file that would then be readable in the container).
    auto text = DLENV_TRY(read_file(*env.authorized_keys));
    int number = 0;
    for (const auto& line : split(text, '\n')) {
      ++number;
      if (trim(line).empty() || trim(line).starts_with("#")) continue;
      auto key = render::public_key_line(line);
      if (!key)
        return fail(Error(ErrorCode::config,
                          fmt::format("line {} of {} is not an OpenSSH public key", number, env.authorized_keys->string()),
                          "authorized_keys takes public keys only (\"ssh-ed25519 AAAA... comment\", as in a .pub file), "
                          "without options")
                        .at(env.where));
      keys += *key + "\n";
    }
  } else {
    // The user's public keys, and the keys that may log into this host as the user (so a
    // laptop that reaches the server reaches its environments through `dlenv tunnel`). Lines
    // with options (from=, command=) or anything else are left out.
    std::vector<std::filesystem::path> sources = {user.home / ".ssh" / "authorized_keys"};
    std::error_code ec;
    std::vector<std::filesystem::path> pubs;
    for (const auto& entry : std::filesystem::directory_iterator(user.home / ".ssh", ec))
      if (entry.path().extension() == ".pub" && entry.is_regular_file()) pubs.push_back(entry.path());
    std::sort(pubs.begin(), pubs.end());
    sources.insert(sources.end(), pubs.begin(), pubs.end());
    for (const auto& source : sources)
      if (auto text = read_file(source))
        for (const auto& line : split(*text, '\n'))
          if (auto key = render::public_key_line(line)) keys += *key + "\n";
  }
  keys += first_line(DLENV_TRY(read_file(identity.string() + ".pub"))) + "\n";
  auto path = secrets_dir / plan::kAuthorizedKeysFile;
  DLENV_TRY_VOID(write_file_atomic(path, keys, 0600));
  chown_to_user(path, user);
  return {};
}

std::string ssh_alias(const EnvView& env, const std::vector<EnvView>& all) {
  // The first environment (by project) with a name gets dlenv-<name>; another project's
  // environment of the same name is told apart by its container.
  for (const auto& other : all) {
    if (other.name != env.name || !other.ports.count("ssh") || !other.owned) continue;
    if (other.container == env.container) return "dlenv-" + env.name;
    break;
  }
  return "dlenv-" + env.container.substr(std::string("dlenv-").size());
}

Result<std::filesystem::path> write_ssh_client_config(Context& ctx, const std::vector<EnvView>& envs) {
  const auto& user = ctx.host().user;
  DLENV_TRY_VOID(make_dirs(user.home / ".ssh", 0700, owner_of(user)));
  DLENV_TRY_VOID(make_dirs(ssh_dir(user), 0700, owner_of(user)));
  auto dir = ssh_dir(user);
  std::string config =
      "# Written by dlenv: one Host block per environment. Regenerated by 'dlenv up';\n"
      "# do not edit. 'dlenv ssh-config --install' includes it from ~/.ssh/config.\n";
  std::string known_hosts;
  const std::string login = ssh_login(user);
  for (const auto& env : envs) {
    if (!env.owned || !env.ports.count("ssh")) continue;
    auto key = env_host_key(ctx.host().paths, env.container);
    if (!key) continue;
    render::SshHostBlock block;
    block.alias = ssh_alias(env, envs);
    block.comment = fmt::format("{} in {}", env.name, env.project);
    block.port = env.ports.at("ssh");
    block.user = login;
    block.identity_file = (dir / "id_ed25519").string();
    block.host_key_alias = env.container;
    block.known_hosts_file = (dir / "known_hosts").string();
    // Values come from labels and paths: one that cannot be written safely leaves its
    // environment out of the file rather than adding a directive to it.
    auto text = render::ssh_host_block(block);
    auto line = render::known_hosts_line(env.container, *key);
    if (!text || !line) {
      const Error& why = !text ? text.error() : line.error();
      ctx.progress().detail(env.name, fmt::format("left out of {}: {}", (dir / "config").string(), why.message));
      continue;
    }
    known_hosts += *line;
    config += "\n" + *text;
  }
  DLENV_TRY_VOID(write_file_atomic(dir / "known_hosts", known_hosts, 0600));
  chown_to_user(dir / "known_hosts", user);
  DLENV_TRY_VOID(write_file_atomic(dir / "config", config, 0600));
  chown_to_user(dir / "config", user);
  return dir / "config";
}

Result<bool> install_ssh_include(Context& ctx) {
  const auto& user = ctx.host().user;
  auto path = user.home / ".ssh" / "config";
  std::string line = fmt::format("Include {}", (ssh_dir(user) / "config").string());
  std::string current;
  if (std::filesystem::exists(path)) current = DLENV_TRY(read_file(path));
  for (const auto& l : split(current, '\n'))
    if (trim(l) == line) return false;
  DLENV_TRY_VOID(make_dirs(user.home / ".ssh", 0700, owner_of(user)));
  // Include must come before the first Host block to apply everywhere: put it first.
  DLENV_TRY_VOID(write_file_atomic(path, fmt::format("# Added by dlenv ssh-config --install\n{}\n\n{}", line, current), 0600));
  chown_to_user(path, user);
  return true;
}

}  // namespace dlenv::ops
