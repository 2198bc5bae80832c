#pragma once
// Names of the typed contract suites' instances: "Fake" for the fake, "Docker" for the real one.
#include <string>
#include <type_traits>

namespace dlenv::testing {

template <class FakeImplementation>
struct FakeOrDockerNames {
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, FakeImplementation> ? "Fake" : "Docker";
  }
};

}  // namespace dlenv::testing
