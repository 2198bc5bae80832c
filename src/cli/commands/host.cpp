#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"

namespace dlenv::cli {

void add_host_command(CLI::App& app, Common& common) {
  auto* host = app.add_subcommand("host", "what the probe found: NVIDIA driver, CUDA level, GPUs, the engine and its GPU support");
  add_json(host, common);
  run_with_context(host, common, [&common](ops::Context& ctx, TerminalProgress&) -> Status {
    auto facts = DLENV_TRY(ctx.backend().gpu_facts());
    auto report = ctx.backend().report();
    fmt::print("{}", common.json ? host_json(facts, report) + "\n" : host_human(facts, report));
    return {};
  });
}

}  // namespace dlenv::cli
