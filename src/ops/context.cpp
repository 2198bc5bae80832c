#include "ops/context.hpp"

#include "ops/ownership.hpp"
#include "util/files.hpp"

namespace dlenv::ops {

Result<store::Store*> Context::store() {
  if (!store_) {
    DLENV_TRY_VOID(make_dirs(host_.paths.data_dir, 0700, owner_of(host_.user)));
    auto opened = store::Store::open(host_.paths.state_db());
    if (!opened) return fail(std::move(opened.error()));
    store_ = std::move(*opened);
    chown_to_user(host_.paths.state_db(), host_.user);
  }
  return store_.get();
}

}  // namespace dlenv::ops
