#pragma once
// `dlenv init`: writes a commented dlenv.toml into a project directory.
#include <filesystem>
#include <string>

#include "util/error.hpp"

namespace dlenv::ops {

struct InitOptions {
  std::filesystem::path dir;  // the project directory (created when missing)
  std::string name;           // env name; empty: from the folder name
  std::string base = "dlenv/debian:bookworm";
  bool force = false;         // overwrite an existing dlenv.toml
};

// Returns the path written. Refuses (conflict) to overwrite without `force`.
Result<std::filesystem::path> init(const InitOptions& options);

}  // namespace dlenv::ops
