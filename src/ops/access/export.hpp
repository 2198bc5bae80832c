#pragma once
// `dlenv export devcontainer ENV` and `dlenv code ENV`: open an environment in an editor.
// export writes <project>/.devcontainer/devcontainer.json for the image `dlenv up` built;
// code names the VS Code command that opens the running environment over SSH (Remote-SSH).
#include <filesystem>
#include <string>
#include <vector>

#include "ops/context.hpp"

namespace dlenv::ops {

struct ExportOptions {
  bool force = false;  // replace files dlenv did not write
  // For teammates: the file builds the image from its base (.devcontainer/dlenv-build/, one
  // multi-stage Dockerfile and its files) instead of naming this machine's image; caches are
  // named volumes, no host secrets or home are mounted, SSH is off (editors attach through the
  // engine) and Jupyter makes its own token.
  bool build = false;
};

// Writes <project dir>/.devcontainer/devcontainer.json for `env` and returns its path.
// `project`: a project dir or dlenv.toml; empty: found from the cwd. Without `build` the env's
// final image must exist (not_found, "run 'dlenv up ENV' first"). An existing file dlenv did
// not write is kept (conflict) unless `force`; dlenv's own file is rewritten.
Result<std::filesystem::path> export_devcontainer(Context& ctx, const std::filesystem::path& project,
                                                  const std::string& env, const ExportOptions& options);

// "code --remote ssh-remote+dlenv-<env> <workdir>" (words shell-quoted when they need it).
// `dlenv-<env>` is the env's Host alias in ~/.ssh/dlenv/config (ops::ssh_alias).
std::string code_command(const std::string& env_name, const std::string& workdir);

// {"code", "--remote", "ssh-remote+<ssh_host>", workdir}: for running it without a shell.
std::vector<std::string> code_argv(const std::string& ssh_host, const std::string& workdir);

// What `dlenv code ENV` opens: the running environment's SSH Host alias (as
// ops::ssh_alias names it, after rewriting ~/.ssh/dlenv/config like `dlenv ssh` does) and
// its workdir (the container's dlenv.workdir label). not_found when it has no SSH server.
struct CodeTarget {
  std::string ssh_host;                // "dlenv-demo"
  std::string workdir;                 // "/workspace"
  std::filesystem::path ssh_config;    // ~/.ssh/dlenv/config
  std::vector<std::string> argv;       // code_argv(ssh_host, workdir)
  std::string command;                 // argv, shell-quoted and joined
};
Result<CodeTarget> code_target(Context& ctx, const std::filesystem::path& project, const std::string& env);

}  // namespace dlenv::ops
