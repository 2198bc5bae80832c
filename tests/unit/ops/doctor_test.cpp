#include <gtest/gtest.h>

#include <algorithm>

#include "backends/docker/docker_backend.hpp"
#include "backends/docker/docker_checks.hpp"
#include "engine/fake_engine.hpp"
#include "test_settings.hpp"
#include "ops/diagnosis/doctor.hpp"
#include "scratch_dir.hpp"

using namespace dlenv;

TEST(Doctor, RuncVersionsAgainstCve2024_21626) {
  EXPECT_TRUE(docker::runc_vulnerable_to_cve_2024_21626("1.1.5+ds1"));
  EXPECT_TRUE(docker::runc_vulnerable_to_cve_2024_21626("1.1.11"));
  EXPECT_FALSE(docker::runc_vulnerable_to_cve_2024_21626("1.1.12"));
  EXPECT_FALSE(docker::runc_vulnerable_to_cve_2024_21626("v1.2.5"));
  EXPECT_FALSE(docker::runc_vulnerable_to_cve_2024_21626("unknown"));
}

TEST(Doctor, DockerBefore28ExposesLoopbackPorts) {
  EXPECT_TRUE(docker::docker_exposes_loopback_ports("20.10.24+dfsg1", false));
  EXPECT_TRUE(docker::docker_exposes_loopback_ports("27.5.1", false));
  EXPECT_FALSE(docker::docker_exposes_loopback_ports("28.0.0", false));
  EXPECT_FALSE(docker::docker_exposes_loopback_ports("4.3.1", true));
}

namespace {

const ops::Check* find(const std::vector<ops::Check>& checks, const std::string& name) {
  auto it = std::find_if(checks.begin(), checks.end(), [&](const ops::Check& c) { return c.name == name; });
  return it == checks.end() ? nullptr : &*it;
}

struct DoctorFixture : ::testing::Test {
  dlenv::testing::ScratchDir dir;
  engine::FakeEngine engine;
  ops::SilentProgress progress;
  host::HostFacts host;
  void SetUp() override {
    host.user = {::getuid(), ::getgid(), "tester", dir.path(), false};
    host.paths.data_dir = dir.path() / "state";
    ::setenv("DLENV_HOST_FACTS", dir.write("facts.json", R"({"driver_version": null, "cuda_driver_version": null, "gpus": []})").c_str(), 1);
  }
  void TearDown() override { ::unsetenv("DLENV_HOST_FACTS"); }
};

}  // namespace

TEST_F(DoctorFixture, AnUnreachableEngineFailsWithItsHintAndTheRestStillRuns) {
  engine.available = false;
  auto settings = dlenv::testing::settings_from_environment(host.user.home);
  docker::DockerBackend backend(engine, host, settings, progress);
  ops::Context ctx(backend, host, settings, progress);
  auto checks = ops::doctor(ctx, {});
  ASSERT_NE(find(checks, "engine"), nullptr);
  EXPECT_EQ(find(checks, "engine")->status, ops::Check::Status::fail);
  EXPECT_FALSE(find(checks, "engine")->remedy.empty());
  ASSERT_NE(find(checks, "nvidia-driver"), nullptr);
  EXPECT_EQ(find(checks, "nvidia-driver")->status, ops::Check::Status::skip);
  ASSERT_NE(find(checks, "state-dir"), nullptr);
}

TEST_F(DoctorFixture, AnOldUpstreamRuncFailsAndADistributionBuildWarns) {
  engine.engine_details.runc_version = "1.1.11";
  auto settings = dlenv::testing::settings_from_environment(host.user.home);
  docker::DockerBackend backend(engine, host, settings, progress);
  ops::Context ctx(backend, host, settings, progress);
  EXPECT_EQ(find(ops::doctor(ctx, {}), "runc")->status, ops::Check::Status::fail);
  engine.engine_details.runc_version = "1.1.5+ds1";
  EXPECT_EQ(find(ops::doctor(ctx, {}), "runc")->status, ops::Check::Status::warn);
  engine.engine_details.runc_version = "1.1.12";
  EXPECT_EQ(find(ops::doctor(ctx, {}), "runc")->status, ops::Check::Status::ok);
}

TEST_F(DoctorFixture, AStateDirectoryOthersCanReadFails) {
  std::filesystem::create_directories(host.paths.data_dir);
  std::filesystem::permissions(host.paths.data_dir, std::filesystem::perms(0755));
  auto settings = dlenv::testing::settings_from_environment(host.user.home);
  docker::DockerBackend backend(engine, host, settings, progress);
  ops::Context ctx(backend, host, settings, progress);
  auto check = find(ops::doctor(ctx, {}), "state-dir");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->status, ops::Check::Status::fail);
  EXPECT_NE(check->remedy.find("chmod 700"), std::string::npos);
}

TEST_F(DoctorFixture, GpusWithoutToolkitAreInjectedAndSaidSo) {
  ::setenv("DLENV_HOST_FACTS",
           dir.write("gpu.json", R"({"driver_version": "580.65.06", "cuda_driver_version": "13.0", "gpus": [
             {"index": 0, "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-1", "compute_capability": "9.0", "memory_mib": 81559}]})")
               .c_str(),
           1);
  auto settings = dlenv::testing::settings_from_environment(host.user.home);
  docker::DockerBackend backend(engine, host, settings, progress);
  ops::Context ctx(backend, host, settings, progress);
  auto checks = ops::doctor(ctx, {.run_gpu_container = false});
  ASSERT_NE(find(checks, "gpus"), nullptr);
  EXPECT_EQ(find(checks, "gpus")->detail, "1 GPU seen");
  ASSERT_NE(find(checks, "gpu-runtime"), nullptr);
  EXPECT_EQ(find(checks, "gpu-runtime")->status, ops::Check::Status::warn);
  EXPECT_NE(find(checks, "gpu-runtime")->remedy.find("dlenv gpu cdi"), std::string::npos);
  engine.engine_details.runtimes.push_back("nvidia");
  EXPECT_EQ(find(ops::doctor(ctx, {.run_gpu_container = false}), "gpu-runtime")->status, ops::Check::Status::ok);
}
