#pragma once
// Named locks between this user's dlenv processes, under DLENV_HOME/locks: one `up` of an
// environment at a time, one build of a layer at a time.
#include <string>

#include "host/host_facts.hpp"
#include "util/error.hpp"
#include "util/file_lock.hpp"

namespace dlenv::backend {

Result<FileLock> lock_named(const host::HostFacts& host, const std::string& name);

}  // namespace dlenv::backend
