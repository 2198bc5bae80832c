#pragma once
// What every use case works with: the back-end where environments run, the host facts, the
// settings and a place to report progress. Use cases take a Context, return data, and never
// print. They reach environments only through backend::Backend (backend/backend.hpp).
#include <string>

#include "backend/backend.hpp"
#include "backend/env_ref.hpp"
#include "backend/env_view.hpp"
#include "backend/progress.hpp"
#include "host/host_facts.hpp"
#include "spec/settings.hpp"

namespace dlenv::ops {

using backend::EnvRef;
using backend::EnvState;
using backend::EnvView;
using backend::Progress;
using backend::SilentProgress;

class Context {
 public:
  Context(backend::Backend& backend, host::HostFacts host, spec::Settings settings, Progress& progress)
      : backend_(backend), host_(std::move(host)), settings_(std::move(settings)), progress_(progress) {}

  backend::Backend& backend() { return backend_; }
  const host::HostFacts& host() const { return host_; }
  const spec::Settings& settings() const { return settings_; }
  Progress& progress() { return progress_; }

 private:
  backend::Backend& backend_;
  host::HostFacts host_;
  spec::Settings settings_;
  Progress& progress_;
};

}  // namespace dlenv::ops
