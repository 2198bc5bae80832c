#pragma once
// Which of the host's GPUs an environment gets (`gpus` in dlenv.toml). GPUs are recorded by
// UUID; what other environments hold comes from the back-end (Backend::gpu_inventory).
#include <map>
#include <string>
#include <vector>

#include "backend/gpu_use.hpp"
#include "host/gpu_facts.hpp"
#include "spec/project_spec.hpp"
#include "util/error.hpp"

namespace dlenv::ops {

using backend::GpuUse;

struct GpuChoice {
  std::vector<host::Gpu> gpus;
  bool all = false;  // every GPU, including ones added later (gpus = "all" or unspecified)
};

// unspecified: every GPU when there are any, else none. "all" without GPUs, unknown devices
// and a count larger than the free GPUs are errors that say what is there.
Result<GpuChoice> select_gpus(const spec::GpuRequest& request, const host::GpuFacts& facts,
                              const std::map<std::string, GpuUse>& use_by_uuid);

}  // namespace dlenv::ops
