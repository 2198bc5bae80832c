#include "ops/context.hpp"

#include <fmt/format.h>

#include "engine/http_probe.hpp"
#include "ops/port_checker.hpp"
#include "ops/ownership.hpp"
#include "util/files.hpp"

namespace dlenv::ops {

HttpProbe Context::default_http_probe() {
  return [](const std::string& url, const std::vector<std::string>& headers) {
    return engine::http_get_status(url, headers, std::chrono::milliseconds(2000));
  };
}

SshProbe Context::default_ssh_probe() {
  return [](int port) { return ssh_greets(port, std::chrono::milliseconds(1000)); };
}

Result<store::Store*> Context::store() {
  if (!store_) {
    DLENV_TRY_VOID(make_dirs(host_.paths.data_dir, 0700, owner_of(host_.user)));
    auto opened = store::Store::open(host_.paths.state_db());
    if (!opened) return fail(std::move(opened.error()));
    store_ = std::move(*opened);
    chown_to_user(host_.paths.state_db(), host_.user);
    if (const auto& aside = store_->moved_aside()) {
      progress_.notice(fmt::format(
          "the state database {} was damaged: moved it aside to {} and started a new one (it is only a cache; "
          "environments are rebuilt from their containers' labels)",
          host_.paths.state_db().string(), aside->string()));
    }
  }
  return store_.get();
}

}  // namespace dlenv::ops
