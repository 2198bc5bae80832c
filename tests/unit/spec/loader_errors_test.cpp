// Every validation error of dlenv.toml, by the exact text the user sees: location, message, hint.
#include <gtest/gtest.h>

#include "spec/loader.hpp"
#include "spec_test_support.hpp"

namespace dlenv::spec {
namespace {

using testing::parse_virtual;

const std::string kAt = testing::kVirtualFile + ":";

void expect_config_error(const Result<ProjectSpec>& result, const std::string& described, const std::string& hint) {
  ASSERT_FALSE(result.has_value()) << "parsed without an error";
  EXPECT_EQ(result.error().code, ErrorCode::config);
  EXPECT_EQ(result.error().describe(), described);
  EXPECT_EQ(result.error().hint, hint);
}

TEST(SpecErrors, UnknownEnvKeySuggestsTheClosestKey) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
requirments = "requirements.txt"
)");
  expect_config_error(result, kAt + "3:1: unknown key 'envs.demo.requirments'", "did you mean 'requirements'?");
}

TEST(SpecErrors, UnknownEnvKeyWithoutCloseMatchListsAllowedKeys) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
cuda_version = "12.4"
)");
  expect_config_error(result, kAt + "3:1: unknown key 'envs.demo.cuda_version'",
                      "allowed keys here: base, framework, python, cuda, gpus, apt, pip, requirements, shm_size, workdir, jupyter, mounts, env, ssh, memory, cpus, pids_limit, restart");
}

TEST(SpecErrors, KeysAreCaseSensitiveButSuggested) {
  auto result = parse_virtual(R"([envs.demo]
Base = "dlenv/debian:bookworm"
)");
  expect_config_error(result, kAt + "2:1: unknown key 'envs.demo.Base'", "did you mean 'base'?");
}

TEST(SpecErrors, UnknownTopLevelKeys) {
  expect_config_error(parse_virtual("[evns.demo]\nbase = \"dlenv/debian:bookworm\"\n"),
                      kAt + "1:2: unknown key 'evns'", "did you mean 'envs'?");
  // Equally close to both: a table with a base is one environment, so [env] is meant.
  expect_config_error(parse_virtual("[evns]\nbase = \"dlenv/debian:bookworm\"\n"),
                      kAt + "1:2: unknown key 'evns'", "did you mean 'env'?");
  expect_config_error(parse_virtual("[project]\nname = \"demo\"\n"), kAt + "1:2: unknown key 'project'",
                      "allowed keys here: env, envs, settings");
}

TEST(SpecErrors, UnquotedDotInEnvNameExplainsQuoting) {
  auto result = parse_virtual(R"([envs.py3.11]
base = "dlenv/debian:bookworm"
)");
  expect_config_error(result, kAt + "1:11: unknown key 'envs.py3.11'",
                      "to use a '.' in an environment name, quote it: [envs.\"py3.11\"]");
}

TEST(SpecErrors, WrongTypeSaysWhatWasFound) {
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
apt = "git"
)"),
                      kAt + "3:7: 'envs.demo.apt' must be an array of strings, not a string",
                      "for example: apt = [\"git\", \"python3-numpy\"]");
  expect_config_error(parse_virtual("[envs.demo]\nbase = 3\n"),
                      kAt + "2:8: 'envs.demo.base' must be a string, not an integer",
                      "for example: base = \"dlenv/debian:bookworm\"");
  const std::string jupyter_hint = "use jupyter = true (the best UI the base can have), \"lab\", \"notebook\", \"server\" or false";
  expect_config_error(parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\njupyter = \"yes\"\n"),
                      kAt + "3:11: 'envs.demo.jupyter' cannot be \"yes\"", jupyter_hint);
  expect_config_error(parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\njupyter = 1\n"),
                      kAt + "3:11: 'envs.demo.jupyter' must be a boolean or a string, not an integer", jupyter_hint);
}

TEST(SpecErrors, ArrayItemOfWrongTypeIsPointedAt) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
pip = ["numpy", 2]
)");
  expect_config_error(result, kAt + "3:17: 'envs.demo.pip' must be an array of strings, but item 2 is an integer",
                      "for example: pip = [\"torch==2.3.1\", \"transformers\"]");
}

TEST(SpecErrors, TomlSyntaxErrorUsesTheParserPosition) {
  auto result = parse_virtual("[envs.demo]\nbase = \n");
  expect_config_error(result,
                      kAt + "2:8: invalid TOML: error while parsing key-value pair: expected value, saw '\\n'",
                      "fix the TOML syntax at this line and column");
}

TEST(SpecErrors, RedefinedTableIsASyntaxError) {
  auto result = parse_virtual("[envs.demo]\nbase = \"a/b\"\n[envs.demo]\nbase = \"c/d\"\n");
  expect_config_error(result,
                      kAt + "3:1: invalid TOML: error while parsing table header: cannot redefine existing table "
                            "'envs.demo'",
                      "fix the TOML syntax at this line and column");
}

TEST(SpecErrors, MissingRequirementsFileNamesThePathLookedFor) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
requirements = "reqs/missing.txt"
)");
  expect_config_error(result,
                      kAt + "3:16: requirements file 'reqs/missing.txt' (envs.demo.requirements) does not exist",
                      "looked for /virtual/demo/reqs/missing.txt; relative paths start at the project folder");
}

TEST(SpecErrors, RequirementsMustBeAFile) {
  testing::ScratchDir scratch;
  scratch.make_dir("reqs");
  const auto file = scratch.path() / "dlenv.toml";
  auto result = parse_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nrequirements = \"reqs\"\n", file);
  expect_config_error(result, file.string() + ":3:16: requirements file 'reqs' (envs.demo.requirements) is not a "
                                              "regular file",
                      (scratch.path() / "reqs").string() + " must be a regular file");
}

TEST(SpecErrors, InvalidImageReference) {
  auto result = parse_virtual("[envs.demo]\nbase = \"Ubuntu:22.04\"\n");
  expect_config_error(result, kAt + "2:8: invalid image reference 'Ubuntu:22.04' in 'envs.demo.base'",
                      "use [registry/]name[:tag][@sha256:digest] with a lowercase name, for example "
                      "\"dlenv/debian:bookworm\"");
}

TEST(SpecErrors, MissingBaseAndFramework) {
  auto result = parse_virtual("[envs.demo]\napt = [\"git\"]\n");
  expect_config_error(result, kAt + "1:7: 'envs.demo' needs 'base' or 'framework'",
                      "add base = \"dlenv/debian:bookworm\" (the image to build on) or framework = \"torch\" (dlenv chooses the "
      "image for this driver and GPU)");
}

TEST(SpecErrors, WorkdirMustBeAbsoluteAndNotRoot) {
  expect_config_error(parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nworkdir = \"src\"\n"),
                      kAt + "3:11: 'envs.demo.workdir' must be an absolute container path, not 'src'",
                      "for example: workdir = \"/workspace\"");
  expect_config_error(parse_virtual("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nworkdir = \"/./\"\n"),
                      kAt + "3:11: 'envs.demo.workdir' cannot be '/', the container's root",
                      "for example: workdir = \"/workspace\"");
}

const std::string kMountHint =
    "for example: \"data\" = \"/data\" or \"data\" = { target = \"/data\", read_only = true }";

TEST(SpecErrors, MountTargetMustBeAbsolute) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"data" = "data"
)");
  expect_config_error(result, kAt + "4:10: 'envs.demo.mounts.data' must be an absolute container path, not 'data'",
                      kMountHint);
}

TEST(SpecErrors, MountKeysThatNeedQuotesAreQuotedInThePath) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"my data" = { target = "rel" }
)");
  expect_config_error(
      result, kAt + "4:24: 'envs.demo.mounts.\"my data\".target' must be an absolute container path, not 'rel'",
      kMountHint);
}

TEST(SpecErrors, MountTargetsMustBeDistinct) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"a" = "/data"
"b" = { target = "/data/" }
)");
  expect_config_error(result,
                      kAt + "5:18: mount target '/data' (envs.demo.mounts.b) is already used by envs.demo.mounts.a",
                      "give each mount its own container path");
}

TEST(SpecErrors, MountTargetMustNotHideTheWorkdir) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"src" = "/workspace"
)");
  expect_config_error(
      result,
      kAt + "4:9: mount target '/workspace' (envs.demo.mounts.src) is the workdir, where the project folder is mounted",
      "choose another container path, or set envs.demo.workdir");
}

TEST(SpecErrors, MountTableOptionsAreChecked) {
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"data" = { target = "/data", readonly = true }
)"),
                      kAt + "4:30: unknown key 'envs.demo.mounts.data.readonly'", "did you mean 'read_only'?");
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"data" = { read_only = true }
)"),
                      kAt + "4:10: 'envs.demo.mounts.data' is missing the required key 'target'",
                      "for example: \"data\" = { target = \"/data\", read_only = true }");
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"data" = 5
)"),
                      kAt + "4:10: 'envs.demo.mounts.data' must be a container path or a table, not an integer",
                      kMountHint);
}

TEST(SpecErrors, OnlyTheCurrentUsersHomeIsExpanded) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"~alice/data" = "/data"
)");
  expect_config_error(result, kAt + "4:1: cannot expand '~alice/data' in 'envs.demo.mounts.\"~alice/data\"'",
                      "only '~/' (your home folder) is expanded; write the absolute path instead");
}

TEST(SpecErrors, HomeMustBeSetToExpandTilde) {
  testing::ScopedEnvVar no_home("HOME", std::nullopt);
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.mounts]
"~/data" = "/data"
)");
  expect_config_error(result, kAt + "4:1: cannot expand '~' in 'envs.demo.mounts.\"~/data\"': HOME is not set",
                      "set HOME, or write the absolute path");
}

TEST(SpecErrors, NulCharactersAreRejected) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.env]
X = "a\u0000b"
)");
  expect_config_error(result, kAt + "4:5: 'envs.demo.env.X' contains a control character: \"a\\x00b\"",
                      "remove newlines, tabs and other control characters (\\n, \\t, \\u0000, ...) from the value");
}

const std::string kSizeHint = "use a size such as \"2g\" or \"512m\", or a number of bytes";

TEST(SpecErrors, ShmSizeMustBeAPositiveSize) {
  const std::string head = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n";
  expect_config_error(parse_virtual(head + "shm_size = \"2 gigs\"\n"),
                      kAt + "3:12: invalid size '2 gigs' in 'envs.demo.shm_size'", kSizeHint);
  expect_config_error(parse_virtual(head + "shm_size = 0\n"),
                      kAt + "3:12: 'envs.demo.shm_size' must be greater than zero, not 0", kSizeHint);
  expect_config_error(parse_virtual(head + "shm_size = \"0m\"\n"),
                      kAt + "3:12: 'envs.demo.shm_size' must be greater than zero, not '0m'", kSizeHint);
  expect_config_error(parse_virtual(head + "shm_size = 1.5\n"),
                      kAt + "3:12: 'envs.demo.shm_size' must be a size string or an integer, not a float", kSizeHint);
}

TEST(SpecErrors, EnvironmentVariables) {
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.env]
"MY-VAR" = "1"
)"),
                      kAt + "4:1: invalid environment variable name 'MY-VAR' in 'envs.demo.env'",
                      "names use letters, digits and '_' and do not start with a digit, e.g. MY_VAR");
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[envs.demo.env]
RATE = 0.5
)"),
                      kAt + "4:8: 'envs.demo.env.RATE' must be a string, integer or boolean, not a float",
                      "quote the value, e.g. RATE = \"1\"");
}

TEST(SpecErrors, AptAndPipEntriesAreChecked) {
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
apt = ["git", "Python3"]
)"),
                      kAt + "3:15: invalid apt package 'Python3' in 'envs.demo.apt'",
                      "Debian package names use lowercase letters, digits, '+', '.' and '-', optionally followed "
                      "by =VERSION (e.g. \"curl\" or \"curl=7.88.1-10\")");
  expect_config_error(parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
pip = ["  "]
)"),
                      kAt + "3:8: empty pip requirement in 'envs.demo.pip'",
                      "remove it, or write a requirement such as \"numpy>=1.26\"");
}

const std::string kNoEnvsHint = "add one, for example [envs.demo] with base = \"dlenv/debian:bookworm\"";

TEST(SpecErrors, ProjectWithoutEnvironments) {
  expect_config_error(parse_virtual(""), kAt + "1:1: no environments defined", kNoEnvsHint);
  expect_config_error(parse_virtual("# nothing yet\n"), kAt + "1:1: no environments defined", kNoEnvsHint);
  expect_config_error(parse_virtual("\n[envs]\n"), kAt + "2:2: no environments defined", kNoEnvsHint);
}

TEST(SpecErrors, EnvAndEnvsCannotBeMixed) {
  auto result = parse_virtual(R"([env]
base = "dlenv/debian:bookworm"
[envs.other]
base = "dlenv/debian:bookworm"
)");
  expect_config_error(result, kAt + "3:2: 'env' and 'envs' cannot be used together",
                      "[env] is one environment named 'demo'; move it to [envs.demo]");
}

TEST(SpecErrors, EnvNamedLikeAnEnvsEntryIsADuplicate) {
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
[env]
base = "dlenv/debian:bookworm"
)");
  expect_config_error(result,
                      kAt + "3:2: duplicate environment 'demo': 'env' (named after the project folder) and "
                            "'envs.demo'",
                      "rename [envs.demo], or move [env] to [envs.<name>]");
}

TEST(SpecErrors, InvalidEnvironmentName) {
  auto result = parse_virtual("[envs.My_Env]\nbase = \"dlenv/debian:bookworm\"\n");
  expect_config_error(result, kAt + "1:7: invalid environment name 'My_Env' in 'envs'",
                      "names are 1-63 lowercase letters, digits, '_', '.' or '-', starting with a letter or "
                      "digit; for example 'my_env'");
}

TEST(SpecErrors, EnvironmentsMustBeTables) {
  expect_config_error(parse_virtual("env = \"dlenv/debian:bookworm\"\n"),
                      kAt + "1:7: 'env' must be a table, not a string",
                      "define it as a table: [env] with base = \"dlenv/debian:bookworm\" on the next line");
  expect_config_error(parse_virtual("envs = { demo = \"dlenv/debian:bookworm\" }\n"),
                      kAt + "1:17: 'envs.demo' must be a table, not a string",
                      "define it as a table: [envs.demo] with base = \"dlenv/debian:bookworm\" on the next line");
  expect_config_error(parse_virtual("envs = [\"demo\"]\n"), kAt + "1:8: 'envs' must be a table, not an array",
                      "define environments as tables: [envs.demo] with base = \"dlenv/debian:bookworm\"");
}

TEST(SpecErrors, FirstErrorInFileOrderIsReported) {
  // toml++ sorts keys; "zeta" comes first in the file and must be the one reported.
  auto result = parse_virtual(R"([envs.demo]
base = "dlenv/debian:bookworm"
zeta = 1
alpha = 2
)");
  expect_config_error(result, kAt + "3:1: unknown key 'envs.demo.zeta'",
                      "allowed keys here: base, framework, python, cuda, gpus, apt, pip, requirements, shm_size, workdir, jupyter, mounts, env, ssh, memory, cpus, pids_limit, restart");
}

}  // namespace
}  // namespace dlenv::spec
