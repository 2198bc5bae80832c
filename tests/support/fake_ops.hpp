#pragma once
// A Context over the Docker back-end over FakeEngine in a scratch folder, for use-case tests
// of that back-end: `project/` holds the project, `home/` is the user's home, state and caches live beside them, the base image
// dlenv/debian:bookworm exists, Jupyter always answers 200 and sshd always greets (the probed
// URLs, headers and ssh ports are recorded). `use(user)` re-makes the context for another user
// (and reads the settings from the environment again).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "backends/docker/docker_backend.hpp"
#include "engine/fake_engine.hpp"
#include "test_settings.hpp"
#include "ops/context.hpp"
#include "ops/environments/up.hpp"
#include "scratch_dir.hpp"

namespace dlenv::testing {

class FakeOpsTest : public ::testing::Test {
 protected:
  // Ports leased from first_port .. first_port + 19; `progress` outlives the test's contexts.
  explicit FakeOpsTest(int first_port = 41000, ops::Progress* progress = nullptr)
      : progress_(progress ? progress : &silent_) {
    root = scratch.path();
    std::filesystem::create_directories(root / "project");
    std::filesystem::create_directories(root / "home");
    host.paths.data_dir = root / "state";
    host.paths.cache_dir = root / "cache";
    host.ports = {first_port, first_port + 19};
    base_id = engine.add_image("dlenv/debian:bookworm");
    use({::getuid(), ::getgid(), "tester", root / "home", false});
  }

  void use(host::UserIdentity user) {
    host.user = std::move(user);
    ctx.reset();
    const auto settings = settings_from_environment(host.user.home);
    backend = std::make_unique<docker::DockerBackend>(engine, host, settings, *progress_);
    ctx = std::make_unique<ops::Context>(*backend, host, settings, *progress_);
    backend->set_http_probe([this](const std::string& url, const std::vector<std::string>& headers) -> Result<int> {
      probed_urls.push_back(url);
      probed_headers.insert(probed_headers.end(), headers.begin(), headers.end());
      return 200;
    });
    backend->set_ssh_probe([this](int port) {
      probed_ssh_ports.push_back(port);
      return true;
    });
  }
  void write_project(const std::string& toml) { std::ofstream(root / "project" / "dlenv.toml") << toml; }
  Result<std::vector<ops::EnvView>> try_up(std::vector<std::string> envs = {}, bool trust = false) {
    ops::UpOptions options{root / "project", std::move(envs)};
    options.trust = trust;
    options.recreate = recreate;
    return ops::up(*ctx, options);
  }
  // `up` that must succeed.
  std::vector<ops::EnvView> up(std::vector<std::string> envs = {}) {
    auto r = try_up(std::move(envs));
    EXPECT_TRUE(r) << (r ? "" : r.error().describe());
    return r ? *r : std::vector<ops::EnvView>{};
  }

  bool recreate = false;  // what `up --recreate` says
  ScratchDir scratch;
  std::filesystem::path root;
  host::HostFacts host;
  engine::FakeEngine engine;
  std::unique_ptr<docker::DockerBackend> backend;
  std::unique_ptr<ops::Context> ctx;
  std::string base_id;
  std::vector<std::string> probed_urls, probed_headers;
  std::vector<int> probed_ssh_ports;

 private:
  ops::SilentProgress silent_;
  ops::Progress* progress_;
};

}  // namespace dlenv::testing
