#pragma once
// Golden-file comparison. DLENV_TEST_ACCEPT=1 rewrites the file with the actual text.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dlenv::testing {

inline void expect_golden(const std::string& name, const std::string& actual) {
  std::filesystem::path path = std::filesystem::path(DLENV_TEST_DATA) / "golden" / name;
  const char* accept = std::getenv("DLENV_TEST_ACCEPT");
  if (accept && std::string(accept) == "1") {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with DLENV_TEST_ACCEPT=1 to create it)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), actual) << "golden file " << path << " differs (DLENV_TEST_ACCEPT=1 accepts the new text)";
}

}  // namespace dlenv::testing
