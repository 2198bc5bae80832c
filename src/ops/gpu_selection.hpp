#pragma once
// Which of the host's GPUs an environment gets (`gpus` in dlenv.toml). GPUs are recorded by
// UUID; what other environments hold comes from their containers' dlenv.gpus labels.
#include <map>
#include <string>
#include <vector>

#include "engine/types.hpp"
#include "host/gpu_facts.hpp"
#include "spec/project_spec.hpp"
#include "util/error.hpp"

namespace dlenv::ops {

struct GpuUse {
  int running = 0;  // running environments holding it
  int total = 0;    // environments (running or not) assigned it
};

struct GpuChoice {
  std::vector<host::Gpu> gpus;
  bool all = false;  // every GPU, including ones added later (gpus = "all" or unspecified)
};

// What dlenv containers hold, from their dlenv.gpus labels (`except` is not counted).
std::map<std::string, GpuUse> gpu_use_of(const std::vector<engine::ContainerInfo>& containers,
                                         const std::string& except = {});

// unspecified: every GPU when there are any, else none. "all" without GPUs, unknown devices
// and a count larger than the free GPUs are errors that say what is there.
Result<GpuChoice> select_gpus(const spec::GpuRequest& request, const host::GpuFacts& facts,
                              const std::map<std::string, GpuUse>& use_by_uuid);

}  // namespace dlenv::ops
