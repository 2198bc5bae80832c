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

#include "spec/loader.hpp"

namespace dlenv::spec::testing {

// A fresh directory under the system temp dir; removed (recursively) on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "dlenv-spec-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    if (test) name += std::string("-") + test->name();
    path_ = std::filesystem::canonical(std::filesystem::temp_directory_path()) / name;
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to `relative` (creating parent folders); returns the absolute path.
  std::filesystem::path write(const std::filesystem::path& relative, const std::string& content) const {
    std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

  std::filesystem::path make_dir(const std::filesystem::path& relative) const {
    std::filesystem::create_directories(path_ / relative);
    return path_ / relative;
  }

 private:
  std::filesystem::path path_;
};

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
