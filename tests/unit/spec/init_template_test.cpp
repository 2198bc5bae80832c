// The dlenv.toml written by `dlenv init` must parse as written and with its settings enabled.
#include <gtest/gtest.h>

#include <sstream>

#include "spec/loader.hpp"
#include "spec_test_support.hpp"

namespace dlenv::spec {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnvVar;
using testing::ScratchDir;

// Commented-out settings are "#key = ..." lines (no space after '#'); prose uses "# ".
std::string enable_all_settings(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ') line.erase(0, 1);
    out += line + "\n";
  }
  return out;
}

TEST(InitTemplate, ParsesAsWrittenWithDefaults) {
  const std::string text = init_template("my-project", "dlenv/debian:bookworm");
  auto project = parse_project(text, "/virtual/My Project/dlenv.toml");
  ASSERT_TRUE(project.has_value()) << project.error().describe() << "\n" << text;
  ASSERT_EQ(project->envs.size(), 1u);
  const EnvSpec& env = project->envs[0];
  EXPECT_EQ(env.name, "my-project");
  EXPECT_EQ(env.base, "dlenv/debian:bookworm");
  EXPECT_TRUE(env.apt.empty());
  EXPECT_TRUE(env.pip.empty());
  EXPECT_EQ(env.shm_size, kDefaultShmSize);
  EXPECT_EQ(env.workdir, kDefaultWorkdir);
  EXPECT_TRUE(env.jupyter);
}

TEST(InitTemplate, ShowsEveryOptionalKeyAsAComment) {
  const std::string text = init_template("demo", "dlenv/debian:bookworm");
  for (const char* key : {"#apt = ", "#pip = ", "#requirements = ", "#shm_size = ", "#workdir = ", "#jupyter = ", "#memory = ", "#cpus = ", "#pids_limit = ", "#restart = ",
                          "#[envs.demo.mounts]", "#[envs.demo.env]", "read_only = true"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
  EXPECT_NE(text.find("\nbase = \"dlenv/debian:bookworm\"\n"), std::string::npos);
}

TEST(InitTemplate, EnabledSettingsParseToTheirValues) {
  ScratchDir scratch;
  scratch.write("proj/requirements.txt", "numpy\n");
  ScopedEnvVar home("HOME", "/home/tester");
  const std::string text = enable_all_settings(init_template("demo", "dlenv/debian:bookworm"));
  auto project = parse_project(text, scratch.path() / "proj" / "dlenv.toml");
  ASSERT_TRUE(project.has_value()) << project.error().describe() << "\n" << text;
  const EnvSpec& env = project->envs[0];
  EXPECT_EQ(env.apt, (std::vector<std::string>{"git", "python3-numpy"}));
  EXPECT_EQ(env.pip, (std::vector<std::string>{"torch==2.3.1", "transformers"}));
  EXPECT_EQ(env.requirements, scratch.path() / "proj" / "requirements.txt");
  EXPECT_EQ(env.shm_size, int64_t{4} << 30);
  EXPECT_EQ(env.workdir, "/workspace");
  EXPECT_TRUE(env.jupyter);
  EXPECT_EQ(env.jupyter_ui, JupyterUi::server);
  EXPECT_EQ(env.memory, int64_t{16} << 30);
  EXPECT_EQ(env.cpus, 4.0);
  EXPECT_EQ(env.pids_limit, 8192);
  EXPECT_EQ(env.restart, "no");
  ASSERT_EQ(env.mounts.size(), 2u);
  EXPECT_EQ(env.mounts[0].host, scratch.path() / "proj" / "data");
  EXPECT_EQ(env.mounts[1].host, fs::path("/home/tester/datasets"));
  EXPECT_TRUE(env.mounts[1].read_only);
  EXPECT_EQ(env.env.at("WANDB_MODE"), "offline");
}

TEST(InitTemplate, QuotesNamesAndValuesThatNeedIt) {
  const std::string text = init_template("py3.11", "python:3.11");
  EXPECT_NE(text.find("[envs.\"py3.11\"]"), std::string::npos) << text;
  auto project = parse_project(enable_all_settings(text) + "", "/virtual/x/dlenv.toml");
  // requirements.txt does not exist in /virtual/x; everything before it must have parsed.
  ASSERT_FALSE(project.has_value());
  EXPECT_NE(project.error().message.find("requirements file"), std::string::npos) << project.error().describe();

  auto plain = parse_project(text, "/virtual/x/dlenv.toml");
  ASSERT_TRUE(plain.has_value()) << plain.error().describe();
  EXPECT_EQ(plain->envs[0].name, "py3.11");

  // A base with a quote is escaped, so the file stays valid TOML and the bad reference is reported.
  auto escaped = parse_project(init_template("demo", "a\"b"), "/virtual/x/dlenv.toml");
  ASSERT_FALSE(escaped.has_value());
  EXPECT_EQ(escaped.error().message, "invalid image reference 'a\"b' in 'envs.demo.base'");
}

}  // namespace
}  // namespace dlenv::spec
