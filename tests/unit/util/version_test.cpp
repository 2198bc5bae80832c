#include <gtest/gtest.h>

#include "util/version.hpp"

using namespace dlenv;

static Version v(const char* s) { return *Version::parse(s); }

TEST(Version, ParsesAndCompares) {
  EXPECT_EQ(v("525.60.13").major(), 525);
  EXPECT_EQ(v("525.60.13").minor(), 60);
  EXPECT_LT(v("525.60.13"), v("530.30.02"));
  EXPECT_LT(v("12.1"), v("12.10"));
  EXPECT_EQ(v("12"), v("12.0"));
  EXPECT_GT(v("8.9"), v("8.6"));
  EXPECT_EQ(v("12.1.105").truncated(2).str(), "12.1");
  EXPECT_FALSE(Version::parse("12.x"));
  EXPECT_FALSE(Version::parse(""));
  EXPECT_FALSE(Version::parse("1..2"));
}

TEST(VersionSpec, MatchesPinsRangesAndWildcards) {
  auto pin = *VersionSpec::parse("==2.3.1");
  EXPECT_TRUE(pin.matches(v("2.3.1")));
  EXPECT_FALSE(pin.matches(v("2.3.0")));
  EXPECT_EQ(pin.exact()->str(), "2.3.1");
  auto range = *VersionSpec::parse(">=3.9, <3.13");
  EXPECT_TRUE(range.matches(v("3.12")));
  EXPECT_FALSE(range.matches(v("3.13")));
  EXPECT_FALSE(range.exact());
  auto wild = *VersionSpec::parse("==1.15.*");
  EXPECT_TRUE(wild.matches(v("1.15.5")));
  EXPECT_FALSE(wild.matches(v("1.14.0")));
  EXPECT_FALSE(wild.exact());
  auto compatible = *VersionSpec::parse("~=2.3");
  EXPECT_TRUE(compatible.matches(v("2.9")));
  EXPECT_FALSE(compatible.matches(v("3.0")));
  EXPECT_TRUE(VersionSpec::parse("")->matches(v("1.0")));
  EXPECT_FALSE(VersionSpec::parse(">=x"));
  EXPECT_FALSE(VersionSpec::parse("2.3"));
  EXPECT_FALSE(VersionSpec::parse(">=1.*"));
}
