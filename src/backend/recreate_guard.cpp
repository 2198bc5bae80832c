#include "backend/recreate_guard.hpp"

#include <fmt/format.h>

#include "util/text.hpp"

namespace dlenv::backend {

Status allow_recreate(const std::string& env, const std::vector<std::string>& changes, const DeployOptions& options) {
  if (options.recreate_running) return {};
  if (options.confirm_recreate && options.confirm_recreate(env, changes)) return {};
  return fail(ErrorCode::conflict,
              fmt::format("'{}' is running and {} changed; re-creating its container ends its running kernels, terminals and "
                          "SSH sessions",
                          env, join(changes, ", ")),
              fmt::format("save your work, then run 'dlenv up --recreate {}' (or 'dlenv down {}' and 'dlenv up {}'); it keeps "
                          "running as it was until then",
                          env, env, env));
}

}  // namespace dlenv::backend
