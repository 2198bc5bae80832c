#include "backend/secrets.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "backend/ownership.hpp"
#include "plan/run_plan.hpp"
#include "util/digest.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::backend {

std::optional<std::string> read_jupyter_token(const std::filesystem::path& secrets_dir) {
  auto text = read_file(secrets_dir / plan::kJupyterTokenFile);
  if (!text) return std::nullopt;
  auto token = trim(*text);
  if (token.empty()) return std::nullopt;
  return token;
}

Result<std::string> ensure_jupyter_token(const std::filesystem::path& secrets_dir, const host::UserIdentity& user) {
  auto owner = owner_of(user);
  DLENV_TRY_VOID(make_dirs(secrets_dir.parent_path(), 0700, owner));
  DLENV_TRY_VOID(make_dirs(secrets_dir, 0700, owner));
  ::chmod(secrets_dir.c_str(), 0700);
  if (auto existing = read_jupyter_token(secrets_dir)) return *existing;
  // Written beside, then hard-linked into place: of two concurrent `up`s one token wins and
  // both return it.
  std::string token = random_hex(32);
  auto path = secrets_dir / plan::kJupyterTokenFile;
  auto staged = secrets_dir / fmt::format(".{}.{}", plan::kJupyterTokenFile, ::getpid());
  DLENV_TRY_VOID(write_file_atomic(staged, token + "\n", 0600));
  chown_to_user(staged, user);
  int linked = ::link(staged.c_str(), path.c_str());
  ::unlink(staged.c_str());
  if (linked != 0) {
    if (auto existing = read_jupyter_token(secrets_dir)) return *existing;
    return fail(ErrorCode::io, fmt::format("cannot create {}", path.string()), "check the permissions of DLENV_HOME");
  }
  return token;
}

}  // namespace dlenv::backend
