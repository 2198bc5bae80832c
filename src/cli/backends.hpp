#pragma once
// The registration table of back-ends: the `backend` setting names one. Adding a back-end
// (Slurm, Kubernetes) is a folder under src/backends/ and a line in backends.cpp.
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "backend/progress.hpp"
#include "host/host_facts.hpp"
#include "spec/settings.hpp"

namespace dlenv::cli {

// The back-end the settings name; usage error naming the registered ones for another name.
Result<std::unique_ptr<backend::Backend>> make_backend(const spec::Settings& settings, const host::HostFacts& host,
                                                       backend::Progress& progress);

std::vector<std::string> registered_backends();

}  // namespace dlenv::cli
