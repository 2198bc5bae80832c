#pragma once
// Tests may skip for a missing prerequisite only outside CI: under CI=true (a real engine,
// root) the same condition is a failure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace dlenv::testing {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "false" && std::string(ci) != "0";
}

}  // namespace dlenv::testing

// Skips the current test outside CI; fails it under CI. Use in a test body or SetUp.
#define DLENV_SKIP_OUTSIDE_CI(why)                                           \
  do {                                                                       \
    if (::dlenv::testing::in_ci()) FAIL() << "CI=true, so not skipped: " << why; \
    GTEST_SKIP() << why;                                                     \
  } while (0)
