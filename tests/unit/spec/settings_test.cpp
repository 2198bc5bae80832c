// Settings: each value with its origin, and the precedence environment > project file >
// user file > default (spec/settings.hpp).
#include <gtest/gtest.h>

#include "scratch_dir.hpp"
#include "spec/loader.hpp"
#include "spec/settings.hpp"

namespace dlenv::spec {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Settings, EachSourceOverridesTheOnesBelowIt) {
  dlenv::testing::ScratchDir dir;
  SettingSources sources;
  sources.user_file = dir.write("config.toml", "apt_mirror = \"http://user/debian\"\nport_range = \"30000-30009\"\nbackend = \"docker\"\n");
  sources.project_file = dir.write("p/dlenv.toml", "[settings]\napt_mirror = \"http://project/debian\"\n");
  auto settings = load_settings(sources);
  ASSERT_TRUE(settings) << settings.error().describe();
  EXPECT_EQ(settings->get("apt_mirror"), "http://project/debian");
  EXPECT_EQ(settings->find("apt_mirror")->origin, SettingOrigin::project_file);
  EXPECT_EQ(settings->find("apt_mirror")->where, sources.project_file.string() + ":2");
  EXPECT_EQ(settings->get("port_range"), "30000-30009");
  EXPECT_EQ(settings->find("port_range")->origin, SettingOrigin::user_file);
  EXPECT_EQ(settings->get("engine_timeout_scale"), "1");
  EXPECT_EQ(settings->find("engine_timeout_scale")->origin, SettingOrigin::built_in);
  EXPECT_FALSE(settings->get("host_facts")) << "no default, no source";

  sources.environment["DLENV_APT_MIRROR"] = "http://env/debian";
  sources.environment["DLENV_PORT_RANGE"] = "";  // empty counts as unset
  settings = load_settings(sources);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->get("apt_mirror"), "http://env/debian");
  EXPECT_EQ(settings->where("apt_mirror"), "apt_mirror (DLENV_APT_MIRROR)");
  EXPECT_EQ(settings->get("port_range"), "30000-30009");
}

TEST(Settings, AMisspelledKeyIsAnErrorAtItsLineWithASuggestion) {
  dlenv::testing::ScratchDir dir;
  SettingSources sources;
  sources.user_file = dir.write("config.toml", "# mine\nport_rnage = \"1-2\"\n");
  auto settings = load_settings(sources);
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().code, ErrorCode::config);
  ASSERT_TRUE(settings.error().where);
  EXPECT_EQ(settings.error().where->line, 2);
  EXPECT_TRUE(contains(settings.error().hint, "port_range")) << settings.error().hint;
}

TEST(Settings, AProjectCannotMoveYourStateOrTheEngine) {
  dlenv::testing::ScratchDir dir;
  for (const char* key : {"home", "engine", "host_root", "port_range"}) {
    SettingSources sources;
    sources.project_file = dir.write("dlenv.toml", std::string("[settings]\n") + key + " = \"/tmp/x\"\n");
    auto settings = load_settings(sources);
    ASSERT_FALSE(settings) << key;
    EXPECT_TRUE(contains(settings.error().message, "cannot be set by a project")) << settings.error().message;
  }
}

TEST(Settings, ValuesAreOneLineOfText) {
  dlenv::testing::ScratchDir dir;
  for (const char* bad : {"apt_mirror = [\"a\"]\n", "apt_mirror = \"a\\nb\"\n", "[apt_mirror]\nx = 1\n"}) {
    SettingSources sources;
    sources.user_file = dir.write("config.toml", bad);
    auto settings = load_settings(sources);
    ASSERT_FALSE(settings) << bad;
    EXPECT_EQ(settings.error().code, ErrorCode::config) << bad;
  }
  SettingSources sources;
  sources.user_file = dir.write("config.toml", "engine_timeout_scale = 2.5\n");
  auto settings = load_settings(sources);
  ASSERT_TRUE(settings) << settings.error().describe();
  EXPECT_EQ(settings->get("engine_timeout_scale"), "2.5");
}

TEST(Settings, AMissingUserFileIsNoError) {
  SettingSources sources;
  sources.user_file = "/nonexistent/dlenv/config.toml";
  EXPECT_TRUE(load_settings(sources));
}

TEST(Settings, TheProjectFileAcceptsASettingsTableAndChecksIt) {
  dlenv::testing::ScratchDir dir;
  auto ok = parse_project("[settings]\napt_mirror = \"http://m/debian\"\n[envs.a]\nbase = \"dlenv/debian:bookworm\"\n",
                          dir.path() / "dlenv.toml");
  EXPECT_TRUE(ok) << ok.error().describe();
  auto bad = parse_project("[settings]\nhome = \"/tmp\"\n[envs.a]\nbase = \"dlenv/debian:bookworm\"\n", dir.path() / "dlenv.toml");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message, "settings.home")) << bad.error().message;
}

}  // namespace
}  // namespace dlenv::spec
