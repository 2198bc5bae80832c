#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/diagnosis/doctor.hpp"

namespace dlenv::cli {

void add_doctor_command(CLI::App& app, Common& common) {
  auto* doctor = app.add_subcommand("doctor", "check the engine, runc, the NVIDIA driver, GPU support and dlenv's state; each with a remedy");
  auto skip_gpu_container = std::make_shared<bool>(false);
  doctor->add_flag("--no-gpu-container", *skip_gpu_container, "do not start a container to see whether it gets the GPUs");
  add_json(doctor, common);
  doctor->callback([skip_gpu_container, &common] {
    bool failed = false;
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto checks = ops::doctor(ctx, {.run_gpu_container = !*skip_gpu_container});
      for (const auto& c : checks) failed = failed || c.status == ops::Check::Status::fail;
      fmt::print("{}", common.json ? doctor_json(checks) + "\n" : doctor_human(checks));
      return {};
    });
    if (common.exit_code == 0 && failed) common.exit_code = 1;  // a check failed
  });
}

}  // namespace dlenv::cli
