#pragma once
// The one way from an environment of a project to what runs: GPU facts and what others hold
// -> the GPUs it gets -> the resolution for them -> the base image's identity -> the plan.
// `up`, `plan` and `export` all go through it; the back-end deploys what it returns.
#include <optional>
#include <string>
#include <vector>

#include "backend/prepared_env.hpp"
#include "host/gpu_facts.hpp"
#include "ops/context.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::ops {

struct PrepareOptions {
  // What to do when the base image is not there: fetch it from its registry (`up`; dlenv's
  // own bases cannot be fetched) and fail when that fails, fail (`export`: the environment
  // was never brought up), or go on with a note (`plan`: layer tags assume it unchanged).
  enum class MissingBase { fetch, fail, note };
  MissingBase missing_base = MissingBase::fail;
  // The GPU facts to decide for (plan --host FILE); else the back-end's.
  std::optional<host::GpuFacts> facts;
  // `plan`: a back-end that does not answer is a note, not an error; the caller asked it once
  // (`backend_answers`), not each environment again.
  bool backend_optional = false;
  bool backend_answers = true;
  // `export`: a `gpus = N` environment is described with the GPUs it holds even when another
  // running environment took them meanwhile (`up` then chooses free ones).
  bool keep_held_gpus = false;
};

// Notes go to `notes` (the back-end was not asked, the base is not there). A resolution that
// is not ok is returned as it is, without a plan: see require_compatible.
Result<backend::PreparedEnv> prepare(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& env,
                                     const PrepareOptions& options, std::vector<std::string>* notes = nullptr);

// incompatible, with the alternatives and where the framework was asked for, unless the
// resolution is ok.
Status require_compatible(const backend::PreparedEnv& prepared);

}  // namespace dlenv::ops
