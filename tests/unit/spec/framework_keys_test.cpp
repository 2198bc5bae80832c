// The keys of the compatibility resolver: framework, python, cuda, gpus.
#include <gtest/gtest.h>

#include "spec_test_support.hpp"

using namespace dlenv;
using namespace dlenv::spec;
using dlenv::spec::testing::parse_virtual;

namespace {

EnvSpec only_env(const std::string& text) {
  auto r = parse_virtual(text);
  EXPECT_TRUE(r) << (r ? "" : r.error().describe());
  return r ? r->envs.at(0) : EnvSpec{};
}

Error error_of(const std::string& text) {
  auto r = parse_virtual(text);
  EXPECT_FALSE(r);
  return r ? Error{} : r.error();
}

}  // namespace

TEST(FrameworkKeys, AFrameworkAloneIsEnoughAndDefaultsAreAutomatic) {
  auto env = only_env("[envs.t]\nframework = \"torch==2.3.1\"\n");
  EXPECT_TRUE(env.base.empty());
  EXPECT_EQ(env.framework, "torch==2.3.1");
  ASSERT_TRUE(env.framework_where);
  EXPECT_EQ(env.framework_where->line, 2);
  EXPECT_EQ(env.framework_where->column, 13);
  EXPECT_EQ(env.cuda, "auto");
  EXPECT_FALSE(env.python);
  EXPECT_EQ(env.gpus.kind, GpuRequest::Kind::unspecified);
}

TEST(FrameworkKeys, AcceptsTheRequirementForms) {
  for (const char* text : {"torch", "torch>=2.7", "tensorflow==1.15.*", "tensorflow==2.15.0", "jax", "jax[cuda12]>=0.4.30",
                           "torch>=2.1,<2.4"})
    EXPECT_EQ(only_env(std::string("[envs.t]\nframework = \"") + text + "\"\n").framework, text);
}

TEST(FrameworkKeys, RejectsWhatIsNotARequirement) {
  auto e = error_of("[envs.t]\nframework = \"torch 2.3\"\n");
  EXPECT_EQ(e.describe(), "/virtual/demo/dlenv.toml:2:13: 'torch 2.3' in 'envs.t.framework' is not a framework requirement");
  EXPECT_NE(e.hint.find("torch==2.3.1"), std::string::npos);
}

TEST(FrameworkKeys, PythonAndCuda) {
  auto env = only_env("[envs.t]\nframework = \"torch\"\npython = \"3.11\"\ncuda = \"12.1\"\n");
  EXPECT_EQ(env.python, "3.11");
  EXPECT_EQ(env.cuda, "12.1");
  EXPECT_EQ(only_env("[envs.t]\nframework = \"torch\"\ncuda = \"none\"\n").cuda, "none");
  auto bad_python = error_of("[envs.t]\nframework = \"torch\"\npython = \"2.7\"\n");
  EXPECT_EQ(bad_python.describe(), "/virtual/demo/dlenv.toml:3:10: '2.7' in 'envs.t.python' is not a Python version");
  auto bad_cuda = error_of("[envs.t]\nframework = \"torch\"\ncuda = \"latest\"\n");
  EXPECT_EQ(bad_cuda.describe(), "/virtual/demo/dlenv.toml:3:8: 'latest' in 'envs.t.cuda' is not a CUDA choice");
  EXPECT_NE(bad_cuda.hint.find("\"auto\""), std::string::npos);
}

TEST(FrameworkKeys, GpusForms) {
  EXPECT_EQ(only_env("[envs.t]\nbase = \"x\"\ngpus = \"all\"\n").gpus.kind, GpuRequest::Kind::all);
  EXPECT_EQ(only_env("[envs.t]\nbase = \"x\"\ngpus = \"none\"\n").gpus.kind, GpuRequest::Kind::none);
  EXPECT_EQ(only_env("[envs.t]\nbase = \"x\"\ngpus = 0\n").gpus.kind, GpuRequest::Kind::none);
  auto two = only_env("[envs.t]\nbase = \"x\"\ngpus = 2\n").gpus;
  EXPECT_EQ(two.kind, GpuRequest::Kind::count);
  EXPECT_EQ(two.count, 2);
  auto listed = only_env("[envs.t]\nbase = \"x\"\ngpus = [1, \"GPU-5b1c2d3e-aaaa-bbbb-cccc-0123456789ab\"]\n").gpus;
  EXPECT_EQ(listed.kind, GpuRequest::Kind::devices);
  EXPECT_EQ(listed.devices, (std::vector<std::string>{"1", "GPU-5b1c2d3e-aaaa-bbbb-cccc-0123456789ab"}));
}

TEST(FrameworkKeys, GpusErrorsPointAtTheItem) {
  auto e = error_of("[envs.t]\nbase = \"x\"\ngpus = [0, \"first\"]\n");
  EXPECT_EQ(e.describe(), "/virtual/demo/dlenv.toml:3:12: 'envs.t.gpus' lists a GPU that is neither an index nor a UUID");
  auto word = error_of("[envs.t]\nbase = \"x\"\ngpus = \"some\"\n");
  EXPECT_EQ(word.describe(), "/virtual/demo/dlenv.toml:3:8: 'some' in 'envs.t.gpus' is not a GPU choice");
  auto too_many = error_of("[envs.t]\nbase = \"x\"\ngpus = 100\n");
  EXPECT_EQ(too_many.describe(), "/virtual/demo/dlenv.toml:3:8: 'envs.t.gpus' must be between 0 and 64, not 100");
}

TEST(FrameworkKeys, MisspeltKeysSuggestTheNewOnes) {
  auto e = error_of("[envs.t]\nframwork = \"torch\"\n");
  EXPECT_EQ(e.hint, "did you mean 'framework'?");
}

TEST(SshKeys, OnByDefaultOffWhenSaidAndKeysFromAFile) {
  EXPECT_TRUE(only_env("[envs.t]\nbase = \"x\"\n").ssh);
  EXPECT_FALSE(only_env("[envs.t]\nbase = \"x\"\n[envs.t.ssh]\nenabled = false\n").ssh);
  auto e = error_of("[envs.t]\nbase = \"x\"\n[envs.t.ssh]\nauthorized_keys = \"keys.pub\"\n");
  EXPECT_EQ(e.describe(), "/virtual/demo/dlenv.toml:4:19: authorized keys file 'keys.pub' (envs.t.ssh.authorized_keys) does not exist");
  auto typo = error_of("[envs.t]\nbase = \"x\"\n[envs.t.ssh]\nenable = false\n");
  EXPECT_EQ(typo.hint, "did you mean 'enabled'?");
}

TEST(GpuRequestText, TheCommandLineFormMatchesTheFile) {
  EXPECT_EQ(parse_gpu_request("all")->kind, GpuRequest::Kind::all);
  EXPECT_EQ(parse_gpu_request("none")->kind, GpuRequest::Kind::none);
  EXPECT_EQ(parse_gpu_request("0")->kind, GpuRequest::Kind::none);
  auto two = parse_gpu_request("2");
  EXPECT_EQ(two->kind, GpuRequest::Kind::count);
  EXPECT_EQ(two->count, 2);
  auto listed = parse_gpu_request("1,GPU-5b1c2d3e-aaaa");
  EXPECT_EQ(listed->kind, GpuRequest::Kind::devices);
  EXPECT_EQ(listed->devices, (std::vector<std::string>{"1", "GPU-5b1c2d3e-aaaa"}));
  auto bad = parse_gpu_request("1,first");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::usage);
  EXPECT_EQ(bad.error().message, "'first' in --gpus is neither a GPU index nor a UUID");
  EXPECT_FALSE(parse_gpu_request("99"));
}
