#include "backend/locks.hpp"

#include "backend/ownership.hpp"
#include "util/files.hpp"

namespace dlenv::backend {

Result<FileLock> lock_named(const host::HostFacts& host, const std::string& name) {
  auto dir = host.paths.data_dir / "locks";
  DLENV_TRY_VOID(make_dirs(host.paths.data_dir, 0700, owner_of(host.user)));
  DLENV_TRY_VOID(make_dirs(dir, 0700, owner_of(host.user)));
  auto path = dir / (name + ".lock");
  auto lock = FileLock::acquire(path);
  if (lock) chown_to_user(path, host.user);
  return lock;
}

}  // namespace dlenv::backend
