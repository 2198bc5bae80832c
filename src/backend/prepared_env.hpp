#pragma once
// A prepared environment: everything decided before anything runs (ops::prepare makes it;
// a back-end deploys it). The same for `up`, `plan` and `export`.
#include <string>
#include <vector>

#include "compat/resolution.hpp"
#include "host/gpu_facts.hpp"
#include "plan/env_plan.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::backend {

struct PreparedEnv {
  spec::ProjectSpec project;
  spec::EnvSpec env;              // mount sources as they will be mounted (real paths, for `up`)
  host::GpuFacts facts;           // the GPUs and driver it was decided for
  std::vector<host::Gpu> gpus;    // the GPUs it gets
  bool all_gpus = false;          // every GPU, also ones added later
  compat::Resolution resolution;  // ok, with reasons (given base: no framework resolved)
  std::string base_image_id;      // the back-end's id of the base ("" when it is not there)
  plan::EnvPlan plan;             // made only when resolution.ok
};

}  // namespace dlenv::backend
