#pragma once
// The frameworks dlenv resolves builds of.
#include <optional>
#include <string_view>

namespace dlenv::compat {

enum class Framework { none, torch, tensorflow, jax };

// "torch", "tensorflow", "jax"; "" for none (the JSON and message form).
std::string_view to_string(Framework framework);

// A framework's name as people write it: torch (pytorch), tensorflow (tf, tensorflow-gpu), jax.
std::optional<Framework> framework_named(std::string_view name);

}  // namespace dlenv::compat
