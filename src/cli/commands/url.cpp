#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "ops/access/access.hpp"
#include "ops/access/remote.hpp"

namespace dlenv::cli {
namespace {

struct UrlArgs {
  std::string env;
  bool tunnel_info = false;
};

Status print_url(ops::Context& ctx, const UrlArgs& args, const Common& common) {
  if (args.tunnel_info) {
    fmt::print("{}", DLENV_TRY(ops::format_tunnel_info(DLENV_TRY(ops::tunnel_info_of(ctx, common.project, args.env)))));
    return {};
  }
  auto view = DLENV_TRY(ops::describe_running(ctx, common.project, args.env));
  if (view.jupyter_url.empty())
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no Jupyter server", args.env),
                "set 'jupyter = true' in dlenv.toml and run 'dlenv up'");
  fmt::print("{}\n", common.json ? env_json(view) : view.jupyter_url);
  return {};
}

}  // namespace

void add_url_command(CLI::App& app, Common& common) {
  auto args = std::make_shared<UrlArgs>();
  auto* url = add_env_command(app, common, "url", "print the Jupyter URL (with its token) of an environment", args->env);
  add_json(url, common);
  url->add_flag("--tunnel-info", args->tunnel_info, "print what 'dlenv tunnel' needs, as key=value lines");
  run_with_context(url, common, [args, &common](ops::Context& ctx, TerminalProgress&) { return print_url(ctx, *args, common); });
}

}  // namespace dlenv::cli
