#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "ops/access/access.hpp"

namespace dlenv::cli {
namespace {

struct LogsArgs {
  std::string env;
  bool follow = false;
  bool split = false;
};

// The container's output in the order it was written, on stdout (Jupyter logs to stderr:
// `dlenv logs ENV | grep` must see it); with `split`, its stderr on stderr.
backend::OutputSink writer(bool split) {
  return [split](backend::Stream kind, std::string_view text) {
    std::FILE* out = split && kind != backend::Stream::out ? stderr : stdout;
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
  };
}

}  // namespace

void add_logs_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<LogsArgs>();
  auto* logs = add_env_command(app, common, "logs", "print an environment's container logs", args->env);
  logs->add_flag("-f,--follow", args->follow, "keep printing new output");
  logs->add_flag("--split", args->split, "the container's stderr on stderr (default: all of it on stdout, in order)");
  run_with_context(logs, common, [args, &common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto status = ops::logs(ctx, common.project, args->env, args->follow, writer(args->split));
    // Ctrl-C is how one leaves `logs -f`: not an error.
    if (!status && status.error().code == ErrorCode::interrupted && args->follow) return {};
    return status;
  });
}

}  // namespace dlenv::cli
