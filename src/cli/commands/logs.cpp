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

}  // namespace

void add_logs_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<LogsArgs>();
  auto* logs = app.add_subcommand("logs", "print an environment's container logs");
  logs->add_option("env", args->env, "environment name")->required();
  logs->add_flag("-f,--follow", args->follow, "keep printing new output");
  add_project(logs, common);
  logs->callback([args, &common] {
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto status = ops::logs(ctx, common.project, args->env, args->follow, [](backend::Stream kind, std::string_view text) {
        std::FILE* out = kind == backend::Stream::out ? stdout : stderr;
        std::fwrite(text.data(), 1, text.size(), out);
        std::fflush(out);
      });
      // Ctrl-C is how one leaves `logs -f`: not an error.
      if (!status && status.error().code == ErrorCode::interrupted && args->follow) return {};
      return status;
    });
  });
}

}  // namespace dlenv::cli
