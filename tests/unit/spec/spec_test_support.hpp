#pragma once
// Helpers for the spec tests: a scratch directory removed at the end of each test, and
// parsing text as if it were a file in a folder that does not exist.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <unistd.h>

#include "scratch_dir.hpp"
#include "spec/loader.hpp"

namespace dlenv::spec::testing {

using dlenv::testing::ScratchDir;

// A project file whose folder does not exist: nothing in it may touch the disk.
inline const std::string kVirtualFile = "/virtual/demo/dlenv.toml";

inline Result<ProjectSpec> parse_virtual(std::string_view text) { return parse_project(text, kVirtualFile); }

// Sets (or, given nullopt, unsets) an environment variable for one scope; restores it after.
class ScopedEnvVar {
 public:
  ScopedEnvVar(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~ScopedEnvVar() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnvVar(const ScopedEnvVar&) = delete;
  ScopedEnvVar& operator=(const ScopedEnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace dlenv::spec::testing
