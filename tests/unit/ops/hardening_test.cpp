// ops over FakeEngine: sensitive mounts need the user's word, missing mount sources are
// found before anything is built, a failed `up` gives back what it leased, and `rm` works
// by container name, for incomplete environments, and with --purge.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/fake_engine.hpp"
#include "ops/environments/lifecycle.hpp"
#include "ops/environments/ls.hpp"
#include "ops/environments/mount_policy.hpp"
#include "ops/environments/up.hpp"
#include "plan/env_plan.hpp"
#include "fake_ops.hpp"
#include "spec/loader.hpp"

using namespace dlenv;
namespace fs = std::filesystem;

namespace {

class OpsHardeningTest : public dlenv::testing::FakeOpsTest {
 protected:
  OpsHardeningTest() : FakeOpsTest(41100) {
    fs::create_directories(root / "project" / "data");
    fs::create_directories(root / "home" / ".ssh");
    host.paths.data_dir = root / "home" / ".local" / "share" / "dlenv";
    // An ordinary user: a root container user would also refuse anything holding the socket.
    use({1000, 1000, "tester", root / "home", false});
    recreate = true;  // the tests change mounts between ups of a running environment
  }
  void write_project(const std::string& mounts) {
    FakeOpsTest::write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.ssh]\nenabled = false\n"
                               "[envs.demo.mounts]\n" + mounts);
  }
  Result<std::vector<ops::EnvView>> up(bool trust = false) { return try_up({}, trust); }
};

TEST_F(OpsHardeningTest, SensitiveMountsAreRefusedBeforeAnythingIsBuilt) {
  for (std::string source : {std::string("/"), std::string("/etc"), (root / "home").string(), (root / "home" / ".ssh").string(),
                             (root / "project" / ".." / "home").string()}) {
    write_project("\"" + source + "\" = \"/h\"\n");
    auto r = up();
    ASSERT_FALSE(r) << source;
    EXPECT_EQ(r.error().code, ErrorCode::config) << source;
    EXPECT_NE(r.error().message.find("sensitive"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().hint.find("allow = true"), std::string::npos);
    EXPECT_EQ(engine.builds.size(), 0u) << source;
  }
}

TEST_F(OpsHardeningTest, ARootContainerNeverGetsTheEngineSocketEvenWhenAllowed) {
  use({0, 0, "root", root / "home", false});
  fs::create_directories(root / "sock");
  std::ofstream(root / "sock" / "engine.sock") << "";
  ::setenv("DOCKER_HOST", ("unix://" + (root / "sock" / "engine.sock").string()).c_str(), 1);
  use(host.user);  // the settings read DOCKER_HOST
  write_project("\"" + (root / "sock").string() + "\" = { target = \"/s\", allow = true }\n");
  auto r = up(true);
  ::unsetenv("DOCKER_HOST");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("its container user is root"), std::string::npos) << r.error().message;
  EXPECT_EQ(engine.builds.size(), 0u);
}

TEST_F(OpsHardeningTest, AllowTrueOrTrustLetsASensitiveMountThroughAndTrustIsRemembered) {
  write_project("\"/etc\" = { target = \"/host-etc\", read_only = true, allow = true }\n");
  ASSERT_TRUE(up()) << up().error().describe();
  write_project("\"" + (root / "home").string() + "\" = \"/h\"\n");
  ASSERT_FALSE(up());
  auto trusted = up(true);
  ASSERT_TRUE(trusted) << trusted.error().describe();
  auto again = up();  // recorded: no --trust needed the next time
  EXPECT_TRUE(again) << again.error().describe();
}

TEST_F(OpsHardeningTest, PlanShowsSensitiveMountsAndWhatAllowsThem) {
  write_project("\"/etc\" = { target = \"/host-etc\", allow = true }\n\"data\" = \"/data\"\n");
  auto project = spec::load_project(root / "project");
  ASSERT_TRUE(project);
  auto found = ops::sensitive_mounts(*ctx, *project, project->envs[0], {"/var/run/docker.sock"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].host, "/etc");
  EXPECT_EQ(found[0].allowed_by, "allow = true");
  EXPECT_EQ(found[0].reason, "it is the system folder /etc");
}

TEST_F(OpsHardeningTest, AFolderHoldingTheEngineSocketIsSensitive) {
  fs::create_directories(root / "sock");
  std::ofstream(root / "sock" / "docker.sock") << "";
  write_project("\"" + (root / "sock").string() + "\" = \"/s\"\n");
  auto project = spec::load_project(root / "project");
  ASSERT_TRUE(project);
  auto found = ops::sensitive_mounts(*ctx, *project, project->envs[0], {root / "sock" / "docker.sock"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].reason.find("engine's socket"), std::string::npos);
  EXPECT_TRUE(ops::sensitive_mounts(*ctx, *project, project->envs[0], {}).empty());
}

TEST_F(OpsHardeningTest, AMissingMountSourceIsAnErrorWithADidYouMean) {
  write_project("\"dta\" = \"/data\"\n");
  auto r = up();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::config);
  EXPECT_EQ(r.error().message, "mount source " + (root / "project" / "dta").string() + " does not exist");
  EXPECT_NE(r.error().hint.find("did you mean " + (root / "project" / "data").string()), std::string::npos) << r.error().hint;
  ASSERT_TRUE(r.error().where);
  EXPECT_EQ(r.error().where->line, 6);
  EXPECT_FALSE(fs::exists(root / "project" / "dta"));
  EXPECT_EQ(engine.builds.size(), 0u);
}

TEST_F(OpsHardeningTest, AFailedCreateReleasesThePortsItLeased) {
  write_project("");
  engine.failures["create_container"] = Error(ErrorCode::engine_api, "Duplicate mount point: /x");
  auto r = up();
  ASSERT_FALSE(r);
  auto* store = backend->store().value();
  EXPECT_TRUE(store->all_ports().value().empty());
  EXPECT_TRUE(store->list_envs().value().empty());
  auto views = ops::ls(*ctx, {});
  ASSERT_TRUE(views);
  EXPECT_TRUE(views->empty()) << "a failed up left an incomplete environment";
  engine.failures.erase("create_container");
  auto ok = up();
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(ok->at(0).ports.at("jupyter"), 41100);
}

TEST_F(OpsHardeningTest, IncompleteEnvironmentsAreRemovedByContainerNameOrAllAtOnceWithoutTheProject) {
  auto* store = backend->store().value();
  for (const char* name : {"a", "b"}) {
    std::string dir = (root / "gone").string();
    auto key = plan::env_key(dir, name);
    auto container = plan::container_name(host.user.uid, dir, name);
    ASSERT_TRUE(store->put_env({key, dir, name, container, "", "img", "hash", "starting", 0}));
    ASSERT_TRUE(store->lease_port(key, "jupyter", {41100, 41119}, [](int) { return true; }));
  }
  auto listed = ops::ls(*ctx, {}).value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].state, ops::EnvState::incomplete);
  auto one = ops::rm(*ctx, root / "nowhere-else", listed[0].container);
  ASSERT_FALSE(one);  // a project path that does not exist is an error
  one = ops::rm(*ctx, {}, listed[0].container);
  ASSERT_TRUE(one) << one.error().describe();
  EXPECT_EQ(one->name, "a");
  EXPECT_EQ(store->all_ports().value().size(), 1u);
  auto rest = ops::rm_incomplete(*ctx, {});
  ASSERT_TRUE(rest) << rest.error().describe();
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->at(0).name, "b");
  EXPECT_TRUE(store->all_ports().value().empty());
  EXPECT_TRUE(ops::ls(*ctx, {}).value().empty());
}

TEST_F(OpsHardeningTest, RmKeepsSecretsAndPurgeRemovesThemAndTheLock) {
  write_project("");
  auto v = up();
  ASSERT_TRUE(v) << v.error().describe();
  const auto container = v->at(0).container;
  const auto secrets = host.paths.secrets_dir() / container;
  const auto lock = host.paths.data_dir / "locks" / (container + ".lock");
  ASSERT_TRUE(fs::exists(secrets / "jupyter_token"));
  ASSERT_TRUE(fs::exists(lock));
  ASSERT_TRUE(ops::rm(*ctx, root / "project", "demo"));
  EXPECT_TRUE(fs::exists(secrets / "jupyter_token")) << "plain rm keeps the secrets for the next up";
  ASSERT_TRUE(up());
  auto purged = ops::rm(*ctx, root / "project", "demo", {.purge = true});
  ASSERT_TRUE(purged) << purged.error().describe();
  EXPECT_FALSE(fs::exists(secrets));
  EXPECT_FALSE(fs::exists(lock));
  EXPECT_FALSE(fs::exists(host.paths.homes_dir() / container));
}

// A plain rm keeps the home and says where; when the project is gone too, rm --purge with the
// container's name still removes what is left of it, and only that.
TEST_F(OpsHardeningTest, WhatAPlainRmLeftIsPurgedByContainerNameWithoutTheProject) {
  write_project("");
  auto v = up();
  ASSERT_TRUE(v) << v.error().describe();
  const auto container = v->at(0).container;
  const auto home = host.paths.homes_dir() / container;
  ASSERT_TRUE(fs::is_directory(home));
  EXPECT_EQ(fs::status(home).permissions() & fs::perms::all, fs::perms::owner_all);
  auto removed = ops::rm(*ctx, root / "project", "demo");
  ASSERT_TRUE(removed) << removed.error().describe();
  EXPECT_EQ(removed->home, home.string());
  fs::remove_all(root / "project");
  EXPECT_EQ(ops::rm(*ctx, {}, container).error().code, ErrorCode::not_found) << "without --purge: nothing to remove";
  ASSERT_TRUE(fs::exists(home));
  auto purged = ops::rm(*ctx, {}, container, {.purge = true});
  ASSERT_TRUE(purged) << purged.error().describe();
  EXPECT_FALSE(fs::exists(home));
  EXPECT_FALSE(fs::exists(host.paths.secrets_dir() / container));
  for (const std::string& name : {std::string("dlenv-../../x"), std::string("elsewhere"), container})
    EXPECT_EQ(ops::rm(*ctx, {}, name, {.purge = true}).error().code, ErrorCode::not_found) << name;
}

}  // namespace

namespace {

TEST_F(OpsHardeningTest, TheEngineGetsTheRealPathThatWasChecked) {
  fs::create_directories(root / "project" / "real");
  fs::create_directory_symlink(root / "project" / "real", root / "project" / "link");
  write_project("\"link\" = \"/data\"\n");
  auto v = up();
  ASSERT_TRUE(v) << v.error().describe();
  auto spec = engine.spec_of(v->at(0).container);
  ASSERT_TRUE(spec);
  bool found = false;
  for (const auto& m : spec->mounts)
    if (m.target == "/data") {
      found = true;
      EXPECT_EQ(m.source, (fs::canonical(root / "project" / "real")).string());
    }
  EXPECT_TRUE(found);
}

TEST_F(OpsHardeningTest, AMountSourceUnderAFolderOthersMayChangeIsRefused) {
  fs::create_directories(root / "shared" / "data");
  fs::permissions(root / "shared", fs::perms::all);  // 0777, no sticky bit
  write_project("\"" + (root / "shared" / "data").string() + "\" = \"/data\"\n");
  auto r = up();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("which someone other than you may change"), std::string::npos) << r.error().message;
  fs::permissions(root / "shared", fs::perms::all | fs::perms::sticky_bit);  // like /tmp: fine
  EXPECT_TRUE(up()) << "a sticky folder keeps others from swapping what is inside";
}

TEST_F(OpsHardeningTest, SharedTempFoldersAndHomeBinAreSensitive) {
  fs::create_directories(root / "home" / "bin");
  write_project("\"" + (root / "home" / "bin").string() + "\" = \"/b\"\n");
  auto project = spec::load_project(root / "project");
  ASSERT_TRUE(project);
  auto found = ops::sensitive_mounts(*ctx, *project, project->envs[0], {});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].reason.find("~/bin"), std::string::npos);
  write_project("\"/tmp\" = \"/t\"\n");
  project = spec::load_project(root / "project");
  ASSERT_TRUE(project);
  EXPECT_EQ(ops::sensitive_mounts(*ctx, *project, project->envs[0], {}).size(), 1u);
}

TEST_F(OpsHardeningTest, AnAuthorizedKeysFileMustHoldPublicKeysOnly) {
  std::ofstream(root / "home" / ".ssh" / "id_fake") << "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n";
  FakeOpsTest::write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n[envs.demo.ssh]\nauthorized_keys = \"" +
                             (root / "home" / ".ssh" / "id_fake").string() + "\"\n");
  auto r = up();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is not an OpenSSH public key"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
}

TEST_F(OpsHardeningTest, TrustIsForTheMountAsItWasIncludingReadOnly) {
  write_project("\"/etc\" = { target = \"/e\", read_only = true }\n");
  ASSERT_TRUE(up(true));
  ASSERT_TRUE(up());
  write_project("\"/etc\" = { target = \"/e\", read_only = false }\n");
  EXPECT_FALSE(up()) << "turning read-only off needs the user's word again";
}

}  // namespace
