#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "ops/environments/plan_env.hpp"
#include "spec/loader.hpp"

namespace dlenv::cli {
namespace {

struct PlanArgs {
  ops::PlanOptions options;
  std::string gpus;
  std::string host;
};

}  // namespace

void add_plan_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<PlanArgs>();
  auto& options = args->options;
  auto* plan = app.add_subcommand("plan", "what would be built and run, and why (CUDA, driver and GPU reasoning)");
  plan->add_option("envs", options.envs, "environments to plan (default: all of the project)");
  plan->add_option("--framework", options.framework, "plan without a project file: torch==2.3.1, tensorflow==1.15.*, jax, ...");
  plan->add_option("--python", options.python, "with --framework: the Python version (e.g. 3.11)");
  plan->add_option("--cuda", options.cuda, "with --framework: auto, none or X.Y")->capture_default_str();
  plan->add_option("--gpus", args->gpus, "with --framework: all, none, a count, or comma-separated indexes/UUIDs");
  plan->add_option("--host", args->host, "plan for the machine described by this file (saved 'dlenv host --json'; also DLENV_HOST_FACTS)");
  add_project(plan, common);
  add_json(plan, common);
  plan->callback([args, &common] {
    auto& options = args->options;
    options.project = common.project;
    options.host_file = args->host;
    if (!args->gpus.empty()) {
      auto gpus = spec::parse_gpu_request(args->gpus);
      if (!gpus) {
        common.exit_code = report(gpus.error(), common);
        return;
      }
      options.gpus = *gpus;
    }
    bool all_ok = true;
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      for (const auto& v : DLENV_TRY(ops::plan_envs(ctx, options))) {
        fmt::print("{}", common.json ? plan_json(v) + "\n" : plan_human(v));
        all_ok = all_ok && v.resolution.ok;
      }
      return {};
    });
    if (common.exit_code == 0 && !all_ok) common.exit_code = exit_code_for(ErrorCode::incompatible);
  });
}

}  // namespace dlenv::cli
