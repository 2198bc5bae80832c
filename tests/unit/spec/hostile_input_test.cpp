// Hostile project files: values that would add Dockerfile instructions, pip options, control
// characters, megabyte values that used to overflow the stack in std::regex, mounts onto
// dlenv's own paths. Each must be refused with a short, located error, never a crash.
#include <gtest/gtest.h>

#include <fstream>

#include "spec/loader.hpp"
#include "spec/names.hpp"
#include "spec_test_support.hpp"

namespace dlenv::spec {
namespace {

using testing::parse_virtual;

std::string env_with(const std::string& line) {
  return "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n" + line + "\n";
}

void expect_refused(const Result<ProjectSpec>& result, const std::string& message_part) {
  ASSERT_FALSE(result.has_value()) << "parsed without an error";
  EXPECT_EQ(result.error().code, ErrorCode::config);
  EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
  EXPECT_FALSE(result.error().hint.empty());
  EXPECT_LT(result.error().describe().size(), 600u) << "the error echoes too much of the value";
}

TEST(HostileInput, PipEntryWithANewlineCannotAddADockerfileInstruction) {
  expect_refused(parse_virtual(env_with("pip = [\"numpy\\nRUN echo X\"]")), "contains a control character");
}

TEST(HostileInput, PipOptionsAreNotRequirements) {
  expect_refused(parse_virtual(env_with("pip = [\"--index-url=http://evil.example/simple\"]")), "is a pip option");
  expect_refused(parse_virtual(env_with("pip = [\"--trusted-host\", \"evil.example\"]")), "is a pip option");
  expect_refused(parse_virtual(env_with("pip = [\"numpy --index-url http://evil.example\"]")), "is not a Python requirement");
}

TEST(HostileInput, ControlCharactersAreRefusedInEveryString) {
  expect_refused(parse_virtual(env_with("workdir = \"/work\\tspace\"")), "contains a control character");
  expect_refused(parse_virtual(env_with("[envs.demo.env]\nA = \"x\\ny\"")), "contains a control character");
  expect_refused(parse_virtual(env_with("[envs.demo.mounts]\n\"data\\nx\" = \"/data\"")), "is not usable");
  expect_refused(parse_virtual(env_with("python = \"3.11\\u001b[31m\"")), "contains a control character");
}

TEST(HostileInput, AThirtyThousandCharacterFrameworkIsAnErrorNotACrash) {
  const std::string huge(30000, '9');
  expect_refused(parse_virtual("[envs.demo]\nframework = \"torch==" + huge + "\"\n"), "characters long");
  // Just under the cap: the hand-written grammar takes it without recursion.
  const std::string long_version(4000, '1');
  auto ok = parse_virtual("[envs.demo]\nframework = \"torch==" + long_version + "\"\n");
  EXPECT_TRUE(ok) << ok.error().describe();
  EXPECT_FALSE(parse_framework_requirement("torch==" + huge));
  EXPECT_LT(parse_framework_requirement("torch==" + huge).error().message.size(), 200u);
}

TEST(HostileInput, AThirtyThousandCharacterGpuUuidIsAnErrorNotACrash) {
  const std::string uuid = "GPU-" + std::string(30000, 'a');
  expect_refused(parse_virtual(env_with("gpus = [\"" + uuid + "\"]")), "neither an index nor a UUID");
  auto parsed = parse_gpu_request(uuid);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::usage);
  EXPECT_LT(parsed.error().message.size(), 200u);
}

TEST(HostileInput, FrameworkGrammarStillTakesEveryDocumentedForm) {
  for (const char* ok : {"torch", "torch==2.3.1", "torch>=2.7", "tensorflow==1.15.*", "jax[cuda12]>=0.4",
                         "torch >= 2.1, < 2.4", "tensorflow==2.15.0"})
    EXPECT_TRUE(parse_framework_requirement(ok)) << ok;
  for (const char* bad : {"", "==2.3", "torch==", "torch==abc", "torch[", "torch[]", "torch==2.3,", "torch;rm",
                          "9torch", "torch==2.3 junk"})
    EXPECT_FALSE(parse_framework_requirement(bad)) << bad;
}

TEST(HostileInput, MountsOntoDlenvsOwnPathsAreRefusedInTheSpec) {
  expect_refused(parse_virtual(env_with("[envs.demo.mounts]\n\"data\" = \"/run/dlenv/secrets\"")),
                 "is where dlenv mounts its own secrets");
  expect_refused(parse_virtual(env_with("[envs.demo.mounts]\n\"data\" = \"/run/dlenv/secrets/x\"")),
                 "is where dlenv mounts its own secrets");
  expect_refused(parse_virtual(env_with("[envs.demo.mounts]\n\"data\" = \"/dlenv/cache/pip\"")),
                 "is where dlenv mounts its own caches");
  EXPECT_TRUE(parse_virtual(env_with("[envs.demo.mounts]\n\"data\" = \"/run/dlenv-data\"")));
}

TEST(HostileInput, MountsRememberWhereTheyWereWrittenAndWhetherAllowed) {
  auto project = parse_virtual(env_with("[envs.demo.mounts]\n\"/\" = { target = \"/host\", allow = true }\n\"d\" = \"/d\""));
  ASSERT_TRUE(project) << project.error().describe();
  const auto& mounts = project->envs[0].mounts;
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_TRUE(mounts[0].allow);
  EXPECT_FALSE(mounts[1].allow);
  EXPECT_EQ(mounts[1].where.line, 5);
}

TEST(HostileInput, RequirementsFilesMayNotPassPipOptions) {
  dlenv::testing::ScratchDir scratch;
  std::ofstream(scratch.path() / "requirements.txt") << "numpy\n# a comment\n--index-url http://evil.example/simple\n";
  auto result = parse_project(env_with("requirements = \"requirements.txt\""), scratch.path() / "dlenv.toml");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::config);
  ASSERT_TRUE(result.error().where);
  EXPECT_EQ(result.error().where->file, (scratch.path() / "requirements.txt").string());
  EXPECT_EQ(result.error().where->line, 3);
  EXPECT_NE(result.error().message.find("--index-url"), std::string::npos);
  std::ofstream(scratch.path() / "requirements.txt") << "numpy>=1.26\ntorch==2.3.1 ; python_version >= '3.8'\n";
  EXPECT_TRUE(parse_project(env_with("requirements = \"requirements.txt\""), scratch.path() / "dlenv.toml"));
}

TEST(HostileInput, AProjectFolderWithANewlineIsRefused) {
  auto result = parse_project(env_with(""), "/tmp/p/nl\n  ProxyCommand sh -c x\n#/dlenv.toml");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::config);
  EXPECT_NE(result.error().message.find("contains a control character"), std::string::npos);
  EXPECT_EQ(result.error().describe().find('\n'), std::string::npos) << result.error().describe();
}

TEST(HostileInput, MemoryCpusAndPidsLimit) {
  auto project = parse_virtual(env_with("memory = \"16g\"\ncpus = 2.5\npids_limit = 8192"));
  ASSERT_TRUE(project) << project.error().describe();
  EXPECT_EQ(project->envs[0].memory, int64_t{16} * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*project->envs[0].cpus, 2.5);
  EXPECT_EQ(project->envs[0].pids_limit, 8192);
  auto defaults = parse_virtual(env_with(""));
  ASSERT_TRUE(defaults);
  EXPECT_FALSE(defaults->envs[0].memory);
  EXPECT_FALSE(defaults->envs[0].cpus);
  EXPECT_EQ(defaults->envs[0].pids_limit, kDefaultPidsLimit);
  expect_refused(parse_virtual(env_with("cpus = 0")), "must be between");
  expect_refused(parse_virtual(env_with("pids_limit = 5")), "must be between");
  expect_refused(parse_virtual(env_with("memory = \"1m\"")), "at least 64m");
}

TEST(PipRequirements, Pep508FormsPassAndEverythingElseFails) {
  for (const char* ok : {"numpy", "numpy>=1.26,<2", "torch==2.3.1+cu121", "torch (==2.3.1)", "transformers[torch]>=4.40",
                         "pkg @ https://example.org/pkg-1.0.tar.gz", "numpy; python_version < '3.12'", "a.b-c_d===1.0",
                         "Jinja2~=3.1"})
    EXPECT_TRUE(is_valid_pip_requirement(ok)) << ok;
  for (const char* bad : {"", "-r requirements.txt", "--index-url=x", "numpy\nRUN x", "numpy --pre", "pkg @ no-scheme",
                          "numpy>=", "[extra]", "-e .", "numpy==1.0 junk", "numpy;"})
    EXPECT_FALSE(is_valid_pip_requirement(bad)) << bad;
}

}  // namespace
}  // namespace dlenv::spec

namespace dlenv::spec {
namespace {

using testing::parse_virtual;

std::string requirements_error(const std::string& text) {
  dlenv::testing::ScratchDir scratch;
  std::ofstream(scratch.path() / "requirements.txt") << text;
  auto result = parse_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nrequirements = \"requirements.txt\"\n",
                              scratch.path() / "dlenv.toml");
  return result ? "" : result.error().message;
}

TEST(HostileInput, RequirementsFilesTakeRequirementsAndHashesOnly) {
  // pip joins a line ending in '\' with the next and strips the backslashes: an option again.
  EXPECT_NE(requirements_error("\\--extra-index-url=https://evil.example/simple \\\n\nrequests\n"), "");
  EXPECT_NE(requirements_error("foo --config-settings=x=y\n"), "");
  EXPECT_NE(requirements_error("https://evil.example/pkg.tar.gz\n"), "");
  EXPECT_NE(requirements_error("./local/path\n"), "");
  EXPECT_EQ(requirements_error("numpy==1.26.4 --hash=sha256:abc --hash=sha256:def\n# comment\nrequests  # inline\n"), "");
}

TEST(HostileInput, VariablesDlenvSetsAreNotTheProjectFiles) {
  for (const char* name : {"DLENV_WORKDIR", "HOME", "USER", "LD_PRELOAD"}) {
    auto r = parse_virtual(std::string("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.env]\n") + name + " = \"x\"\n");
    ASSERT_FALSE(r) << name;
    EXPECT_NE(r.error().message.find("is set by dlenv"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.env]\nPYTHONPATH = \"/workspace/src\"\n"));
}

TEST(HostileInput, TargetsHoldingDlenvsPathsAndSuchAWorkdirAreRefused) {
  for (const char* target : {"/run/dlenv", "/dlenv", "/run"}) {
    auto r = parse_virtual(std::string("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.mounts]\n\"d\" = \"") + target + "\"\n");
    EXPECT_FALSE(r) << target;
  }
  for (const char* workdir : {"/run/dlenv/secrets", "/dlenv", "/dlenv/cache/pip"}) {
    auto r = parse_virtual(std::string("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nworkdir = \"") + workdir + "\"\n");
    EXPECT_FALSE(r) << workdir;
  }
}

}  // namespace
}  // namespace dlenv::spec
