#include "compat/framework.hpp"

namespace dlenv::compat {

std::string_view to_string(Framework framework) {
  switch (framework) {
    case Framework::none: return "";
    case Framework::torch: return "torch";
    case Framework::tensorflow: return "tensorflow";
    case Framework::jax: return "jax";
  }
  return "";
}

std::optional<Framework> framework_named(std::string_view name) {
  if (name == "torch" || name == "pytorch") return Framework::torch;
  if (name == "tensorflow" || name == "tf" || name == "tensorflow-gpu") return Framework::tensorflow;
  if (name == "jax") return Framework::jax;
  return std::nullopt;
}

}  // namespace dlenv::compat
