#pragma once
// Waiting until an environment's services answer on their loopback ports: Jupyter answers
// /api/status with the token (200), sshd greets ("SSH-"). A container that stops meanwhile
// ends the wait with its last log lines (the token redacted).
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backend/progress.hpp"
#include "engine/engine.hpp"
#include "plan/run_plan.hpp"
#include "spec/project_spec.hpp"

namespace dlenv::docker {

struct ReadinessProbes {
  // The HTTP status of a GET with these headers.
  std::function<Result<int>(const std::string& url, const std::vector<std::string>& headers)> http;
  // Whether an SSH server greets on 127.0.0.1:port.
  std::function<bool(int port)> ssh;
};

Status wait_for_services(const ReadinessProbes& probes, engine::Engine& engine, backend::Progress& progress,
                         const spec::EnvSpec& env, const plan::RunPlan& run, const std::map<std::string, int>& ports,
                         const std::string& token, std::chrono::seconds timeout);

}  // namespace dlenv::docker
