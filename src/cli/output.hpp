#pragma once
// Rendering results for people and for programs (--json). JSON shapes are a contract:
// an environment is {name, project, state, container, container_id, image, user{uid,gid},
// ports{service: port}, jupyter{url} or null}.
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "ops/config.hpp"
#include "ops/images/base_bootstrap.hpp"
#include "host/gpu_facts.hpp"
#include "ops/diagnosis/doctor.hpp"
#include "backend/env_view.hpp"
#include "ops/environments/plan_env.hpp"
#include "util/error.hpp"

namespace dlenv::cli {

std::string env_json(const ops::EnvView& env);                 // one object, one line
std::string envs_json(const std::vector<ops::EnvView>& envs);  // an array, indented
std::string error_json(const Error& error);                    // {"error": {...}}

std::string env_human(const ops::EnvView& env);                // a few lines: state, URL, ports
std::string envs_table(const std::vector<ops::EnvView>& envs); // ls
std::string error_human(const Error& error);                   // "error: ...\nhint: ..."

// dlenv plan: the decision and why.
std::string plan_json(const ops::PlanView& plan);  // one object, one line
std::string plan_human(const ops::PlanView& plan);

// dlenv doctor: {"ok": bool, "checks": [{name, status, detail, remedy}]} / one line per check.
std::string doctor_json(const std::vector<backend::Check>& checks);
std::string doctor_human(const std::vector<backend::Check>& checks);

// dlenv host: the probe's facts (the saved form `--host FILE` reads back) and the back-end.
std::string host_json(const host::GpuFacts& facts, const backend::BackendReport& engine);
std::string host_human(const host::GpuFacts& facts, const backend::BackendReport& engine);

// dlenv base bootstrap: {"image", "id", "created"}.
std::string bootstrap_json(const ops::BootstrapResult& result);

// dlenv config: [{key, value, origin, where, variable, description}] / a table.
std::string settings_json(const std::vector<ops::SettingView>& settings);
std::string settings_human(const std::vector<ops::SettingView>& settings);

}  // namespace dlenv::cli
