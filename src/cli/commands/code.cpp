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

// Prints the VS Code command, or becomes it with --open.
Status open_in_code(ops::Context& ctx, const CodeArgs& args, const std::string& project) {
  auto target = DLENV_TRY(ops::code_target(ctx, project, args.env));
  if (!args.open) {
    fmt::print("{}\n", target.command);
    return {};
  }
  return fail(exec_process(target.argv).with_hint("install VS Code's 'code' command and its Remote - SSH extension"));
}

}  // namespace

void add_code_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<CodeArgs>();
  auto* code = add_env_command(app, common, "code", "print (or run, with --open) the VS Code command that opens an environment over SSH",
                               args->env);
  code->add_flag("--open", args->open, "run it (needs 'dlenv ssh-config --install' once, so VS Code finds the host)");
  run_with_context(code, common, [args, &common](ops::Context& ctx, TerminalProgress&) { return open_in_code(ctx, *args, common.project); });
}

}  // namespace dlenv::cli
