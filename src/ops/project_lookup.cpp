#include "ops/project_lookup.hpp"

#include <fmt/format.h>

#include "plan/env_plan.hpp"
#include "spec/loader.hpp"
#include "util/text.hpp"

namespace dlenv::ops {

Result<spec::ProjectSpec> load_project_at(const std::filesystem::path& path) {
  if (!path.empty()) return spec::load_project(path);
  auto file = spec::find_project_file(std::filesystem::current_path());
  if (!file) return fail(std::move(file.error()));
  return spec::load_project(*file);
}

Result<std::vector<const spec::EnvSpec*>> select_envs(const spec::ProjectSpec& project,
                                                      const std::vector<std::string>& names) {
  std::vector<const spec::EnvSpec*> out;
  if (names.empty()) {
    for (const auto& e : project.envs) out.push_back(&e);
    return out;
  }
  std::vector<std::string> known;
  for (const auto& e : project.envs) known.push_back(e.name);
  for (const auto& n : names) {
    const auto* env = project.find(n);
    if (!env) {
      auto guess = closest_match(n, known);
      return fail(ErrorCode::not_found, fmt::format("{} defines no environment '{}'", project.file.string(), n),
                  guess ? fmt::format("did you mean '{}'?", *guess)
                        : fmt::format("its environments are: {}", join(known, ", ")));
    }
    out.push_back(env);
  }
  return out;
}

Result<EnvRef> find_env(Context& ctx, const std::filesystem::path& project_path, const std::string& name) {
  const auto uid = ctx.host().user.uid;
  // 1. A project given, or found from the cwd, that defines the env.
  std::optional<spec::ProjectSpec> project;
  if (!project_path.empty()) {
    auto loaded = spec::load_project(project_path);
    if (!loaded) return fail(std::move(loaded.error()));
    project = std::move(*loaded);
  } else if (auto file = spec::find_project_file(std::filesystem::current_path())) {
    if (auto loaded = spec::load_project(*file)) project = std::move(*loaded);
  }
  if (project && project->find(name)) {
    auto dir = project->dir.string();
    return EnvRef{name, dir, plan::container_name(uid, dir, name), plan::env_key(dir, name)};
  }
  if (!project_path.empty())
    DLENV_TRY_VOID(select_envs(*project, {name}));  // the not_found error with its hint
  // 2. A container name ("dlenv-<env>-<8 hex>", as `ls` shows it), without the project; an
  // incomplete `up` has no container but is listed. 3. The only deployed environment of this
  // user with that name, anywhere.
  auto views = DLENV_TRY(ctx.backend().list(false));
  auto ref_of = [](const EnvView& v) { return EnvRef{v.name, v.project, v.container, plan::env_key(v.project, v.name)}; };
  if (starts_with(name, "dlenv-"))
    for (const auto& v : views)
      if (v.owned && v.container == name && !v.name.empty()) return ref_of(v);
  std::vector<const EnvView*> named;
  for (const auto& v : views)
    if (v.owned && v.name == name && v.state != EnvState::incomplete) named.push_back(&v);
  if (named.size() == 1) return ref_of(*named.front());
  if (named.empty())
    return fail(ErrorCode::not_found, fmt::format("no environment named '{}'", name),
                "'dlenv ls' lists your environments; 'dlenv up' creates the ones of this project");
  std::vector<std::string> dirs;
  for (const auto* v : named) dirs.push_back(v->project.empty() ? "?" : v->project);
  return fail(ErrorCode::conflict, fmt::format("several projects have an environment '{}': {}", name, join(dirs, ", ")),
              "choose one with --project DIR");
}

Result<EnvView> require_deployed(Context& ctx, const EnvRef& env) {
  auto view = DLENV_TRY(ctx.backend().find(env));
  if (!view)
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no container", env.name),
                fmt::format("'dlenv up {}' creates it", env.name));
  return *view;
}

}  // namespace dlenv::ops
