#include "ops/locks.hpp"

#include "ops/ownership.hpp"
#include "util/files.hpp"

namespace dlenv::ops {

Result<FileLock> lock_named(Context& ctx, const std::string& name) {
  auto dir = ctx.host().paths.data_dir / "locks";
  DLENV_TRY_VOID(make_dirs(ctx.host().paths.data_dir, 0700, owner_of(ctx.host().user)));
  DLENV_TRY_VOID(make_dirs(dir, 0700, owner_of(ctx.host().user)));
  auto path = dir / (name + ".lock");
  auto lock = FileLock::acquire(path);
  if (lock) chown_to_user(path, ctx.host().user);
  return lock;
}

}  // namespace dlenv::ops
