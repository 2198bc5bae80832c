// ops::up / ls / down / rm over FakeEngine: what reaches the engine, port leases, labels,
// idempotence, conflicts. The real engine runs the same flows in tests/integration.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "engine/fake_engine.hpp"
#include "ops/environments/lifecycle.hpp"
#include "ops/environments/ls.hpp"
#include "ops/environments/up.hpp"
#include "plan/env_plan.hpp"
#include "fixtures.hpp"
#include "fake_ops.hpp"
#include "scratch_dir.hpp"

using namespace dlenv;
namespace fs = std::filesystem;

namespace {

class OpsUpTest : public dlenv::testing::FakeOpsTest {};

const char* kOne = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n";

TEST_F(OpsUpTest, BuildsEveryLayerThenCreatesAndStartsTheContainer) {
  write_project(kOne);
  auto views = up();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(engine.builds.size(), 2u);  // system, user
  EXPECT_EQ(engine.count_calls("create_container"), 1u);
  EXPECT_EQ(engine.count_calls("start_container"), 1u);
  EXPECT_EQ(views[0].state, ops::EnvState::running);
  EXPECT_EQ(views[0].ports.at("jupyter"), 41000);
  ASSERT_EQ(probed_urls.size(), 1u);
  EXPECT_EQ(probed_urls[0], "http://127.0.0.1:41000/dlenv/demo/api/status");
  EXPECT_EQ(probed_ssh_ports, std::vector<int>{views[0].ports.at("ssh")}) << "up waits for sshd too";
}

TEST_F(OpsUpTest, ContainerSpecPublishesOnLoopbackAndCarriesNoToken) {
  write_project(kOne);
  auto v = up().at(0);
  auto spec = engine.spec_of(v.container);
  ASSERT_TRUE(spec);
  ASSERT_EQ(spec->ports.size(), 2u);
  for (const auto& p : spec->ports) EXPECT_EQ(p.host_ip, "127.0.0.1");
  EXPECT_EQ(spec->ports[0].host_port, 41000);
  EXPECT_EQ(spec->ports[0].container_port, "8888/tcp");
  EXPECT_EQ(spec->ports[1].host_port, 41001);
  EXPECT_EQ(spec->ports[1].container_port, "2222/tcp");
  EXPECT_EQ(spec->labels.at("dlenv.port.jupyter"), "41000");
  EXPECT_EQ(spec->labels.at("dlenv.port.ssh"), "41001");
  // The SSH host key and the keys allowed in are files in the env's secrets, never in the spec.
  auto secrets = host.paths.secrets_dir() / v.container;
  EXPECT_TRUE(std::filesystem::exists(secrets / "ssh_host_ed25519_key"));
  EXPECT_TRUE(std::filesystem::exists(secrets / "authorized_keys"));
  std::string token = v.jupyter_url.substr(v.jupyter_url.find("token=") + 6);
  ASSERT_EQ(token.size(), 64u);
  for (const auto& e : spec->env) EXPECT_EQ(e.find(token), std::string::npos) << e;
  for (const auto& [k, val] : spec->labels) EXPECT_EQ(val.find(token), std::string::npos) << k;
  for (const auto& c : spec->cmd) EXPECT_EQ(c.find(token), std::string::npos);
  EXPECT_EQ(probed_headers.at(0), "Authorization: token " + token);
  EXPECT_EQ(spec->user, std::to_string(::getuid()) + ":" + std::to_string(::getgid()));
  EXPECT_EQ(spec->security_opt, std::vector<std::string>{"no-new-privileges"});
}

TEST_F(OpsUpTest, UpAgainBuildsAndCreatesNothing) {
  write_project(kOne);
  auto first = up().at(0);
  auto second = up().at(0);
  EXPECT_EQ(engine.builds.size(), 2u);
  EXPECT_EQ(engine.count_calls("create_container"), 1u);
  EXPECT_EQ(engine.count_calls("start_container"), 1u);
  EXPECT_EQ(first.jupyter_url, second.jupyter_url);
  EXPECT_EQ(first.container_id, second.container_id);
}

TEST_F(OpsUpTest, ChangedSettingsReCreateTheContainerOnTheSamePort) {
  write_project(kOne);
  auto first = up().at(0);
  write_project(std::string(kOne) + "[envs.demo.env]\nX = \"1\"\n");
  auto refused = try_up();  // running: only with the user's word
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_EQ(engine.count_calls("create_container"), 1u);
  recreate = true;
  auto second = up().at(0);
  EXPECT_EQ(engine.count_calls("create_container"), 2u);
  EXPECT_NE(first.container_id, second.container_id);
  EXPECT_EQ(first.ports, second.ports);
  EXPECT_EQ(engine.builds.size(), 2u);  // env vars do not touch images
}

// Another `up` rebuilt a layer under the same tag (a changed recipe): the layers found on top of
// it were built on the old one, so they are built again, on the new one.
TEST_F(OpsUpTest, ALayerFoundOnAParentRebuiltSinceIsBuiltAgain) {
  write_project(kOne);
  up();
  ASSERT_EQ(engine.builds.size(), 2u);  // system, user
  const engine::BuildRequest system = engine.builds[0];
  ASSERT_TRUE(engine.build_image(system, {}));  // what the other `up` did
  const std::string new_system_id = engine.inspect_image(system.tag).value()->id;
  recreate = true;
  up();
  ASSERT_EQ(engine.builds.size(), 4u) << "the user layer is built again, the system layer is not";
  EXPECT_EQ(engine.builds[3].tag, engine.builds[1].tag);
  EXPECT_EQ(engine.builds[3].labels.at("dlenv.parent-id"), new_system_id);
  up();
  EXPECT_EQ(engine.builds.size(), 4u) << "then both are cached";
}

// The question comes before the build: refusing costs no build, and the change is named.
TEST_F(OpsUpTest, ARunningEnvironmentsNewImageIsRefusedBeforeItIsBuilt) {
  write_project(kOne);
  up();
  const auto builds = engine.builds.size();
  write_project(std::string(kOne) + "apt = [\"python3-numpy\"]\n");
  std::vector<std::string> asked;
  ops::UpOptions options{root / "project", {}};
  options.confirm_recreate = [&](const std::string&, const std::vector<std::string>& changes) {
    asked = changes;
    return false;
  };
  auto refused = ops::up(*ctx, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_EQ(engine.builds.size(), builds) << "nothing was built for an answer of no";
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_TRUE(asked[0].starts_with("the image (")) << asked[0];
  options.confirm_recreate = [](const std::string&, const std::vector<std::string>&) { return true; };
  ASSERT_TRUE(ops::up(*ctx, options));
  EXPECT_GT(engine.builds.size(), builds);
}

TEST_F(OpsUpTest, DistinctEnvironmentsGetDistinctPorts) {
  write_project("[envs.a]\nbase = \"dlenv/debian:bookworm\"\n[envs.b]\nbase = \"dlenv/debian:bookworm\"\n[envs.c]\nbase = \"dlenv/debian:bookworm\"\n");
  auto views = up();
  std::set<int> ports;
  for (const auto& v : views)
    for (const auto& [service, port] : v.ports) ports.insert(port);
  EXPECT_EQ(ports, (std::set<int>{41000, 41001, 41002, 41003, 41004, 41005}));
  EXPECT_EQ(engine.builds.size(), 2u);  // shared layers are built once
}

TEST_F(OpsUpTest, APortSomeoneElsePublishesIsSkipped) {
  // Another container (not dlenv's) already publishes 41000.
  engine::ContainerSpec other;
  other.name = "someone-else";
  other.image = "dlenv/debian:bookworm";
  other.ports = {{"80/tcp", "127.0.0.1", 41000}};
  ASSERT_TRUE(engine.create_container(other));
  ASSERT_TRUE(engine.start_container("someone-else"));
  write_project(kOne);
  EXPECT_EQ(up().at(0).ports.at("jupyter"), 41001);
}

TEST_F(OpsUpTest, APortConflictAtStartMovesTheLeaseAndRetries) {
  write_project(kOne);
  engine.failures["start_container"] =
      Error(ErrorCode::conflict, "Bind for 127.0.0.1:41000 failed: port is already allocated").retry();
  // While the engine keeps refusing, up retries on other ports and then gives up.
  auto r = ops::up(*ctx, {root / "project", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_GE(engine.count_calls("create_container"), 2u) << "a port conflict must be retried with a new port";
  // Once it stops refusing, the lease has moved off the refused port.
  engine.failures.erase("start_container");
  auto v = up().at(0);
  EXPECT_NE(v.ports.at("jupyter"), 41000);
}

TEST_F(OpsUpTest, AMissingBaseImageIsNotFoundWithABootstrapHint) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:trixie\"\n");
  auto r = ops::up(*ctx, {root / "project", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().hint.find("dlenv base bootstrap debian:trixie"), std::string::npos);
  EXPECT_EQ(engine.count_calls("create_container"), 0u);
}

TEST_F(OpsUpTest, AnUnknownEnvironmentNameSuggestsTheClosestOne) {
  write_project(kOne);
  auto r = ops::up(*ctx, {root / "project", {"dmeo"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_EQ(r.error().hint, "did you mean 'demo'?");
}

TEST_F(OpsUpTest, NoEngineFailsBeforeAnythingIsCreated) {
  write_project(kOne);
  engine.available = false;
  auto r = ops::up(*ctx, {root / "project", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::engine_unavailable);
  EXPECT_FALSE(fs::exists(host.paths.data_dir / "secrets"));
}

TEST_F(OpsUpTest, LsRebuildsFromLabelsAfterTheDatabaseIsDeleted) {
  write_project("[envs.a]\nbase = \"dlenv/debian:bookworm\"\n[envs.b]\nbase = \"dlenv/debian:bookworm\"\n");
  up();
  ASSERT_TRUE(ops::down(*ctx, root / "project", "b"));
  auto before = ops::ls(*ctx, {});
  ASSERT_TRUE(before);
  ctx.reset();
  for (const char* f : {"state.db", "state.db-wal", "state.db-shm"}) fs::remove(host.paths.data_dir / f);
  use(host.user);
  auto after = ops::ls(*ctx, {});
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*after)[i].name, (*before)[i].name);
    EXPECT_EQ((*after)[i].state, (*before)[i].state);
    EXPECT_EQ((*after)[i].ports, (*before)[i].ports);
    EXPECT_EQ((*after)[i].jupyter_url, (*before)[i].jupyter_url);
  }
  EXPECT_EQ((*after)[1].state, ops::EnvState::stopped);
}

TEST_F(OpsUpTest, DownKeepsPortsAndRmReleasesThem) {
  write_project(kOne);
  auto first = up().at(0);
  ASSERT_TRUE(ops::down(*ctx, root / "project", "demo"));
  EXPECT_EQ(up().at(0).ports, first.ports);
  ASSERT_TRUE(ops::rm(*ctx, root / "project", "demo"));
  auto listed = ops::ls(*ctx, {});
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_FALSE(engine.inspect_container(first.container).value());
}

}  // namespace

namespace {

class OpsUpGpuTest : public OpsUpTest {
 protected:
  void SetUp() override {
    auto facts = scratch.write("facts.json", dlenv::testing::kTwoA100Facts);
    ::setenv("DLENV_HOST_FACTS", facts.c_str(), 1);
    use(host.user);  // the settings read DLENV_HOST_FACTS
    engine.engine_details.runtimes.push_back("nvidia");
  }
  void TearDown() override { ::unsetenv("DLENV_HOST_FACTS"); }
};

}  // namespace

TEST_F(OpsUpGpuTest, GpusGoToTheContainerByUuidThroughTheNvidiaRuntime) {
  write_project("[envs.a]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n[envs.b]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n");
  auto views = up();
  ASSERT_EQ(views.size(), 2u);
  auto a = engine.spec_of(views[0].container), b = engine.spec_of(views[1].container);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->gpus.mode, engine::GpuAssignment::Mode::nvidia_runtime);
  ASSERT_EQ(a->gpus.device_ids.size(), 1u);
  ASSERT_EQ(b->gpus.device_ids.size(), 1u);
  EXPECT_NE(a->gpus.device_ids[0], b->gpus.device_ids[0]) << "N free GPUs: the second env gets the other one";
  EXPECT_EQ(a->labels.at("dlenv.gpus"), a->gpus.device_ids[0]);
  // Both GPUs are held now: a third env asking for one is told so.
  write_project("[envs.c]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n");
  auto r = ops::up(*ctx, {root / "project", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
}

TEST_F(OpsUpGpuTest, AFrameworkTheHostCannotRunIsRefusedWithWaysOut) {
  write_project("[envs.old]\nframework = \"tensorflow==1.15.*\"\ngpus = \"all\"\n");
  engine.engine_details.runtimes = {"runc"};
  // Driver 550 and A100s: upstream TF 1.15 (CUDA 10.0) cannot run; NVIDIA's TF1 container is
  // the resolver's answer, so the base must be pulled - which this fake engine refuses.
  auto r = ops::up(*ctx, {root / "project", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().message.find("nvcr.io/nvidia/tensorflow"), std::string::npos) << r.error().message;
  EXPECT_EQ(engine.count_calls("pull_image"), 1u);
  EXPECT_EQ(engine.count_calls("create_container"), 0u);
}
