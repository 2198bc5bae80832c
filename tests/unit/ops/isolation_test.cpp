// ops isolation over FakeEngine: every environment of a user joins that user's network (ICC
// off), made once and safely under concurrent `up`s; capabilities dropped, limits set; the
// root warning.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/fake_engine.hpp"
#include "backends/docker/isolation.hpp"
#include "ops/environments/up.hpp"
#include "plan/env_plan.hpp"
#include "fake_ops.hpp"
#include "scratch_dir.hpp"

using namespace dlenv;
namespace fs = std::filesystem;

namespace {

class RecordingProgress final : public ops::Progress {
 public:
  void phase(std::string_view, std::string_view) override {}
  void detail(std::string_view, std::string_view) override {}
  void notice(std::string_view text) override { notices.emplace_back(text); }
  std::vector<std::string> notices;
};

class OpsIsolationTest : public dlenv::testing::FakeOpsTest {
 protected:
  OpsIsolationTest() : FakeOpsTest(41100, &progress) { network = plan::user_network(host.user.uid); }
  engine::NetworkSpec spec_of(const plan::NetworkPlan& n) {
    engine::NetworkSpec s;
    s.name = n.name;
    s.labels = n.labels;
    s.inter_container = n.inter_container;
    return s;
  }

  // The fixture's contexts keep a reference to it; it is only used once the test runs.
  RecordingProgress progress;
  plan::NetworkPlan network;
};

const char* kTwo = "[envs.a]\nbase = \"dlenv/debian:bookworm\"\n[envs.b]\nbase = \"dlenv/debian:bookworm\"\n";

TEST_F(OpsIsolationTest, EnvironmentsJoinTheUsersNetworkWithoutCapabilitiesAndWithLimits) {
  write_project(kTwo);
  auto views = up();
  ASSERT_EQ(views.size(), 2u);
  auto networks = engine.find_networks(network.name);
  ASSERT_TRUE(networks);
  ASSERT_EQ(networks->size(), 1u);  // one per user, made once
  const auto& net = networks->front();
  EXPECT_FALSE(net.inter_container);
  EXPECT_EQ(net.labels.at(plan::label::managed), "1");
  EXPECT_EQ(net.labels.at(plan::label::owner), std::to_string(host.user.uid));
  EXPECT_EQ(engine.count_calls("create_network"), 1u);
  for (const auto& view : views) {
    auto spec = engine.spec_of(view.container);
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->network, net.id);
    EXPECT_EQ(spec->cap_drop, std::vector<std::string>{"ALL"});
    EXPECT_EQ(spec->pids_limit, spec::kDefaultPidsLimit);
    auto info = engine.inspect_container(view.container);
    ASSERT_TRUE(info && *info);
    EXPECT_EQ((*info)->networks, std::vector<std::string>{network.name});
  }
  up();  // again: nothing new
  EXPECT_EQ(engine.count_calls("create_network"), 1u);
}

TEST_F(OpsIsolationTest, ANameConflictOnCreateMeansAnotherUpMadeIt) {
  std::string theirs;
  engine.before["create_network"] = [&] { theirs = *engine.create_network(spec_of(network)); };
  auto id = docker::ensure_user_network(engine, host, network);
  ASSERT_TRUE(id) << id.error().describe();
  EXPECT_EQ(*id, theirs);
  EXPECT_EQ(engine.find_networks(network.name)->size(), 1u);
}

TEST_F(OpsIsolationTest, AfterARaceOfCreatesEveryoneTakesTheOldestAndDropsTheirOwn) {
  engine.check_network_names = false;  // Docker 20.10: concurrent creates of one name all succeed
  std::string theirs;
  engine.before["create_network"] = [&] { theirs = *engine.create_network(spec_of(network)); };
  auto id = docker::ensure_user_network(engine, host, network);
  ASSERT_TRUE(id) << id.error().describe();
  EXPECT_EQ(*id, theirs);
  auto left = engine.find_networks(network.name);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().id, theirs);
}

TEST_F(OpsIsolationTest, ANetworkOfThatNameDlenvDidNotMakeIsRefused) {
  auto foreign = spec_of(network);
  foreign.inter_container = true;
  ASSERT_TRUE(engine.create_network(foreign));
  auto id = docker::ensure_user_network(engine, host, network);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::conflict);
  EXPECT_NE(id.error().hint.find("docker network rm " + network.name), std::string::npos);

  auto unlabelled = spec_of(plan::user_network(4242));
  unlabelled.labels.clear();
  ASSERT_TRUE(engine.create_network(unlabelled));
  EXPECT_FALSE(docker::ensure_user_network(engine, host, plan::user_network(4242)));
}

TEST_F(OpsIsolationTest, RootItselfIsWarnedThatTheContainerUserIsRootButSudoIsNot) {
  host::UserIdentity root_user{0, 0, "root", "/root", false};
  ASSERT_EQ(docker::isolation_warnings(root_user).size(), 1u);
  EXPECT_NE(docker::isolation_warnings(root_user).front().find("root"), std::string::npos);
  root_user.via_sudo = true;  // sudo: dlenv acts for the sudo user, never root
  EXPECT_TRUE(docker::isolation_warnings(root_user).empty());
  EXPECT_TRUE(docker::isolation_warnings({1000, 1000, "ada", "/home/ada", false}).empty());

  use({0, 0, "root", root / "home", false});
  auto run = plan::RunPlan{};
  run.network = plan::user_network(0);
  ASSERT_TRUE(docker::prepare_isolation(engine, host, progress, "demo", run));
  ASSERT_EQ(progress.notices.size(), 1u);
  EXPECT_EQ(progress.notices.front().rfind("demo: ", 0), 0u);
}

}  // namespace
