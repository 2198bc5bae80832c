#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "host/cdi_spec.hpp"
#include "host/driver_files.hpp"
#include "host/gpu_probe.hpp"
#include "util/files.hpp"
#include "util/user_rights.hpp"

namespace dlenv::cli {
namespace {

// A host-wide file for the engine, not one written for the user: root's rights under sudo,
// but only into the CDI folders (a sudo rule for dlenv must not write anywhere).
Status write_cdi_spec(const std::string& output, const std::string& yaml) {
  const auto target = std::filesystem::path(output).lexically_normal();
  const bool cdi_dir = target.parent_path() == "/etc/cdi" || target.parent_path() == "/var/run/cdi";
  if (acting_rights() && !cdi_dir)
    return fail(ErrorCode::usage, fmt::format("through sudo, the CDI spec can only go to /etc/cdi or /var/run/cdi, not {}", output),
                "write it to /etc/cdi/nvidia.yaml, or print it and save it yourself");
  RootFileAccess as_root;
  DLENV_TRY_VOID(write_file_atomic(output, yaml, 0644));
  fmt::print(stderr, "wrote {}\n", output);
  return {};
}

}  // namespace

void add_gpu_command(CLI::App& app, Common& common) {
  auto* gpu = app.add_subcommand("gpu", "GPU support without NVIDIA's container toolkit");
  gpu->require_subcommand(1);
  auto output = std::make_shared<std::string>();
  auto* cdi = gpu->add_subcommand("cdi", "write a CDI spec (nvidia.com/gpu) from the installed driver, for engines with CDI");
  cdi->add_option("-o,--output", *output, "write it here (e.g. /etc/cdi/nvidia.yaml) instead of printing it");
  run_with_context(cdi, common, [output](ops::Context& ctx, TerminalProgress&) -> Status {
    auto facts = DLENV_TRY(ctx.backend().gpu_facts());
    if (!facts.driver)
      return fail(ErrorCode::incompatible, "no NVIDIA driver was found, so there is nothing to describe",
                  "install the NVIDIA driver, then run 'dlenv host' to check what dlenv sees");
    auto files = host::discover_driver_files(facts, host::probe_options(ctx.settings()).root);
    auto yaml = host::cdi_spec_yaml(files, facts);
    if (output->empty()) {
      fmt::print("{}", yaml);
      return {};
    }
    return write_cdi_spec(*output, yaml);
  });
}

}  // namespace dlenv::cli
