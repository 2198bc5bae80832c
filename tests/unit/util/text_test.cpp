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

TEST(Text, FindsControlCharacters) {
  EXPECT_FALSE(has_control_char("plain text/with:punctuation"));
  EXPECT_TRUE(has_control_char("a\nb"));
  EXPECT_TRUE(has_control_char("a\tb"));
  EXPECT_TRUE(has_control_char(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control_char("\x7f"));
  EXPECT_FALSE(has_control_char("caf\xc3\xa9"));  // UTF-8 is not control
}

TEST(Text, AbbreviatesForErrors) {
  EXPECT_EQ(abbreviate("short"), "short");
  EXPECT_EQ(abbreviate("a\nb"), "a\\x0ab");
  const std::string huge(30000, 'x');
  auto shown = abbreviate(huge, 10);
  EXPECT_EQ(shown, "xxxxxxxxxx... (30000 characters)");
}

TEST(Text, ParsesWholeIntegersOnly) {
  EXPECT_EQ(parse_int("123"), 123);
  EXPECT_EQ(parse_int("-5"), -5);
  EXPECT_FALSE(parse_int("123abc"));
  EXPECT_FALSE(parse_int(" 1"));
  EXPECT_FALSE(parse_int(""));
  EXPECT_FALSE(parse_int("99999999999999999999999"));
}
