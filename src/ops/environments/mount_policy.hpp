#pragma once
// Which of a project's mounts are sensitive, and whether each is allowed. A project file is
// not fully trusted: mounting the host's root, a system folder, your home (or a folder that
// holds it), a hidden configuration folder of your home, dlenv's own state, or any path that
// holds the container engine's socket lets code in the container read secrets or change
// the host. Such a mount needs `allow = true` on it in dlenv.toml, or `dlenv up --trust`
// once (recorded in DLENV_HOME/trusted-mounts); `plan` shows each with its reason. The
// engine's socket is never mounted into a container whose user is root.
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::ops {

struct SensitiveMount {
  std::string host;    // as resolved (symlinks and '..' followed)
  std::string target;  // in the container
  std::string reason;  // "it holds your home folder"
  std::string allowed_by;  // "allow = true", "--trust", or empty: refused
  bool never = false;      // refused even when allowed (the engine socket for a root container)
  bool read_only = false;
};

// The sensitive mounts of `env` on this host. `control_paths`: the back-end's
// (Backend::control_paths, e.g. the engine's unix socket).
std::vector<SensitiveMount> sensitive_mounts(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                                             const std::vector<std::filesystem::path>& control_paths);

// config error for a mount source that does not exist (with a did-you-mean), or naming each
// sensitive mount that is not allowed, with the way to allow it.
// With `trust`, records the project's sensitive mounts as allowed (except never-mounts).
Status check_mounts(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                    const std::vector<std::filesystem::path>& control_paths, bool trust);

// `env` with each mount source replaced by its real path (symlinks resolved), for the engine:
// what was checked is what gets mounted. config error when a folder on the way to a source
// may be changed by someone other than the user or root (not owned by them, or writable by
// others without the sticky bit): they could swap the source for a symlink after the check.
Result<spec::EnvSpec> with_real_mount_sources(Context& ctx, const spec::EnvSpec& env);

}  // namespace dlenv::ops
