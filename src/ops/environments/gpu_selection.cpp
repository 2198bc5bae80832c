#include "ops/environments/gpu_selection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/text.hpp"

namespace dlenv::ops {
namespace {

std::string listing(const std::vector<host::Gpu>& gpus) {
  std::vector<std::string> items;
  for (const auto& g : gpus) items.push_back(fmt::format("{} {} ({})", g.index, g.name, g.uuid));
  return items.empty() ? "none" : join(items, "; ");
}

}  // namespace

Result<GpuChoice> select_gpus(const spec::GpuRequest& request, const host::GpuFacts& facts,
                              const std::map<std::string, GpuUse>& use_by_uuid) {
  using Kind = spec::GpuRequest::Kind;
  GpuChoice choice;
  const auto& gpus = facts.gpus;
  switch (request.kind) {
    case Kind::none:
      return choice;
    case Kind::unspecified:
      if (!gpus.empty()) {
        choice.gpus = gpus;
        choice.all = true;
      }
      return choice;
    case Kind::all:
      if (gpus.empty())
        return fail(ErrorCode::incompatible, "gpus = \"all\" but no NVIDIA GPU was found on this host",
                    "run 'dlenv host' to see what the probe found, or set gpus = \"none\"");
      choice.gpus = gpus;
      choice.all = true;
      return choice;
    case Kind::devices:
      for (const auto& wanted : request.devices) {
        auto it = std::find_if(gpus.begin(), gpus.end(), [&](const host::Gpu& g) {
          return g.uuid == wanted || std::to_string(g.index) == wanted;
        });
        if (it == gpus.end())
          return fail(ErrorCode::incompatible, fmt::format("GPU '{}' is not on this host", wanted),
                      fmt::format("the host has: {}", listing(gpus)));
        if (std::none_of(choice.gpus.begin(), choice.gpus.end(), [&](const host::Gpu& g) { return g.uuid == it->uuid; }))
          choice.gpus.push_back(*it);
      }
      return choice;
    case Kind::count: {
      std::vector<host::Gpu> free;
      for (const auto& g : gpus) {
        auto use = use_by_uuid.find(g.uuid);
        if (use == use_by_uuid.end() || use->second.running == 0) free.push_back(g);
      }
      if (static_cast<int>(free.size()) < request.count)
        return fail(ErrorCode::conflict,
                    fmt::format("{} GPU{} asked for, {} of {} free (the others are held by running environments)",
                                request.count, request.count == 1 ? "" : "s", free.size(), gpus.size()),
                    "stop an environment that holds one ('dlenv ls' shows them), or ask for fewer");
      auto total = [&](const host::Gpu& g) {
        auto use = use_by_uuid.find(g.uuid);
        return use == use_by_uuid.end() ? 0 : use->second.total;
      };
      std::stable_sort(free.begin(), free.end(), [&](const host::Gpu& a, const host::Gpu& b) {
        return std::pair(total(a), a.index) < std::pair(total(b), b.index);
      });
      choice.gpus.assign(free.begin(), free.begin() + request.count);
      std::sort(choice.gpus.begin(), choice.gpus.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
      return choice;
    }
  }
  return choice;
}

}  // namespace dlenv::ops
