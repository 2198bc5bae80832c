#pragma once
// Which GPUs a back-end's environments hold, for choosing GPUs for another one.
#include <map>
#include <string>
#include <vector>

#include "host/gpu_facts.hpp"

namespace dlenv::backend {

struct GpuUse {
  int running = 0;  // running environments holding it
  int total = 0;    // environments (running or not) assigned it
};

struct GpuInventory {
  std::map<std::string, GpuUse> use_by_uuid;  // every environment but the one asked about
  std::vector<std::string> held;              // the UUIDs the environment asked about holds now
};

}  // namespace dlenv::backend
