#pragma once
// `dlenv plan`: what would be built and run for each environment, and why — the resolver's
// decision for this host (or the host described by a facts file), the layers with their
// content hashes and whether each already exists, and the GPUs it would get. Changes nothing.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compat/resolution.hpp"
#include "host/gpu_facts.hpp"
#include "ops/context.hpp"
#include "ops/environments/mount_policy.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::ops {

struct PlanOptions {
  std::filesystem::path project;           // a project dir or file; empty: found from the cwd
  std::vector<std::string> envs;           // empty: all
  // Without a project file: one environment described by these.
  std::optional<std::string> framework;    // "torch==2.3.1"
  std::optional<std::string> python;
  std::string cuda = "auto";
  std::optional<spec::GpuRequest> gpus;
  std::filesystem::path host_file;         // --host FILE (else the back-end's facts: host_facts setting or the probe)
};

struct LayerView {
  std::string kind;
  std::string tag;
  std::string content_hash;
  std::string parent;
  std::optional<bool> exists;              // nullopt: the engine could not be asked
};

struct PlanView {
  std::string env;
  compat::Resolution resolution;           // ok with a reason when the base is given
  std::string base_image;
  std::vector<LayerView> layers;
  std::vector<host::Gpu> gpus;
  bool all_gpus = false;
  std::vector<SensitiveMount> sensitive_mounts;  // and whether each is allowed
  std::string host_origin;                 // "probe" or the facts file
  std::vector<std::string> notes;          // e.g. the engine was not reachable
};

Result<std::vector<PlanView>> plan_envs(Context& ctx, const PlanOptions& options);

// The resolution for one environment on a host with these GPUs (shared by `plan` and `up`).
// A given `base` wins over the resolver's image; the framework still comes from the resolver.
Result<compat::Resolution> resolve_env(const spec::EnvSpec& env, const host::GpuFacts& facts,
                                       const std::vector<host::Gpu>& gpus);

}  // namespace dlenv::ops
