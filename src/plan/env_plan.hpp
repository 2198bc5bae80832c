#pragma once
// plan::make_env_plan: one environment of a project on this host -> what to build and run.
// Pure: no engine, no files written (it reads the requirements file named by the spec).
#include <string>

#include "compat/resolution.hpp"
#include "host/gpu_facts.hpp"
#include "host/host_facts.hpp"
#include "plan/build_plan.hpp"
#include "plan/run_plan.hpp"
#include "spec/project_spec.hpp"
#include "util/error.hpp"

namespace dlenv::plan {

// Labels every object dlenv creates carries ("labels are the truth").
namespace label {
inline constexpr const char* managed = "dlenv.managed";        // "1"
inline constexpr const char* env = "dlenv.env";                // env name
inline constexpr const char* project = "dlenv.project";        // absolute project dir
inline constexpr const char* owner = "dlenv.owner";            // uid
inline constexpr const char* user = "dlenv.user";              // "uid:gid" the container runs as
inline constexpr const char* spec_hash = "dlenv.spec-hash";    // changes when the container must be re-created
inline constexpr const char* workdir = "dlenv.workdir";
inline constexpr const char* jupyter_base_url = "dlenv.jupyter.base-url";
inline constexpr const char* jupyter_ui_path = "dlenv.jupyter.ui-path";  // "lab", "tree"; absent: the root
inline constexpr const char* port_prefix = "dlenv.port.";      // + service -> host port
inline constexpr const char* layer = "dlenv.layer";            // image layers: system/project/user
inline constexpr const char* content_hash = "dlenv.content-hash";
inline constexpr const char* gpus = "dlenv.gpus";              // comma-separated GPU UUIDs
}  // namespace label

struct EnvPlan {
  std::string env_key;  // "<project dir>#<env name>"
  std::string spec_hash;
  BuildPlan build;
  RunPlan run;
};

// What the plan is made from besides the project file and the host.
struct PlanInputs {
  std::string base_image;                        // env.base, or the resolution's base image
  std::string base_image_id;                     // the engine's id of it ("" when unknown): a rebuilt base changes every tag
  const compat::Resolution* resolution = nullptr;  // when the env names a framework
  std::vector<host::Gpu> gpus;                   // the GPUs chosen for it
  bool all_gpus = false;
};

Result<EnvPlan> make_env_plan(const spec::ProjectSpec& project, const spec::EnvSpec& env,
                              const host::HostFacts& host, const PlanInputs& inputs);

// The base image an env builds on when only the project file is known (env.base).
inline PlanInputs inputs_for_base(const spec::EnvSpec& env, std::string base_image_id) {
  PlanInputs in;
  in.base_image = env.base;
  in.base_image_id = std::move(base_image_id);
  return in;
}

std::string env_key(const std::string& project_dir, const std::string& env_name);

// The network every environment of user `uid` joins: "dlenv-u<uid>", no inter-container traffic.
NetworkPlan user_network(unsigned uid);

// "dlenv-<env>-<8 hex>", unique per (user, project dir, env).
std::string container_name(unsigned uid, const std::string& project_dir, const std::string& env_name);

}  // namespace dlenv::plan
