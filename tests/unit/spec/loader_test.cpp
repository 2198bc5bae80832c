// Reading valid project files: every key, defaults, naming, path resolution, ordering, finding.
#include <gtest/gtest.h>

#include <tuple>

#include "ci.hpp"

#include "spec/loader.hpp"
#include "spec_test_support.hpp"

namespace dlenv::spec {
namespace {

namespace fs = std::filesystem;
using testing::parse_virtual;
using testing::ScopedEnvVar;
using testing::ScratchDir;

TEST(SpecLoader, ReadsEveryKey) {
  ScratchDir scratch;
  const fs::path dir = scratch.make_dir("proj");
  scratch.write("proj/reqs/requirements.txt", "numpy\n");
  ScopedEnvVar home("HOME", "/home/tester");
  const fs::path file = scratch.write("proj/dlenv.toml", R"(# a comment
[envs.train]
base = "ghcr.io/acme/cuda:12.4-runtime"
apt = ["git", "curl=7.88.1-10"]
pip = ["torch==2.3.1", " numpy>=1.26 "]
requirements = "reqs/requirements.txt"
shm_size = "512m"
workdir = "/code/"
jupyter = false

[envs.train.mounts]
"data" = "/data"
"/srv/models" = { target = "/models", read_only = true }
"~/datasets" = "/datasets"
"../shared/./cache/" = { target = "/cache", read_only = false }

[envs.train.env]
HF_HOME = "/code/.hf"
WORKERS = 4
DEBUG = true
)");
  auto project = load_project(dir);
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  EXPECT_EQ(project->file, file);
  EXPECT_EQ(project->dir, dir);
  ASSERT_EQ(project->envs.size(), 1u);
  const EnvSpec& env = project->envs[0];
  EXPECT_EQ(env.name, "train");
  EXPECT_EQ(env.base, "ghcr.io/acme/cuda:12.4-runtime");
  EXPECT_EQ(env.apt, (std::vector<std::string>{"git", "curl=7.88.1-10"}));
  EXPECT_EQ(env.pip, (std::vector<std::string>{"torch==2.3.1", "numpy>=1.26"}));
  EXPECT_EQ(env.requirements, dir / "reqs" / "requirements.txt");
  EXPECT_EQ(env.shm_size, int64_t{512} * 1024 * 1024);
  EXPECT_EQ(env.workdir, "/code");
  EXPECT_FALSE(env.jupyter);
  ASSERT_EQ(env.mounts.size(), 4u);
  EXPECT_EQ(env.mounts[0].host, dir / "data");
  EXPECT_EQ(env.mounts[0].container, "/data");
  EXPECT_FALSE(env.mounts[0].read_only);
  EXPECT_EQ(env.mounts[1].host, fs::path("/srv/models"));
  EXPECT_EQ(env.mounts[1].container, "/models");
  EXPECT_TRUE(env.mounts[1].read_only);
  EXPECT_EQ(env.mounts[2].host, fs::path("/home/tester/datasets"));
  EXPECT_EQ(env.mounts[2].container, "/datasets");
  EXPECT_EQ(env.mounts[3].host, scratch.path() / "shared" / "cache");
  EXPECT_EQ(env.mounts[3].container, "/cache");
  EXPECT_FALSE(env.mounts[3].read_only);
  EXPECT_EQ(env.env, (std::map<std::string, std::string>{{"DEBUG", "true"}, {"HF_HOME", "/code/.hf"}, {"WORKERS", "4"}}));
  EXPECT_EQ(env.where.file, file.string());
  EXPECT_EQ(env.where.line, 2);
  EXPECT_EQ(env.where.column, 7);
}

TEST(SpecLoader, AppliesDefaults) {
  auto project = parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  ASSERT_EQ(project->envs.size(), 1u);
  const EnvSpec& env = project->envs[0];
  EXPECT_EQ(env.base, "dlenv/debian:bookworm");
  EXPECT_TRUE(env.apt.empty());
  EXPECT_TRUE(env.pip.empty());
  EXPECT_FALSE(env.requirements.has_value());
  EXPECT_EQ(env.shm_size, int64_t{2} * 1024 * 1024 * 1024);
  EXPECT_EQ(env.workdir, "/workspace");
  EXPECT_TRUE(env.jupyter);
  EXPECT_EQ(env.jupyter_ui, JupyterUi::best);
  EXPECT_TRUE(env.mounts.empty());
  EXPECT_TRUE(env.env.empty());
}

TEST(SpecLoader, RestartIsUnlessStoppedOrNo) {
  const std::string head = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n";
  auto by_default = parse_virtual(head);
  ASSERT_TRUE(by_default.has_value()) << by_default.error().describe();
  EXPECT_EQ(by_default->envs[0].restart, "unless-stopped");
  auto off = parse_virtual(head + "restart = \"no\"\n");
  ASSERT_TRUE(off.has_value()) << off.error().describe();
  EXPECT_EQ(off->envs[0].restart, "no");
  auto wrong = parse_virtual(head + "restart = \"always-ish\"\n");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().describe().find("'envs.demo.restart' cannot be \"always-ish\""), std::string::npos) << wrong.error().describe();
}

TEST(SpecLoader, JupyterNamesItsFrontEndOrTurnsItOff) {
  const std::string head = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n";
  for (auto [text, on, ui] : {std::tuple{"true", true, JupyterUi::best}, std::tuple{"false", false, JupyterUi::best},
                              std::tuple{"\"lab\"", true, JupyterUi::lab}, std::tuple{"\"notebook\"", true, JupyterUi::notebook},
                              std::tuple{"\"server\"", true, JupyterUi::server}}) {
    auto project = parse_virtual(head + "jupyter = " + text + "\n");
    ASSERT_TRUE(project.has_value()) << project.error().describe();
    EXPECT_EQ(project->envs[0].jupyter, on) << text;
    EXPECT_EQ(project->envs[0].jupyter_ui, ui) << text;
  }
}

TEST(SpecLoader, ShmSizeAcceptsBytesAndUnits) {
  const std::string head = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n";
  auto as_integer = parse_virtual(head + "shm_size = 1048576\n");
  ASSERT_TRUE(as_integer.has_value()) << as_integer.error().describe();
  EXPECT_EQ(as_integer->envs[0].shm_size, 1048576);
  auto as_text = parse_virtual(head + "shm_size = \"1G\"\n");
  ASSERT_TRUE(as_text.has_value()) << as_text.error().describe();
  EXPECT_EQ(as_text->envs[0].shm_size, int64_t{1} << 30);
}

TEST(SpecLoader, SingleEnvTableIsNamedAfterTheProjectFolder) {
  ScratchDir scratch;
  scratch.write("My Project/dlenv.toml", "[env]\nbase = \"dlenv/debian:bookworm\"\n");
  auto project = load_project(scratch.path() / "My Project");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  ASSERT_EQ(project->envs.size(), 1u);
  EXPECT_EQ(project->envs[0].name, "my-project");
  EXPECT_EQ(project->envs[0].where.line, 1);
  EXPECT_EQ(project->envs[0].where.column, 2);
  EXPECT_NE(project->find("my-project"), nullptr);
}

TEST(SpecLoader, EnvironmentsKeepFileOrder) {
  auto project = parse_virtual(R"([envs.zeta]
base = "dlenv/debian:bookworm"
[envs.alpha]
base = "python:3.12-slim"
[envs."py3.11"]
base = "python:3.11"
)");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  ASSERT_EQ(project->envs.size(), 3u);
  EXPECT_EQ(project->envs[0].name, "zeta");
  EXPECT_EQ(project->envs[1].name, "alpha");
  EXPECT_EQ(project->envs[2].name, "py3.11");
  EXPECT_EQ(project->envs[1].base, "python:3.12-slim");
  EXPECT_EQ(project->find("alpha"), &project->envs[1]);
  EXPECT_EQ(project->find("beta"), nullptr);
}

TEST(SpecLoader, MountsKeepFileOrder) {
  auto project = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"zz" = "/z"
"aa" = "/a"
"mm" = "/m"
)");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  const auto& mounts = project->envs[0].mounts;
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].host, fs::path("/virtual/demo/zz"));
  EXPECT_EQ(mounts[1].host, fs::path("/virtual/demo/aa"));
  EXPECT_EQ(mounts[2].host, fs::path("/virtual/demo/mm"));
}

TEST(SpecLoader, RelativeProjectFileIsMadeAbsolute) {
  auto project = parse_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n", "sub/../proj/dlenv.toml");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  EXPECT_EQ(project->file, fs::current_path() / "proj" / "dlenv.toml");
  EXPECT_EQ(project->dir, fs::current_path() / "proj");
}

TEST(SpecLoader, AbsoluteRequirementsPathIsKept) {
  ScratchDir scratch;
  const fs::path requirements = scratch.write("elsewhere/reqs.txt", "torch\n");
  auto project = parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nrequirements = \"" +
                               requirements.string() + "\"\n");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  EXPECT_EQ(project->envs[0].requirements, requirements);
}

TEST(SpecLoader, HomeAloneExpandsToHome) {
  ScopedEnvVar home("HOME", "/home/tester/");
  auto project = parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.mounts]\n\"~\" = \"/home\"\n");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  EXPECT_EQ(project->envs[0].mounts[0].host, fs::path("/home/tester"));
}

TEST(SpecLoader, LoadsFromTheFileItselfAndResolvesSymlinks) {
  ScratchDir scratch;
  const fs::path file = scratch.write("real/dlenv.toml", "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n");
  fs::create_directory_symlink(scratch.path() / "real", scratch.path() / "link");
  auto project = load_project(scratch.path() / "link" / "dlenv.toml");
  ASSERT_TRUE(project.has_value()) << project.error().describe();
  EXPECT_EQ(project->file, file);
  EXPECT_EQ(project->dir, scratch.path() / "real");
}

TEST(SpecLoader, LoadErrorsLocateTheFile) {
  ScratchDir scratch;
  const fs::path file = scratch.write("proj/dlenv.toml", "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nshm_siz = \"1g\"\n");
  auto project = load_project(scratch.path() / "proj");
  ASSERT_FALSE(project.has_value());
  EXPECT_EQ(project.error().describe(), file.string() + ":3:1: unknown key 'envs.demo.shm_siz'");
  EXPECT_EQ(project.error().hint, "did you mean 'shm_size'?");
}

TEST(SpecLoader, MissingProjectPathIsNotFound) {
  ScratchDir scratch;
  auto project = load_project(scratch.path() / "nope");
  ASSERT_FALSE(project.has_value());
  EXPECT_EQ(project.error().code, ErrorCode::not_found);
  EXPECT_EQ(project.error().describe(), "project path '" + (scratch.path() / "nope").string() + "' does not exist");
  EXPECT_EQ(project.error().hint, "pass a project folder or its dlenv.toml");
}

TEST(SpecLoader, FolderWithoutProjectFileIsNotFound) {
  ScratchDir scratch;
  auto project = load_project(scratch.path().string() + "/");
  ASSERT_FALSE(project.has_value());
  EXPECT_EQ(project.error().code, ErrorCode::not_found);
  EXPECT_EQ(project.error().describe(), "no dlenv.toml in '" + scratch.path().string() + "'");
  EXPECT_EQ(project.error().hint, "run 'dlenv init' to create one, or pass --project DIR");
}

TEST(SpecLoader, FindsTheProjectFileInAParentFolder) {
  ScratchDir scratch;
  const fs::path file = scratch.write("proj/dlenv.toml", "");
  const fs::path nested = scratch.make_dir("proj/src/models/deep");
  auto found = find_project_file(nested);
  ASSERT_TRUE(found.has_value()) << found.error().describe();
  EXPECT_EQ(*found, file);
  auto from_root = find_project_file(scratch.path() / "proj");
  ASSERT_TRUE(from_root.has_value()) << from_root.error().describe();
  EXPECT_EQ(*from_root, file);
}

TEST(SpecLoader, FindIgnoresADirectoryNamedLikeTheProjectFile) {
  ScratchDir scratch;
  const fs::path file = scratch.write("proj/dlenv.toml", "");
  scratch.make_dir("proj/sub/dlenv.toml");
  auto found = find_project_file(scratch.path() / "proj" / "sub");
  ASSERT_TRUE(found.has_value()) << found.error().describe();
  EXPECT_EQ(*found, file);
}

TEST(SpecLoader, FindReportsNotFoundWithAHint) {
  ScratchDir scratch;
  for (fs::path dir = scratch.path(); dir != dir.parent_path(); dir = dir.parent_path())
    if (fs::exists(dir.parent_path() / "dlenv.toml")) DLENV_SKIP_OUTSIDE_CI("a parent of the temp dir has a dlenv.toml");
  const fs::path start = scratch.make_dir("a/b");
  auto found = find_project_file(start);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::not_found);
  EXPECT_EQ(found.error().describe(), "no dlenv.toml in '" + start.string() + "' or any parent folder");
  EXPECT_EQ(found.error().hint, "run 'dlenv init' to create one, or pass --project DIR");
}

}  // namespace
}  // namespace dlenv::spec
