#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "ops/access/export.hpp"
#include "util/subprocess.hpp"

namespace dlenv::cli {
namespace {

struct CodeArgs {
  std::string env;
  bool open = false;
};

}  // namespace

void add_code_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<CodeArgs>();
  auto* code = app.add_subcommand("code", "print (or run, with --open) the VS Code command that opens an environment over SSH");
  code->add_option("env", args->env, "environment name")->required();
  code->add_flag("--open", args->open, "run it (needs 'dlenv ssh-config --install' once, so VS Code finds the host)");
  add_project(code, common);
  code->callback([args, &common] {
    common.exit_code = with_context(common, [&](ops::Context& ctx, TerminalProgress&) -> Status {
      auto target = DLENV_TRY(ops::code_target(ctx, common.project, args->env));
      if (!args->open) {
        fmt::print("{}\n", target.command);
        return {};
      }
      return fail(exec_process(target.argv).with_hint("install VS Code's 'code' command and its Remote - SSH extension"));
    });
  });
}

}  // namespace dlenv::cli
