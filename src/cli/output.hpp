#pragma once
// Rendering results for people and for programs (--json). JSON shapes are a contract:
// an environment is {name, project, state, container, container_id, image, user{uid,gid},
// ports{service: port}, jupyter{url} or null}.
#include <string>
#include <vector>

#include "ops/env_view.hpp"
#include "util/error.hpp"

namespace dlenv::cli {

std::string env_json(const ops::EnvView& env);                 // one object, one line
std::string envs_json(const std::vector<ops::EnvView>& envs);  // an array, indented
std::string error_json(const Error& error);                    // {"error": {...}}

std::string env_human(const ops::EnvView& env);                // a few lines: state, URL, ports
std::string envs_table(const std::vector<ops::EnvView>& envs); // ls
std::string error_human(const Error& error);                   // "error: ...\nhint: ..."

}  // namespace dlenv::cli
