// Real profiles end to end without an engine: a host (driver, GPU) and a framework request go
// through the resolver, the planner and the renderer; the Dockerfiles of every layer are
// pinned by golden files (DLENV_TEST_ACCEPT=1 rewrites them).
#include <gtest/gtest.h>

#include "compat/knowledge_base.hpp"
#include "compat/resolver.hpp"
#include "fixtures.hpp"
#include "golden.hpp"
#include "plan/env_plan.hpp"
#include "render/build_context.hpp"

using namespace dlenv;

namespace {

host::GpuFacts host_with(const char* driver, const char* cuda_level, const char* gpu, const char* cc) {
  host::GpuFacts f;
  f.origin = "test";
  f.driver = host::GpuDriver{*Version::parse(driver), *Version::parse(cuda_level), "test", "test", ""};
  host::Gpu g;
  g.name = gpu;
  g.uuid = "GPU-00000000-0000-0000-0000-000000000000";
  g.compute_capability = *Version::parse(cc);
  f.gpus.push_back(g);
  return f;
}

host::GpuFacts cpu_host() {
  host::GpuFacts f;
  f.origin = "test";
  return f;
}

struct Profile {
  const char* golden;
  const char* framework;
  const char* cuda;  // "auto", "none", "X.Y"
  host::GpuFacts facts;
  const char* expect_cuda;  // "" for CPU
  const char* expect_base_prefix;
};

std::string render_profile(const Profile& p, compat::Resolution& resolution) {
  auto request = compat::parse_framework_request(p.framework);
  EXPECT_TRUE(request) << p.framework;
  if (std::string(p.cuda) == "none") request->cuda_mode = compat::Request::Cuda::none;
  else if (std::string(p.cuda) != "auto") {
    request->cuda_mode = compat::Request::Cuda::pinned;
    request->cuda = Version::parse(p.cuda);
  }
  resolution = compat::resolve(compat::KnowledgeBase::builtin(), *request, p.facts);
  EXPECT_TRUE(resolution.ok) << p.golden << ": " << resolution.failed_constraint;
  if (!resolution.ok) return {};
  auto project = dlenv::testing::sample_project("/srv/projects/profile");
  auto& env = project.envs[0];
  env.base.clear();
  env.apt.clear();
  env.framework = p.framework;
  plan::PlanInputs in;
  in.base_image = resolution.base_image;
  in.base_image_id = "sha256:0000";
  in.resolution = &resolution;
  in.gpus = p.facts.gpus;
  auto made = plan::make_env_plan(project, env, dlenv::testing::sample_host(), in);
  EXPECT_TRUE(made) << (made ? "" : made.error().describe());
  std::string all;
  for (const auto& layer : made->build.layers) {
    all += "### " + std::string(plan::to_string(layer.kind)) + " layer\n";
    all += render::render_layer(layer).value().dockerfile();
  }
  return all;
}

class Profiles : public ::testing::TestWithParam<Profile> {};

TEST_P(Profiles, DockerfilesMatchTheGoldenFiles) {
  const auto& p = GetParam();
  compat::Resolution resolution;
  auto text = render_profile(p, resolution);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(resolution.cuda ? resolution.cuda->truncated(2).str() : "", p.expect_cuda) << p.golden;
  EXPECT_TRUE(resolution.base_image.starts_with(p.expect_base_prefix)) << p.golden << ": " << resolution.base_image;
  dlenv::testing::expect_golden(std::string("profiles/") + p.golden + ".Dockerfile", text);
}

INSTANTIATE_TEST_SUITE_P(
    RealProfiles, Profiles,
    ::testing::Values(
        Profile{"torch-2.3.1-cuda-12.1", "torch==2.3.1", "12.1", host_with("550.54.15", "12.4", "NVIDIA A100-SXM4-40GB", "8.0"), "12.1", ""},
        Profile{"torch-2.8-cuda-12.6-v100", "torch==2.8.*", "auto", host_with("570.133.20", "12.8", "Tesla V100-SXM2-16GB", "7.0"), "12.6", ""},
        Profile{"tensorflow-2.15-and-cuda", "tensorflow==2.15.0", "auto", host_with("550.54.15", "12.4", "NVIDIA L4", "8.9"), "12.2", ""},
        Profile{"tensorflow-1.15-turing", "tensorflow==1.15.*", "auto", host_with("470.82.01", "11.4", "Tesla T4", "7.5"), "10.0", ""},
        Profile{"tensorflow-1.15-hopper-ngc", "tensorflow==1.15.*", "auto", host_with("550.54.15", "12.4", "NVIDIA H100 80GB HBM3", "9.0"), "12.1", "nvcr.io/nvidia/tensorflow:"},
        Profile{"jax-cuda12", "jax", "auto", host_with("550.54.15", "12.4", "NVIDIA A100-SXM4-40GB", "8.0"), "12", ""},
        Profile{"torch-cpu", "torch==2.3.1", "none", cpu_host(), "", ""}),
    [](const ::testing::TestParamInfo<Profile>& info) {
      std::string name = info.param.golden;
      for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

}  // namespace
