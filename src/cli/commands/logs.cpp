#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "ops/access/access.hpp"

namespace dlenv::cli {
namespace {

struct LogsArgs {
  std::string env;
  bool follow = false;
};

void write_out(backend::Stream kind, std::string_view text) {
  std::FILE* out = kind == backend::Stream::out ? stdout : stderr;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

}  // namespace

void add_logs_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<LogsArgs>();
  auto* logs = add_env_command(app, common, "logs", "print an environment's container logs", args->env);
  logs->add_flag("-f,--follow", args->follow, "keep printing new output");
  run_with_context(logs, common, [args, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto status = ops::logs(ctx, common.project, args->env, args->follow, write_out);
    // Ctrl-C is how one leaves `logs -f`: not an error.
    if (!status && status.error().code == ErrorCode::interrupted && args->follow) return {};
    return status;
  });
}

}  // namespace dlenv::cli
