#include "ops/plan_env.hpp"

#include <fmt/format.h>

#include "spec/loader.hpp"

#include "compat/knowledge_base.hpp"
#include "compat/resolver.hpp"
#include "host/gpu_facts_json.hpp"
#include "ops/gpu_selection.hpp"
#include "ops/project_lookup.hpp"
#include "plan/env_plan.hpp"
#include "util/text.hpp"

namespace dlenv::ops {

Result<host::GpuFacts> gpu_facts_for(const std::filesystem::path& host_file) {
  if (!host_file.empty()) return host::load_gpu_facts(host_file);
  return host::gpu_facts_for_host();
}

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

std::map<std::string, GpuUse> gpu_use(Context& ctx, std::vector<std::string>& notes) {
  auto containers = ctx.engine().list_containers({{plan::label::managed, "1"}});
  if (!containers) {
    notes.push_back("the engine was not asked which GPUs other environments hold: " + containers.error().message);
    return {};
  }
  return gpu_use_of(*containers);
}

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
  auto facts = DLENV_TRY(gpu_facts_for(options.host_file));
  std::vector<std::string> notes;
  const bool engine_ok = ctx.engine().ping().has_value();
  if (!engine_ok) notes.push_back("no container engine answered: whether layers exist is unknown");
  auto use = engine_ok ? gpu_use(ctx, notes) : std::map<std::string, GpuUse>{};

  std::vector<PlanView> views;
  for (const auto* env : envs) {
    PlanView view;
    view.env = env->name;
    view.host_origin = facts.origin;
    view.notes = notes;
    view.sensitive_mounts = sensitive_mounts(ctx, project, *env, engine::resolve_endpoint().unix_socket);
    auto choice = DLENV_TRY(select_gpus(env->gpus, facts, use));
    view.gpus = choice.gpus;
    view.all_gpus = choice.all;
    view.resolution = DLENV_TRY(resolve_env(*env, facts, choice.gpus));
    view.base_image = view.resolution.base_image;
    if (view.resolution.ok) {
      std::string base_id;
      if (engine_ok)
        if (auto base = ctx.engine().inspect_image(view.base_image); base && *base) base_id = (*base)->id;
      if (base_id.empty()) view.notes.push_back(fmt::format("base image {} is not present here: layer tags assume it unchanged", view.base_image));
      plan::PlanInputs inputs;
      inputs.base_image = view.base_image;
      inputs.base_image_id = base_id;
      inputs.resolution = env->framework ? &view.resolution : nullptr;
      inputs.gpus = choice.gpus;
      inputs.all_gpus = choice.all;
      auto made = DLENV_TRY(plan::make_env_plan(project, *env, ctx.host(), inputs));
      for (const auto& layer : made.build.layers) {
        LayerView lv{std::string(plan::to_string(layer.kind)), layer.tag, layer.content_hash, layer.parent, std::nullopt};
        if (engine_ok) {
          if (auto image = ctx.engine().inspect_image(layer.tag)) lv.exists = image->has_value();
        }
        view.layers.push_back(lv);
      }
    }
    views.push_back(std::move(view));
  }
  return views;
}

}  // namespace dlenv::ops
