#pragma once
// Reading and validating dlenv.toml. Errors carry file:line:col, the key, and a hint.
#include <filesystem>
#include <string_view>

#include "spec/project_spec.hpp"

namespace dlenv::spec {

// `path` is a project directory (dlenv.toml inside it) or the file itself.
Result<ProjectSpec> load_project(const std::filesystem::path& path);

// Parses `text` as if read from `file`; relative paths resolve against file's parent.
// Checks that referenced files exist (requirements, authorized keys); mount sources are
// checked when they are used (ops/mount_policy.hpp), with the rights of the user.
Result<ProjectSpec> parse_project(std::string_view text, const std::filesystem::path& file);

// Finds dlenv.toml in `start` or its parents (like git). not_found when there is none.
Result<std::filesystem::path> find_project_file(const std::filesystem::path& start);

// A valid environment name derived from a folder name ("My Project" -> "my-project").
std::string env_name_from_folder(std::string_view folder);

// True when `ref` is a syntactically valid image reference (name[:tag][@digest]).
bool is_valid_image_reference(std::string_view ref);

// The command-line form of `gpus` (`dlenv plan --gpus`): "all", "none", a count, or
// comma-separated indexes and UUIDs. usage error with a hint otherwise.
Result<GpuRequest> parse_gpu_request(std::string_view text);

// The command-line form of `framework` (`dlenv plan --framework`): "torch==2.3.1",
// "tensorflow==1.15.*", "jax[cuda12]>=0.4". usage error with a hint otherwise.
Result<std::string> parse_framework_requirement(std::string_view text);

// The commented dlenv.toml that `dlenv init` writes.
std::string init_template(std::string_view env_name, std::string_view base);

}  // namespace dlenv::spec
