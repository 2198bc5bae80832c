#pragma once
// One finding of `dlenv doctor`: what was checked, how it went, and what to do about it.
#include <string>
#include <string_view>

namespace dlenv::backend {

struct Check {
  enum class Status { ok, warn, fail, skip };
  std::string name;    // "engine", "runc", "gpu-runtime", ...
  Status status = Status::ok;
  std::string detail;  // what was found
  std::string remedy;  // what to do (empty when ok)
};

std::string_view to_string(Check::Status status);

}  // namespace dlenv::backend
