#include "ops/environments/ls.hpp"

namespace dlenv::ops {

Result<std::vector<EnvView>> ls(Context& ctx, const LsOptions& options) { return ctx.backend().list(options.all_users); }

}  // namespace dlenv::ops
