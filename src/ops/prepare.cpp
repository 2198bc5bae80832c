#include "ops/prepare.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ops/environments/gpu_selection.hpp"
#include "ops/environments/plan_env.hpp"
#include "plan/env_plan.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

// The GPUs the environment gets. One that holds GPUs already (`gpus = N`) keeps them while
// they are there and no other running environment took them meanwhile (`keep_taken`: even
// then, for describing what exists); otherwise the least used free ones.
Result<GpuChoice> choose_gpus(const spec::EnvSpec& env, const host::GpuFacts& facts, const backend::GpuInventory& inventory,
                              bool keep_taken) {
  if (env.gpus.kind == spec::GpuRequest::Kind::count && inventory.held.size() == static_cast<size_t>(env.gpus.count)) {
    GpuChoice kept;
    for (const auto& uuid : inventory.held) {
      auto gpu = std::find_if(facts.gpus.begin(), facts.gpus.end(), [&](const host::Gpu& g) { return g.uuid == uuid; });
      auto use = inventory.use_by_uuid.find(uuid);
      const bool taken = use != inventory.use_by_uuid.end() && use->second.running > 0;
      if (gpu == facts.gpus.end() || (taken && !keep_taken)) break;
      kept.gpus.push_back(*gpu);
    }
    if (kept.gpus.size() == inventory.held.size()) return kept;
  }
  return select_gpus(env.gpus, facts, inventory.use_by_uuid);
}

// The base image's id: fetched when allowed, else an error or a note by `options`.
Result<std::string> base_image_id(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                                  const std::string& ref, const PrepareOptions& options, std::vector<std::string>& notes) {
  using Missing = PrepareOptions::MissingBase;
  auto& backend = ctx.backend();
  auto asked = backend.image_id(ref);
  if (!asked && options.missing_base == Missing::note) {
    notes.push_back(fmt::format("base image {} could not be looked up ({}): layer tags assume it unchanged", ref, asked.error().message));
    return std::string();
  }
  auto id = DLENV_TRY(std::move(asked));
  if (!id && options.missing_base == Missing::fetch && !starts_with(ref, "dlenv/")) {
    ctx.progress().phase(env.name, fmt::format("pulling {}", ref));
    auto fetched = backend.fetch_image(ref, [&](std::string_view line) { ctx.progress().detail(env.name, line); });
    if (!fetched)
      return fail(Error(ErrorCode::not_found, fmt::format("base image '{}' of env '{}' could not be pulled", ref, env.name),
                        fmt::format("{}\nload it into the engine yourself, or choose another base in {}", fetched.error().message,
                                    project.file.string()))
                      .at(env.where));
    id = DLENV_TRY(backend.image_id(ref));
  }
  if (id) return *id;
  switch (options.missing_base) {
    case Missing::note:
      notes.push_back(fmt::format("base image {} is not present here: layer tags assume it unchanged", ref));
      return std::string();
    case Missing::fail:
      return fail(ErrorCode::not_found, fmt::format("env '{}' has no image yet (its base {} is not here)", env.name, ref),
                  fmt::format("run 'dlenv up {}' first", env.name));
    case Missing::fetch: break;
  }
  std::string hint = starts_with(ref, "dlenv/debian:")
                         ? fmt::format("create it offline with 'dlenv base bootstrap debian:{}'", ref.substr(13))
                         : fmt::format("choose another base in {}", project.file.string());
  return fail(Error(ErrorCode::not_found, fmt::format("base image '{}' of env '{}' is not present", ref, env.name), hint)
                  .at(env.where));
}

}  // namespace

Result<backend::PreparedEnv> prepare(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                                     const PrepareOptions& options, std::vector<std::string>* notes_out) {
  std::vector<std::string> ignored;
  auto& notes = notes_out ? *notes_out : ignored;
  auto& backend = ctx.backend();
  backend::PreparedEnv prepared;
  prepared.project = project;
  prepared.env = env;
  prepared.facts = options.facts ? *options.facts : DLENV_TRY(backend.gpu_facts());

  // `plan` goes on without a back-end (its caller says so once); `up` and `export` need it.
  const bool reachable = !options.backend_optional || options.backend_answers;
  GpuChoice choice;
  if (!backend.schedules_gpus()) {
    const auto name = plan::container_name(ctx.host().user.uid, project.dir.string(), env.name);
    auto inventory = reachable ? DLENV_TRY(backend.gpu_inventory(name)) : backend::GpuInventory{};
    choice = DLENV_TRY(choose_gpus(env, prepared.facts, inventory, options.keep_held_gpus));
  }
  prepared.gpus = choice.gpus;
  prepared.all_gpus = choice.all;
  prepared.resolution = DLENV_TRY(resolve_env(env, prepared.facts, choice.gpus));
  if (!prepared.resolution.ok) return prepared;

  const std::string& base = prepared.resolution.base_image;
  if (!reachable) {
    notes.push_back(fmt::format("base image {} is not present here: layer tags assume it unchanged", base));
  } else {
    prepared.base_image_id = DLENV_TRY(base_image_id(ctx, project, env, base, options, notes));
  }
  plan::PlanInputs inputs;
  inputs.base_image = base;
  inputs.base_image_id = prepared.base_image_id;
  inputs.resolution = env.framework ? &prepared.resolution : nullptr;
  inputs.gpus = choice.gpus;
  inputs.all_gpus = choice.all;
  prepared.plan = DLENV_TRY(plan::make_env_plan(project, env, ctx.host(), inputs));
  return prepared;
}

Status require_compatible(const backend::PreparedEnv& prepared) {
  const auto& resolution = prepared.resolution;
  if (resolution.ok) return {};
  const auto& env = prepared.env;
  std::string hint;
  for (const auto& alternative : resolution.alternatives) hint += fmt::format("{}: {}\n", alternative.description, alternative.change);
  hint += fmt::format("'dlenv plan {}' shows every rule that decided", env.name);
  return fail(Error(ErrorCode::incompatible,
                    fmt::format("env '{}' cannot run on this host: {}", env.name, resolution.failed_constraint), hint)
                  .at(env.framework_where.value_or(env.where)));
}

}  // namespace dlenv::ops
