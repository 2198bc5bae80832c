#include "ops/access/export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "ops/access/access.hpp"
#include "ops/environments/ls.hpp"
#include "backend/ownership.hpp"
#include "ops/prepare.hpp"
#include "ops/project_lookup.hpp"
#include "ops/access/ssh_client_config.hpp"
#include "plan/env_plan.hpp"
#include "render/devcontainer.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

namespace fs = std::filesystem;

std::string port_label(const std::string& service) {
  if (service == "jupyter") return "Jupyter";
  if (service == "ssh") return "SSH";
  return service;
}

std::string quoted_command(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& word : argv) words.push_back(shell_quote(word));
  return join(words, " ");
}

Status write_devcontainer(const fs::path& file, const std::string& text, bool force, const host::UserIdentity& user) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    auto existing = read_file(file);
    if (!existing) return fail(std::move(existing.error()).while_("while checking who wrote it"));
    if (!force && !render::is_dlenv_devcontainer(*existing))
      return fail(ErrorCode::conflict, fmt::format("{} exists and was not written by dlenv", file.string()),
                  "move it away, or pass --force to replace it");
  }
  DLENV_TRY_VOID(make_dirs(file.parent_path(), 0755, backend::owner_of(user)));
  DLENV_TRY_VOID(write_file_atomic(file, text, 0644));
  backend::chown_to_user(file, user);
  return {};
}

}  // namespace

Result<fs::path> export_devcontainer(Context& ctx, const fs::path& project_path, const std::string& env_name,
                                     bool force) {
  auto project = DLENV_TRY(load_project_at(project_path));
  const spec::EnvSpec& env = *DLENV_TRY(select_envs(project, {env_name})).front();
  const auto& host = ctx.host();
  const std::string up_hint = fmt::format("run 'dlenv up {}' first", env.name);

  // The same plan `up` makes: GPUs, the resolution for them, the base image's id.
  PrepareOptions options;
  options.missing_base = PrepareOptions::MissingBase::fail;
  options.keep_held_gpus = true;
  auto prepared = DLENV_TRY(prepare(ctx, project, env, options));
  DLENV_TRY_VOID(require_compatible(prepared));
  const auto& plan = prepared.plan;
  const auto& run = plan.run;
  if (!DLENV_TRY(ctx.backend().image_id(run.image)))
    return fail(ErrorCode::not_found, fmt::format("env '{}' has no image yet ({} is not built)", env.name, run.image),
                up_hint);

  render::DevcontainerInputs in;
  in.env_name = env.name;
  in.image = run.image;
  in.user = run.user;
  in.user_name = plan.build.layers.back().user.name;
  in.workspace_folder = run.workdir;
  for (const auto& m : run.mounts) {
    if (m.target == run.workdir) continue;  // the project folder: workspaceMount
    in.mounts.push_back({m.source, m.target, m.read_only});
  }
  in.env = run.env;
  in.shm_size = run.shm_size;
  if (run.all_gpus) {
    in.gpus = render::DevcontainerInputs::Gpus::all;
  } else if (!run.gpu_uuids.empty()) {
    in.gpus = render::DevcontainerInputs::Gpus::devices;
    in.gpu_uuids = run.gpu_uuids;
  }
  for (const auto& p : run.ports) in.ports.push_back({p.container_port, port_label(p.service)});

  const fs::path file = project.dir / ".devcontainer" / "devcontainer.json";
  DLENV_TRY_VOID(write_devcontainer(file, render::devcontainer_json(in), force, host.user));
  return file;
}

std::vector<std::string> code_argv(const std::string& ssh_host, const std::string& workdir) {
  return {"code", "--remote", "ssh-remote+" + ssh_host, workdir};
}

std::string code_command(const std::string& env_name, const std::string& workdir) {
  return quoted_command(code_argv("dlenv-" + env_name, workdir));
}

Result<CodeTarget> code_target(Context& ctx, const fs::path& project, const std::string& env) {
  auto view = DLENV_TRY(describe_running(ctx, project, env));
  if (!view.ports.count("ssh"))
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no SSH server", env),
                "SSH is on unless [envs.NAME.ssh] enabled = false; run 'dlenv up' after changing it");
  auto all = DLENV_TRY(ls(ctx, {}));
  CodeTarget target;
  target.ssh_config = DLENV_TRY(write_ssh_client_config(ctx, all));
  target.ssh_host = ssh_alias(view, all);
  target.workdir = view.workdir.empty() ? std::string(spec::kDefaultWorkdir) : view.workdir;
  target.argv = code_argv(target.ssh_host, target.workdir);
  target.command = quoted_command(target.argv);
  return target;
}

}  // namespace dlenv::ops
