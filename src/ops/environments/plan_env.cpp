#include "ops/environments/plan_env.hpp"

#include <fmt/format.h>

#include "spec/loader.hpp"

#include "compat/knowledge_base.hpp"
#include "compat/resolver.hpp"
#include "host/gpu_facts_json.hpp"
#include "ops/environments/mount_policy.hpp"
#include "ops/prepare.hpp"
#include "ops/project_lookup.hpp"
#include "plan/env_plan.hpp"
#include "util/text.hpp"

namespace dlenv::ops {

Result<compat::Resolution> resolve_env(const spec::EnvSpec& env, const host::GpuFacts& facts,
                                       const std::vector<host::Gpu>& gpus) {
  if (!env.framework) {
    compat::Resolution given;
    given.ok = true;
    given.base_image = env.base;
    given.variant = "base";
    given.reasons.push_back(fmt::format("the base image {} is given in dlenv.toml; no framework is resolved", env.base));
    return given;
  }
  auto request = compat::parse_framework_request(*env.framework);
  if (!request) {
    auto e = std::move(request.error());
    if (env.framework_where) e.at(*env.framework_where);
    return fail(std::move(e));
  }
  if (env.python) request->python = Version::parse(*env.python);
  if (env.cuda == "none") {
    request->cuda_mode = compat::Request::Cuda::none;
  } else if (env.cuda != "auto") {
    request->cuda_mode = compat::Request::Cuda::pinned;
    request->cuda = Version::parse(env.cuda);
  }
  // On dlenv's own Debian bases the framework comes from that release's packages when it has
  // it, so offline environments go through the resolver too.
  if (env.base.starts_with("dlenv/debian:")) {
    request->prefer_distribution = true;
    request->distribution_base = env.base;
  }
  host::GpuFacts selected = facts;
  selected.gpus = gpus;
  auto resolution = compat::resolve(compat::KnowledgeBase::builtin(), *request, selected);
  if (!env.base.empty() && resolution.ok && resolution.base_image != env.base) {
    resolution.warnings.push_back(fmt::format(
        "the base image {} from dlenv.toml is used instead of the resolved {}; it must provide what that build needs",
        env.base, resolution.base_image));
    resolution.base_image = env.base;
  }
  return resolution;
}

namespace {

spec::ProjectSpec synthetic_project(const PlanOptions& options) {
  spec::ProjectSpec project;
  project.dir = std::filesystem::current_path();
  project.file = project.dir / spec::kProjectFileName;
  spec::EnvSpec env;
  env.name = "plan";
  env.framework = options.framework;
  env.python = options.python;
  env.cuda = options.cuda;
  if (options.gpus) env.gpus = *options.gpus;
  project.envs.push_back(env);
  return project;
}

}  // namespace

Result<std::vector<PlanView>> plan_envs(Context& ctx, const PlanOptions& options) {
  spec::ProjectSpec project;
  std::vector<const spec::EnvSpec*> envs;
  if (options.framework) {
    DLENV_TRY(spec::parse_framework_requirement(*options.framework));
    project = synthetic_project(options);
    envs.push_back(&project.envs.front());
  } else {
    project = DLENV_TRY(load_project_at(options.project));
    envs = DLENV_TRY(select_envs(project, options.envs));
  }
  PrepareOptions prepare_options;
  prepare_options.missing_base = PrepareOptions::MissingBase::note;
  prepare_options.backend_optional = true;
  if (!options.host_file.empty()) prepare_options.facts = DLENV_TRY(host::load_gpu_facts(options.host_file));
  auto& backend = ctx.backend();
  std::vector<std::string> notes;
  const bool reachable = backend.check_reachable().has_value();
  prepare_options.backend_answers = reachable;
  if (!reachable) notes.push_back("no container engine answered: whether layers exist is unknown");

  std::vector<PlanView> views;
  for (const auto* env : envs) {
    PlanView view;
    view.env = env->name;
    view.notes = notes;
    view.sensitive_mounts = sensitive_mounts(ctx, project, *env, backend.control_paths());
    auto prepared = DLENV_TRY(prepare(ctx, project, *env, prepare_options, &view.notes));
    view.host_origin = prepared.facts.origin;
    view.gpus = prepared.gpus;
    view.all_gpus = prepared.all_gpus;
    view.resolution = prepared.resolution;
    view.base_image = view.resolution.base_image;
    if (view.resolution.ok) {
      for (const auto& layer : prepared.plan.build.layers) {
        LayerView lv{std::string(plan::to_string(layer.kind)), layer.tag, layer.content_hash, layer.parent, std::nullopt};
        if (reachable)
          if (auto image = backend.image_id(layer.tag)) lv.exists = image->has_value();
        view.layers.push_back(lv);
      }
    }
    views.push_back(std::move(view));
  }
  return views;
}

}  // namespace dlenv::ops
