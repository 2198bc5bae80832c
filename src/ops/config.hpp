#pragma once
// `dlenv config`: every setting with its effective value and where that came from
// (spec/settings.hpp has the sources and their precedence). Derived defaults (the state
// folder, the engine) are shown as they were worked out.
#include <string>
#include <vector>

#include "ops/context.hpp"

namespace dlenv::ops {

struct SettingView {
  std::string key;          // "port_range"
  std::string value;        // effective; "" when unset and nothing is derived
  std::string origin;       // "environment", "project file", "user file", "default"
  std::string where;        // the variable or file:line; empty for a default
  std::string variable;     // the environment variable that sets it
  std::string description;
};

std::vector<SettingView> settings_view(Context& ctx);

}  // namespace dlenv::ops
