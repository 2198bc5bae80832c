#include "backend/ownership.hpp"

#include <unistd.h>

namespace dlenv::backend {

std::optional<std::pair<uid_t, gid_t>> owner_of(const host::UserIdentity& user) {
  if (::geteuid() == 0 && user.uid != 0) return std::pair{user.uid, user.gid};
  return std::nullopt;
}

void chown_to_user(const std::filesystem::path& path, const host::UserIdentity& user) {
  auto owner = owner_of(user);
  if (!owner) return;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    auto p = path.string() + suffix;
    if (::chown(p.c_str(), owner->first, owner->second) != 0) continue;
  }
}

}  // namespace dlenv::backend
