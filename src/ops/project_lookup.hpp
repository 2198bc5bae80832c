#pragma once
// Finding the project file and the environments a command names.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::ops {

// The project at `path` (dir or file), or found from the current directory upwards.
Result<spec::ProjectSpec> load_project_at(const std::filesystem::path& path);

// The named environments of `project` (all when `names` is empty); not_found with a
// did-you-mean hint for an unknown name.
Result<std::vector<const spec::EnvSpec*>> select_envs(const spec::ProjectSpec& project,
                                                      const std::vector<std::string>& names);

// An existing environment's container, by env name: in the given project, else in the
// project found from the cwd, else by container name (the project may be gone), else the
// only environment of this user with that name.
using EnvTarget = EnvRef;
Result<EnvRef> find_env(Context& ctx, const std::filesystem::path& project, const std::string& name);

// The environment as its back-end reports it; not_found ("'dlenv up ENV' creates it") when it
// has not been deployed.
Result<EnvView> require_deployed(Context& ctx, const EnvRef& env);

}  // namespace dlenv::ops
