#include "ops/environments/ls.hpp"

#include "util/files.hpp"

namespace dlenv::ops {

Result<std::vector<EnvView>> ls(Context& ctx, const LsOptions& options) {
  auto envs = DLENV_TRY(ctx.backend().list(options.all_users));
  if (!options.measure_homes) return envs;
  // The user's own homes, kept until `rm --purge`: where they are and how big.
  for (auto& env : envs) {
    if (!env.owned || env.container.empty() || env.container.find('/') != std::string::npos) continue;
    const auto home = ctx.host().paths.home_of(env.container);
    if (auto bytes = directory_bytes(home)) {
      env.home = home.string();
      env.home_bytes = *bytes;
    }
  }
  return envs;
}

}  // namespace dlenv::ops
