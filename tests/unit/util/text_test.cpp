#include <gtest/gtest.h>

#include "util/text.hpp"

using namespace dlenv;

TEST(Text, ParsesByteSizes) {
  EXPECT_EQ(parse_byte_size("2g"), int64_t{2} * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("512m"), int64_t{512} * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1GiB"), int64_t{1024} * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("100"), 100);
  EXPECT_FALSE(parse_byte_size("2x"));
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("g"));
}

TEST(Text, SuggestsCloseMatchesOnly) {
  std::vector<std::string> keys = {"base", "apt", "pip", "requirements", "shm_size"};
  EXPECT_EQ(closest_match("requirments", keys), "requirements");
  EXPECT_EQ(closest_match("shm-size", keys), "shm_size");
  EXPECT_FALSE(closest_match("zzzzzzzz", keys));
}

TEST(Text, QuotesForShell) {
  EXPECT_EQ(shell_quote("abc"), "abc");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}
