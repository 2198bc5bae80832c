// The Backend contract (backend/backend.hpp), checked over FakeBackend and over the Docker
// back-end against the real engine. Use-case tests run on FakeBackend; this suite keeps it
// honest: what a use case can observe (names, states, idempotent deploys, stable ports,
// exec exit codes, what remove leaves) is the same on both. Without an engine the Docker
// instance skips, except in CI, where it fails.
//
// The environment is a plain one on dlenv/debian:bookworm (made by `dlenv base bootstrap`)
// without Jupyter or sshd, so the Docker half builds only small layers; its container carries
// this process's pid in its project folder's name and is removed in TearDown.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>

#include "backends/docker/docker_backend.hpp"
#include "backends/fake/fake_backend.hpp"
#include "ci.hpp"
#include "test_settings.hpp"
#include "contract_names.hpp"
#include "engine/engine.hpp"
#include "ops/context.hpp"
#include "ops/prepare.hpp"
#include "plan/env_plan.hpp"
#include "scratch_dir.hpp"
#include "spec/loader.hpp"

namespace dlenv {
namespace {

namespace fs = std::filesystem;
constexpr const char* kBase = "dlenv/debian:bookworm";

// Each implementation: makes the back-end over `host`, or says why it cannot here.
struct FakeImplementation {
  std::unique_ptr<backend::Backend> make(const host::HostFacts& host, backend::Progress&, std::string&) {
    auto fake = std::make_unique<fake::FakeBackend>(host);
    fake->images[kBase] = "sha256:base";
    return fake;
  }
};

struct DockerImplementation {
  std::unique_ptr<backend::Backend> make(const host::HostFacts& host, backend::Progress& progress, std::string& why_not) {
    auto engine = engine::make_docker_engine(engine::resolve_endpoint(dlenv::testing::docker_host_variable()));
    if (!engine->ping()) {
      why_not = "no container engine answers";
      return nullptr;
    }
    if (!engine->inspect_image(kBase).value_or(std::nullopt)) {
      why_not = std::string(kBase) + " is missing: run 'dlenv base bootstrap debian:bookworm'";
      return nullptr;
    }
    return std::make_unique<docker::DockerBackend>(std::move(engine), host, spec::Settings{}, progress);
  }
};

using ImplementationNames = dlenv::testing::FakeOrDockerNames<FakeImplementation>;

template <class Implementation>
class BackendContract : public ::testing::Test {
 protected:
  void SetUp() override {
    project_dir = scratch.path() / ("contract-" + std::to_string(::getpid()));
    fs::create_directories(project_dir);
    host.user = {::getuid(), ::getgid(), "tester", scratch.path() / "home", false};
    host.paths.data_dir = scratch.path() / "state";
    host.paths.cache_dir = scratch.path() / "cache";
    host.ports = {42600, 42619};
    std::string why_not;
    backend = Implementation{}.make(host, progress, why_not);
    if (!backend) DLENV_SKIP_OUTSIDE_CI(why_not);
    ctx = std::make_unique<ops::Context>(*backend, host, spec::Settings{}, progress);
  }
  void TearDown() override {
    if (backend && prepared) (void)backend->remove(ref(), "test");
  }

  // A prepared environment from a project file (the way `up` makes one).
  backend::PreparedEnv prepare(const std::string& extra = "") {
    std::ofstream(project_dir / "dlenv.toml") << "[envs.contract]\nbase = \"" << kBase << "\"\njupyter = false\n" << extra
                                              << "[envs.contract.ssh]\nenabled = false\n";
    auto project = spec::load_project(project_dir).value();
    ops::PrepareOptions options;
    options.missing_base = ops::PrepareOptions::MissingBase::fail;
    auto made = ops::prepare(*ctx, project, project.envs.front(), options);
    EXPECT_TRUE(made) << (made ? "" : made.error().describe());
    prepared = made.has_value();
    return made ? *made : backend::PreparedEnv{};
  }
  backend::EnvRef ref() const {
    const std::string dir = fs::canonical(project_dir).string();
    return {"contract", dir, plan::container_name(host.user.uid, dir, "contract"), plan::env_key(dir, "contract")};
  }

  dlenv::testing::ScratchDir scratch;
  fs::path project_dir;
  host::HostFacts host;
  backend::SilentProgress progress;
  std::unique_ptr<backend::Backend> backend;
  std::unique_ptr<ops::Context> ctx;
  bool prepared = false;
};

using Implementations = ::testing::Types<FakeImplementation, DockerImplementation>;
TYPED_TEST_SUITE(BackendContract, Implementations, ImplementationNames);

TYPED_TEST(BackendContract, AnswersAndKnowsItsBaseImage) {
  ASSERT_TRUE(this->backend->check_reachable());
  auto base = this->backend->image_id(kBase);
  ASSERT_TRUE(base) << base.error().describe();
  EXPECT_TRUE(base->has_value());
  auto missing = this->backend->image_id("dlenv-test/never-built:contract");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(this->backend->endpoint().empty());
}

TYPED_TEST(BackendContract, UnknownEnvironmentsAreAbsentAndRemovingThemSucceeds) {
  auto found = this->backend->find(this->ref());
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(this->backend->remove(this->ref(), "test"));
  auto stopped = this->backend->stop(this->ref());
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::not_found);
}

TYPED_TEST(BackendContract, DeployIsIdempotentAndTheLifecycleIsSeenByFindAndList) {
  auto prepared = this->prepare();
  auto& backend = *this->backend;
  auto first = backend.deploy(prepared, {});
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(first->state, backend::EnvState::running);
  EXPECT_EQ(first->name, "contract");
  EXPECT_EQ(first->container, this->ref().container);
  EXPECT_EQ(first->project, this->ref().project);
  EXPECT_EQ(first->workdir, prepared.plan.run.workdir);
  EXPECT_TRUE(first->owned);
  EXPECT_TRUE(first->ports.empty()) << "no Jupyter, no sshd: nothing published";

  auto again = backend.deploy(prepared, {});
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(again->container_id, first->container_id) << "an unchanged environment is kept";

  auto listed = backend.list(false);
  ASSERT_TRUE(listed);
  auto it = std::find_if(listed->begin(), listed->end(), [&](const backend::EnvView& v) { return v.container == first->container; });
  ASSERT_NE(it, listed->end());
  EXPECT_EQ(it->state, backend::EnvState::running);

  ASSERT_TRUE(backend.stop(this->ref()));
  auto found = backend.find(this->ref());
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->state, backend::EnvState::stopped);

  ASSERT_TRUE(backend.remove(this->ref(), "test"));
  found = backend.find(this->ref());
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  listed = backend.list(false);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(std::none_of(listed->begin(), listed->end(), [&](const backend::EnvView& v) { return v.container == first->container; }));
}

// A running environment is replaced only with the user's word: refused (and left running as
// it was) without it, asked when a question can be put, replaced when agreed.
TYPED_TEST(BackendContract, AChangedPlanReplacesARunningEnvironmentOnlyWhenAllowed) {
  auto& backend = *this->backend;
  auto first = backend.deploy(this->prepare(), {});
  ASSERT_TRUE(first) << first.error().describe();
  const auto changed_plan = this->prepare("shm_size = \"1g\"\n");
  auto refused = backend.deploy(changed_plan, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_NE(refused.error().message.find("is running"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().hint.find("--recreate"), std::string::npos) << refused.error().hint;
  auto kept = backend.find(this->ref());
  ASSERT_TRUE(kept && kept->has_value());
  EXPECT_EQ((*kept)->container_id, first->container_id);
  EXPECT_EQ((*kept)->state, backend::EnvState::running);

  std::vector<std::string> asked;
  backend::DeployOptions declined;
  declined.confirm_recreate = [&](const std::string& env, const std::vector<std::string>& changes) {
    asked = changes;
    return env.empty();  // "no"
  };
  EXPECT_FALSE(backend.deploy(changed_plan, declined));
  EXPECT_FALSE(asked.empty()) << "the question names what changed";

  auto changed = backend.deploy(changed_plan, {.recreate_running = true});
  ASSERT_TRUE(changed) << changed.error().describe();
  EXPECT_NE(changed->container_id, first->container_id);
  EXPECT_EQ(changed->state, backend::EnvState::running);
}

// A stopped environment has nothing running to lose: a changed plan replaces it.
TYPED_TEST(BackendContract, AChangedPlanReplacesAStoppedEnvironment) {
  auto& backend = *this->backend;
  auto first = backend.deploy(this->prepare(), {});
  ASSERT_TRUE(first) << first.error().describe();
  ASSERT_TRUE(backend.stop(this->ref()));
  auto changed = backend.deploy(this->prepare("shm_size = \"1g\"\n"), {});
  ASSERT_TRUE(changed) << changed.error().describe();
  EXPECT_NE(changed->container_id, first->container_id);
}

TYPED_TEST(BackendContract, ExecOfAStoppedEnvironmentFailsAndGpuInventoryNamesNoneHeld) {
  auto& backend = *this->backend;
  ASSERT_TRUE(backend.deploy(this->prepare(), {}));
  auto inventory = backend.gpu_inventory(this->ref().container);
  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_TRUE(inventory->held.empty());
  ASSERT_TRUE(backend.stop(this->ref()));
  auto ran = backend.exec(this->ref(), {{"true"}, false});
  EXPECT_FALSE(ran) << "a stopped environment runs no command";
}

}  // namespace
}  // namespace dlenv
