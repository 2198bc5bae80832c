#pragma once
// Reaching into a running environment: its URL, its logs, commands and shells as the user.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "backend/env_view.hpp"

namespace dlenv::ops {

// The environment's view; not_found when it has no container.
Result<EnvView> describe(Context& ctx, const std::filesystem::path& project, const std::string& env);
// The same for what needs it running (url, ssh, code, tunnel-info): conflict ("is not running",
// with 'dlenv up ENV') when it is stopped.
Result<EnvView> describe_running(Context& ctx, const std::filesystem::path& project, const std::string& env);

// Container output with the Jupyter token replaced by "***" and Jupyter's in-container URLs
// (http://ENV:8888/..., http://127.0.0.1:8888/...) by the host's.
Status logs(Context& ctx, const std::filesystem::path& project, const std::string& env, bool follow,
            const backend::OutputSink& sink);

// Runs `command` in the running environment as the user, in its workdir, attached to this
// terminal; returns the command's exit code.
Result<int> exec(Context& ctx, const std::filesystem::path& project, const std::string& env,
                 const std::vector<std::string>& command, bool tty);

// An interactive login shell (bash when the image has it, else sh).
Result<int> shell(Context& ctx, const std::filesystem::path& project, const std::string& env, bool tty);

}  // namespace dlenv::ops
