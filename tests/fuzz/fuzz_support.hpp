#pragma once
// Shared by the fuzz targets: a contract check that aborts (a libFuzzer finding, with the
// input saved) instead of returning quietly.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/error.hpp"

namespace dlenv::fuzz {

[[noreturn]] inline void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "contract violated: %s\n%s\n", what, detail.c_str());
  std::abort();
}

#define DLENV_FUZZ_CHECK(cond, detail) \
  do {                                 \
    if (!(cond)) ::dlenv::fuzz::violated(#cond, (detail)); \
  } while (0)

// Every user-facing error names the problem and carries a hint (util/error.hpp's contract).
inline void check_error(const Error& e, ErrorCode expected) {
  DLENV_FUZZ_CHECK(e.code == expected, e.describe());
  DLENV_FUZZ_CHECK(!e.message.empty(), e.describe());
  DLENV_FUZZ_CHECK(!e.hint.empty(), e.describe());
}

}  // namespace dlenv::fuzz
