// The use cases over FakeBackend (backends/fake, kept honest by the backend contract suite):
// what `up`, `plan`, `down`, `rm`, `exec` and `config` ask of a back-end and what they make of
// its answers, with no container engine involved.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "backends/fake/fake_backend.hpp"
#include "fixtures.hpp"
#include "host/gpu_facts_json.hpp"
#include "ops/access/access.hpp"
#include "ops/config.hpp"
#include "ops/environments/lifecycle.hpp"
#include "ops/environments/plan_env.hpp"
#include "ops/environments/up.hpp"
#include "ops/project_lookup.hpp"
#include "scratch_dir.hpp"

namespace dlenv {
namespace {

namespace fs = std::filesystem;

class UseCaseTest : public ::testing::Test {
 protected:
  UseCaseTest() : backend(make_host()) {
    backend.images["dlenv/debian:bookworm"] = "sha256:base";
    settings.offer("apt_mirror", {"http://mirror/debian", spec::SettingOrigin::user_file, "config.toml:1"});
    ctx = std::make_unique<ops::Context>(backend, host, settings, progress);
    write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.ssh]\nenabled = false\n");
  }
  host::HostFacts make_host() {
    fs::create_directories(scratch.path() / "project");
    host.user = {::getuid(), ::getgid(), "tester", scratch.path() / "home", false};
    host.paths.data_dir = scratch.path() / "state";
    host.paths.cache_dir = scratch.path() / "cache";
    host.ports = {43000, 43009};
    return host;
  }
  void write_project(const std::string& toml) { std::ofstream(scratch.path() / "project" / "dlenv.toml") << toml; }
  fs::path project() const { return scratch.path() / "project"; }
  Result<std::vector<ops::EnvView>> up() { return ops::up(*ctx, {project(), {}}); }

  dlenv::testing::ScratchDir scratch;
  host::HostFacts host;
  spec::Settings settings;
  backend::SilentProgress progress;
  fake::FakeBackend backend;
  std::unique_ptr<ops::Context> ctx;
};

TEST_F(UseCaseTest, UpDeploysThePreparedPlanAndKeepsItsPorts) {
  auto first = up();
  ASSERT_TRUE(first) << first.error().describe();
  ASSERT_EQ(backend.deployed.size(), 1u);
  const auto& prepared = backend.deployed.front();
  EXPECT_EQ(prepared.env.name, "demo");
  EXPECT_EQ(prepared.base_image_id, "sha256:base");
  EXPECT_EQ(prepared.resolution.base_image, "dlenv/debian:bookworm");
  EXPECT_EQ(prepared.plan.run.container_name, first->front().container);
  ASSERT_EQ(first->front().ports.count("jupyter"), 1u);
  EXPECT_EQ(first->front().ports.at("jupyter"), 43000);
  auto second = up();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->front().ports, first->front().ports);
  EXPECT_EQ(second->front().container_id, first->front().container_id);
}

TEST_F(UseCaseTest, UpOnAnUnreachableBackEndFailsBeforeDeciding) {
  backend.reachable = false;
  auto r = up();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::engine_unavailable);
  EXPECT_TRUE(backend.deployed.empty());
}

TEST_F(UseCaseTest, AMissingDlenvBaseIsNotFetchedAndTheHintSaysHowToMakeIt) {
  backend.images.clear();
  auto r = up();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().hint.find("dlenv base bootstrap debian:bookworm"), std::string::npos) << r.error().hint;
}

TEST_F(UseCaseTest, AGpuCountKeepsTheGpusItHoldsAndOthersGetTheFreeOnes) {
  backend.facts = host::gpu_facts_from_json(dlenv::testing::kTwoA100Facts, "facts").value();
  write_project(
      "[envs.a]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n[envs.a.ssh]\nenabled = false\n"
      "[envs.b]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n[envs.b.ssh]\nenabled = false\n");
  ASSERT_TRUE(ops::up(*ctx, {project(), {"a"}}));
  ASSERT_TRUE(ops::up(*ctx, {project(), {"b"}}));
  ASSERT_TRUE(ops::up(*ctx, {project(), {"a"}}));
  ASSERT_EQ(backend.deployed.size(), 3u);
  const auto a = backend.deployed[0].plan.run.gpu_uuids, b = backend.deployed[1].plan.run.gpu_uuids;
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a, b) << "the second environment gets the free GPU";
  EXPECT_EQ(backend.deployed[2].plan.run.gpu_uuids, a) << "an environment keeps the GPU it holds";
}

TEST_F(UseCaseTest, AGpuHeldByAnEnvironmentThatWasDownIsNotTakenBackFromARunningOne) {
  backend.facts = host::gpu_facts_from_json(dlenv::testing::kTwoA100Facts, "facts").value();
  backend.facts.gpus.pop_back();  // one GPU
  write_project(
      "[envs.a]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n[envs.a.ssh]\nenabled = false\n"
      "[envs.b]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n[envs.b.ssh]\nenabled = false\n");
  ASSERT_TRUE(ops::up(*ctx, {project(), {"a"}}));
  ASSERT_TRUE(ops::down(*ctx, project(), "a"));
  ASSERT_TRUE(ops::up(*ctx, {project(), {"b"}})) << "a stopped environment's GPU is free";
  auto again = ops::up(*ctx, {project(), {"a"}});
  ASSERT_FALSE(again) << "b runs on the only GPU";
  EXPECT_NE(again.error().message.find("free"), std::string::npos) << again.error().message;
}

TEST_F(UseCaseTest, ABackEndWhoseSchedulerHandsOutGpusGetsTheRequestNotAChoice) {
  backend.scheduler = true;  // no GPU here; the cluster has them
  write_project("[envs.train]\nbase = \"dlenv/debian:bookworm\"\ngpus = 4\n[envs.train.ssh]\nenabled = false\n");
  auto r = up();
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(backend.deployed.size(), 1u);
  EXPECT_TRUE(backend.deployed.front().gpus.empty());
  EXPECT_EQ(backend.deployed.front().env.gpus.count, 4);
  backend.scheduler = false;
  auto here = up();
  ASSERT_FALSE(here) << "chosen here, 4 GPUs on a machine without any cannot be had";
}

TEST_F(UseCaseTest, PlanWithoutABackEndSaysSoAndStillDecides) {
  backend.reachable = false;
  ops::PlanOptions options;
  options.project = project();
  auto views = ops::plan_envs(*ctx, options);
  ASSERT_TRUE(views) << views.error().describe();
  ASSERT_EQ(views->size(), 1u);
  const auto& v = views->front();
  EXPECT_TRUE(v.resolution.ok);
  ASSERT_FALSE(v.layers.empty());
  EXPECT_FALSE(v.layers.front().exists.has_value()) << "unknown, not absent";
  EXPECT_NE(std::find(v.notes.begin(), v.notes.end(), "no container engine answered: whether layers exist is unknown"), v.notes.end());
}

TEST_F(UseCaseTest, ExecNeedsARunningEnvironmentAndPassesTheExitCode) {
  ASSERT_TRUE(up());
  backend.exec_exit_code = 3;
  auto code = ops::exec(*ctx, project(), "demo", {"false"}, false);
  ASSERT_TRUE(code) << code.error().describe();
  EXPECT_EQ(*code, 3);
  ASSERT_EQ(backend.executed.size(), 1u);
  EXPECT_EQ(backend.executed.front(), std::vector<std::string>{"false"});
  auto down = ops::down(*ctx, project(), "demo");
  ASSERT_TRUE(down) << down.error().describe();
  EXPECT_EQ(down->state, ops::EnvState::stopped);
  auto url = ops::describe_running(*ctx, project(), "demo");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().code, ErrorCode::conflict) << "url, ssh and code need it running";
  auto again = ops::exec(*ctx, project(), "demo", {"true"}, false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_NE(again.error().hint.find("dlenv up demo"), std::string::npos);
}

TEST_F(UseCaseTest, RmByContainerNameWorksWithoutTheProjectAndPurgeRemovesTheSecrets) {
  auto views = up();
  ASSERT_TRUE(views);
  const auto container = views->front().container;
  fs::create_directories(host.paths.secrets_dir() / container);
  fs::remove(project() / "dlenv.toml");
  fs::current_path(scratch.path());
  auto removed = ops::rm(*ctx, {}, container, {.purge = true});
  ASSERT_TRUE(removed) << removed.error().describe();
  EXPECT_EQ(removed->state, ops::EnvState::removed);
  EXPECT_TRUE(backend.envs.empty());
  EXPECT_FALSE(fs::exists(host.paths.secrets_dir() / container));
  auto down = ops::down(*ctx, {}, container);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::not_found);
}

TEST_F(UseCaseTest, LogsShowTheHostsUrlsNotTheContainersOwn) {
  auto views = up();
  ASSERT_TRUE(views);
  const int port = views->front().ports.at("jupyter");
  backend.log_text = "Jupyter Server is running at:\nhttp://demo:8888/dlenv/demo/lab?token=...\n    http://127.0.0.1:8888/dlenv/demo/\n";
  std::string out;
  auto status = ops::logs(*ctx, project(), "demo", false, [&](backend::Stream, std::string_view text) { out += text; });
  ASSERT_TRUE(status) << status.error().describe();
  const std::string host = fmt::format("http://127.0.0.1:{}/dlenv/demo/", port);
  EXPECT_NE(out.find(host + "lab?token=..."), std::string::npos) << out;
  EXPECT_NE(out.find("    " + host + "\n"), std::string::npos) << out;
  EXPECT_EQ(out.find(":8888/"), std::string::npos) << out;
}

TEST_F(UseCaseTest, ConfigShowsEachSettingWithItsOrigin) {
  auto views = ops::settings_view(*ctx);
  auto find = [&](const std::string& key) {
    return *std::find_if(views.begin(), views.end(), [&](const ops::SettingView& v) { return v.key == key; });
  };
  EXPECT_EQ(find("apt_mirror").value, "http://mirror/debian");
  EXPECT_EQ(find("apt_mirror").origin, "user file");
  EXPECT_EQ(find("apt_mirror").where, "config.toml:1");
  EXPECT_EQ(find("home").value, host.paths.data_dir.string());
  EXPECT_EQ(find("home").origin, "default");
  EXPECT_EQ(find("port_range").value, "43000-43009");
  EXPECT_EQ(find("engine").value, "memory") << "the back-end's endpoint";
  EXPECT_EQ(find("home").variable, "DLENV_HOME");
}

}  // namespace
}  // namespace dlenv
