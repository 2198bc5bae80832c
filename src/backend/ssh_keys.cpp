#include "backend/ssh_keys.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "backend/ownership.hpp"
#include "plan/run_plan.hpp"
#include "render/ssh_config.hpp"
#include "util/files.hpp"
#include "util/subprocess.hpp"
#include "util/text.hpp"

namespace dlenv::backend {
namespace {

Status keygen(const host::UserIdentity& user, const std::filesystem::path& key, const std::string& comment) {
  if (std::filesystem::exists(key)) return {};
  if (!find_program("ssh-keygen"))
    return fail(ErrorCode::io, "ssh-keygen is not installed, so no SSH key can be made",
                "install OpenSSH's client (sudo apt-get install openssh-client), or set [envs.NAME.ssh] enabled = false");
  auto r = DLENV_TRY(run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key.string()}));
  if (r.exit_code != 0)
    return fail(ErrorCode::io, fmt::format("ssh-keygen could not write {}: {}", key.string(), trim(r.err)), "check the directory's permissions");
  ::chmod(key.c_str(), 0600);
  chown_to_user(key, user);
  chown_to_user(key.string() + ".pub", user);
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

Status prepare_ssh_keys(const host::UserIdentity& user, const spec::EnvSpec& env, const std::filesystem::path& secrets_dir) {
  DLENV_TRY_VOID(keygen(user, secrets_dir / plan::kSshHostKeyFile, fmt::format("dlenv host key of {}", env.name)));
  DLENV_TRY_VOID(make_dirs(user.home / ".ssh", 0700, owner_of(user)));
  DLENV_TRY_VOID(make_dirs(ssh_dir(user), 0700, owner_of(user)));
  auto identity = ssh_dir(user) / "id_ed25519";
  DLENV_TRY_VOID(keygen(user, identity, fmt::format("dlenv identity of {}", user.name)));

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

}  // namespace dlenv::backend
