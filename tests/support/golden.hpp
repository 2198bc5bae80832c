#pragma once
// Golden-file comparison. Content hashes (layer tags dlenv/<kind>:<16 hex> and the
// dlenv.content-hash label) are replaced by "<hash>" on both sides: a golden file pins the
// text, and the hashes are tested on their own (tests/unit/plan). DLENV_TEST_ACCEPT=1
// rewrites a file whose text differs, and says which it rewrote.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>

namespace dlenv::testing {

inline std::string without_content_hashes(const std::string& text) {
  static const std::regex tag(R"(dlenv/(system|framework|project|user):[0-9a-f]{16})");
  static const std::regex label(R"(dlenv\.content-hash="[0-9a-f]{64}")");
  return std::regex_replace(std::regex_replace(text, tag, "dlenv/$1:<hash>"), label, "dlenv.content-hash=\"<hash>\"");
}

inline void expect_golden(const std::string& name, const std::string& actual_text) {
  const std::filesystem::path path = std::filesystem::path(DLENV_TEST_DATA) / "golden" / name;
  const std::string actual = without_content_hashes(actual_text);
  std::string expected;
  bool found = false;
  if (std::ifstream in(path, std::ios::binary); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    expected = ss.str();
    found = true;
  }
  const char* accept = std::getenv("DLENV_TEST_ACCEPT");
  if (accept && std::string(accept) == "1") {
    if (found && expected == actual) return;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    std::cout << "[ golden   ] " << (found ? "rewrote " : "created ") << path.string() << std::endl;
    return;
  }
  ASSERT_TRUE(found) << "missing golden file " << path << " (run with DLENV_TEST_ACCEPT=1 to create it)";
  EXPECT_EQ(expected, actual) << "golden file " << path << " differs (DLENV_TEST_ACCEPT=1 accepts the new text)";
}

}  // namespace dlenv::testing
