// ops::export_devcontainer and ops::code_command over FakeEngine: the file `up`'s image gets,
// what it refuses, and that no secret reaches it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "backends/docker/docker_backend.hpp"
#include "engine/fake_engine.hpp"
#include "test_settings.hpp"
#include "ops/access/export.hpp"
#include "ops/environments/up.hpp"
#include "fixtures.hpp"
#include "scratch_dir.hpp"

using namespace dlenv;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class OpsExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = scratch.path();
    project = root / "project";
    fs::create_directories(project);
    host.user = {::getuid(), ::getgid(), "tester", root / "home", false};
    host.paths.data_dir = root / "state";
    host.paths.cache_dir = root / "cache";
    host.ports = {41000, 41009};
    engine.add_image("dlenv/debian:bookworm");
    make_context();
  }
  // Reads the settings from the environment (DLENV_HOST_FACTS).
  void make_context() {
    ctx.reset();
    auto settings = dlenv::testing::settings_from_environment(host.user.home);
    backend = std::make_unique<docker::DockerBackend>(engine, host, settings, progress);
    backend->set_http_probe([](const std::string&, const std::vector<std::string>&) -> Result<int> { return 200; });
    backend->set_ssh_probe([](int) { return true; });
    ctx = std::make_unique<ops::Context>(*backend, host, settings, progress);
  }
  void write_project(const std::string& toml) { std::ofstream(project / "dlenv.toml") << toml; }
  ops::EnvView up() {
    ops::UpOptions options{project, {}};
    options.recreate = true;  // the tests change the project between ups
    auto r = ops::up(*ctx, options);
    EXPECT_TRUE(r) << (r ? "" : r.error().describe());
    return r && !r->empty() ? r->front() : ops::EnvView{};
  }
  Result<fs::path> export_demo(bool force = false, bool build = false) {
    return ops::export_devcontainer(*ctx, project, "demo", {.force = force, .build = build});
  }
  fs::path file() const { return project / ".devcontainer" / "devcontainer.json"; }

  dlenv::testing::ScratchDir scratch;
  fs::path root, project;
  host::HostFacts host;
  engine::FakeEngine engine;
  ops::SilentProgress progress;
  std::unique_ptr<docker::DockerBackend> backend;
  std::unique_ptr<ops::Context> ctx;
};

const char* kDemo = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nshm_size = \"1g\"\n";

}  // namespace

TEST_F(OpsExportTest, WritesTheDevcontainerForTheImageUpBuilt) {
  write_project(kDemo);
  auto view = up();
  auto spec = engine.spec_of(view.container);
  ASSERT_TRUE(spec);
  auto written = export_demo();
  ASSERT_TRUE(written) << written.error().describe();
  EXPECT_EQ(*written, file());
  auto text = slurp(file());
  EXPECT_TRUE(contains(text, "\"image\": \"" + spec->image + "\"")) << text;
  EXPECT_TRUE(contains(text, "\"workspaceFolder\": \"/workspace\"")) << text;
  EXPECT_TRUE(contains(text, "\"workspaceMount\": \"source=${localWorkspaceFolder},target=/workspace,type=bind\"")) << text;
  const std::string user = ::getuid() == 0 ? "root" : "tester";  // the user layer's name
  EXPECT_TRUE(contains(text, "\"remoteUser\": \"" + user + "\"")) << text;
  EXPECT_TRUE(contains(text, "\"--shm-size=1073741824\"")) << text;
  EXPECT_TRUE(contains(text, "\"8888\": {\n      \"label\": \"Jupyter\"")) << text;
  EXPECT_TRUE(contains(text, "target=/run/dlenv/secrets,type=bind,readonly\"")) << text;
  EXPECT_FALSE(contains(text, "source=" + project.string() + ",")) << "the project folder is the workspaceMount";
  EXPECT_FALSE(contains(text, "--gpus")) << text;
  struct stat st{};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(OpsExportTest, TheJupyterTokenStaysInItsFile) {
  write_project(kDemo);
  auto view = up();
  auto token = view.jupyter_url.substr(view.jupyter_url.find("token=") + 6);
  ASSERT_EQ(token.size(), 64u);
  ASSERT_TRUE(export_demo());
  auto text = slurp(file());
  EXPECT_FALSE(contains(text, token));
  EXPECT_FALSE(contains(text, "token")) << text;
}

// For a teammate: the file builds the image from its base with the Dockerfile dlenv renders (no
// local tag), maps the user to the teammate's uid, and carries nothing of this machine's
// secrets, home or cache folders. It needs no `up` first.
TEST_F(OpsExportTest, WithBuildATeammateBuildsTheImageFromItsBase) {
  fs::create_directories(project / "data");
  fs::create_directories(root / "outside");
  write_project(std::string(kDemo) + "apt = [\"python3-numpy\"]\n[envs.demo.mounts]\n\"data\" = \"/data\"\n\"" +
                (root / "outside").string() + "\" = \"/outside\"\n");
  auto written = export_demo(false, true);
  ASSERT_TRUE(written) << written.error().describe();
  EXPECT_EQ(engine.count_calls("build_image"), 0u) << "export builds nothing";
  auto text = slurp(file());
  EXPECT_FALSE(contains(text, "\"image\":")) << text;
  EXPECT_TRUE(contains(text, "\"dockerfile\": \"dlenv-build/Dockerfile\"")) << text;
  EXPECT_TRUE(contains(text, "\"context\": \"dlenv-build\"")) << text;
  EXPECT_TRUE(contains(text, "\"updateRemoteUserUID\": true")) << text;
  EXPECT_TRUE(contains(text, "\"source=dlenv-cache-pip,target=/dlenv/cache/pip,type=volume\"")) << text;
  EXPECT_TRUE(contains(text, "\"source=${localWorkspaceFolder}/data,target=/data,type=bind\"")) << text;
  EXPECT_TRUE(contains(text, "\"DLENV_SSH\": \"0\"")) << text;
  EXPECT_FALSE(contains(text, "/run/dlenv/secrets")) << text;
  EXPECT_FALSE(contains(text, host.paths.data_dir.string())) << text;
  EXPECT_FALSE(contains(text, "2222")) << "no SSH port to forward: " << text;
  EXPECT_FALSE(contains(text, (root / "outside").string())) << "this machine's paths mean nothing there: " << text;
  EXPECT_TRUE(contains(text, "1 mount(s) from outside the project left out")) << text;
  // dlenv's own bases are made there, never pulled from a registry under that name.
  EXPECT_TRUE(contains(text, "\"initializeCommand\": [")) << text;
  EXPECT_TRUE(contains(text, "docker image inspect dlenv/debian:bookworm")) << text;
  EXPECT_TRUE(contains(text, "dlenv base bootstrap debian:bookworm")) << text;

  const fs::path build = project / ".devcontainer" / "dlenv-build";
  auto dockerfile = slurp(build / "Dockerfile");
  EXPECT_TRUE(contains(dockerfile, "FROM dlenv/debian:bookworm AS system\n")) << dockerfile;
  EXPECT_TRUE(contains(dockerfile, "FROM system AS user\n")) << dockerfile;
  EXPECT_TRUE(contains(dockerfile, "COPY system/dlenv-install-system /usr/local/lib/dlenv/install-system\n")) << dockerfile;
  EXPECT_TRUE(contains(dockerfile, "DLENV_APT=python3-numpy ")) << dockerfile;
  for (const char* f : {"system/dlenv-install-system", "system/dlenv-entrypoint", "system/jupyter_server_config.py", "user/dlenv-add-user"})
    EXPECT_TRUE(fs::exists(build / f)) << f;
  struct stat st{};
  ASSERT_EQ(::stat((build / "system" / "dlenv-entrypoint").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);

  // A folder of that name dlenv did not write is kept unless forced.
  fs::remove_all(build);
  fs::create_directories(build);
  std::ofstream(build / "Dockerfile") << "FROM mine\n";
  EXPECT_FALSE(export_demo(false, true));
  EXPECT_EQ(slurp(build / "Dockerfile"), "FROM mine\n");
  EXPECT_TRUE(export_demo(true, true));
  EXPECT_TRUE(slurp(build / "Dockerfile").starts_with("# Generated by dlenv"));
}

TEST_F(OpsExportTest, BeforeUpTheImageIsNotFound) {
  write_project(kDemo);
  auto r = export_demo();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(r.error().hint, "run 'dlenv up demo' first")) << r.error().hint;
  EXPECT_FALSE(fs::exists(file()));
  EXPECT_EQ(engine.count_calls("build_image"), 0u) << "export builds nothing";
}

TEST_F(OpsExportTest, WithoutTheBaseImageTheImageIsNotFound) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:trixie\"\n");
  auto r = export_demo();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(r.error().hint, "dlenv up demo")) << r.error().hint;
}

TEST_F(OpsExportTest, AFileDlenvDidNotWriteIsKeptUnlessForced) {
  write_project(kDemo);
  up();
  const std::string mine = "{\n  // my own\n  \"image\": \"python:3.12\"\n}\n";
  scratch.write("project/.devcontainer/devcontainer.json", mine);
  auto r = export_demo();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_TRUE(contains(r.error().hint, "--force")) << r.error().hint;
  EXPECT_EQ(slurp(file()), mine);
  ASSERT_TRUE(export_demo(/*force=*/true));
  EXPECT_TRUE(contains(slurp(file()), "generated by dlenv export devcontainer"));
}

TEST_F(OpsExportTest, ItsOwnFileIsRewritten) {
  write_project(kDemo);
  up();
  ASSERT_TRUE(export_demo());
  write_project(std::string(kDemo) + "[envs.demo.env]\nX = \"1\"\n");
  up();
  auto again = export_demo();
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_TRUE(contains(slurp(file()), "\"X\": \"1\""));
}

TEST_F(OpsExportTest, AnUnknownEnvIsNotFoundWithAGuess) {
  write_project(kDemo);
  auto r = ops::export_devcontainer(*ctx, project, "dmeo", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(r.error().hint, "demo")) << r.error().hint;
}

namespace {

class OpsExportGpuTest : public OpsExportTest {
 protected:
  void SetUp() override {
    OpsExportTest::SetUp();
    auto facts = scratch.write("facts.json", dlenv::testing::kTwoA100Facts);
    ::setenv("DLENV_HOST_FACTS", facts.c_str(), 1);
    make_context();
    engine.engine_details.runtimes.push_back("nvidia");
  }
  void TearDown() override { ::unsetenv("DLENV_HOST_FACTS"); }
};

}  // namespace

TEST_F(OpsExportGpuTest, TheGpusTheContainerHoldsByUuid) {
  // Another environment holds GPU-aaaa, so demo gets GPU-bbbb; export names that one.
  write_project("[envs.other]\nbase = \"dlenv/debian:bookworm\"\ngpus = [\"GPU-aaaa\"]\n"
                "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\ngpus = 1\n");
  auto views = ops::up(*ctx, {project, {}});
  ASSERT_TRUE(views) << views.error().describe();
  ASSERT_TRUE(export_demo());
  auto text = slurp(file());
  EXPECT_TRUE(contains(text, R"("--gpus=\"device=GPU-bbbb\"")")) << text;
  EXPECT_TRUE(contains(text, "\"NVIDIA_DRIVER_CAPABILITIES\": \"compute,utility\"")) << text;
  EXPECT_FALSE(contains(text, "hostRequirements")) << text;
  // A teammate's GPUs have other UUIDs: their file asks for the GPUs there.
  ASSERT_TRUE(export_demo(true, true));
  auto shared = slurp(file());
  EXPECT_FALSE(contains(shared, "GPU-bbbb")) << shared;
  EXPECT_TRUE(contains(shared, "\"--gpus=all\"")) << shared;
}

TEST_F(OpsExportGpuTest, AllGpus) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\ngpus = \"all\"\n");
  up();
  ASSERT_TRUE(export_demo());
  auto text = slurp(file());
  EXPECT_TRUE(contains(text, "\"--gpus=all\"")) << text;
  EXPECT_TRUE(contains(text, "\"gpu\": true")) << text;
}

TEST(OpsCodeCommand, OpensTheWorkdirOverTheEnvironmentsSshAlias) {
  EXPECT_EQ(ops::code_command("demo", "/workspace"), "code --remote ssh-remote+dlenv-demo /workspace");
  EXPECT_EQ(ops::code_command("demo", "/my work"), "code --remote ssh-remote+dlenv-demo '/my work'");
  EXPECT_EQ(ops::code_argv("dlenv-demo", "/my work"),
            (std::vector<std::string>{"code", "--remote", "ssh-remote+dlenv-demo", "/my work"}));
}

TEST_F(OpsExportTest, CodeTargetIsTheRunningEnvironmentsAliasAndWorkdir) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nworkdir = \"/home/src\"\n");
  up();
  auto target = ops::code_target(*ctx, project, "demo");
  ASSERT_TRUE(target) << target.error().describe();
  EXPECT_EQ(target->ssh_host, "dlenv-demo");
  EXPECT_EQ(target->workdir, "/home/src");
  EXPECT_EQ(target->command, "code --remote ssh-remote+dlenv-demo /home/src");
  EXPECT_EQ(target->argv.size(), 4u);
  EXPECT_TRUE(fs::exists(target->ssh_config));
  EXPECT_TRUE(contains(slurp(target->ssh_config), "Host dlenv-demo\n"));
}

TEST_F(OpsExportTest, CodeTargetNeedsSsh) {
  write_project(std::string(kDemo) + "[envs.demo.ssh]\nenabled = false\n");
  up();
  auto target = ops::code_target(*ctx, project, "demo");
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().code, ErrorCode::not_found);
}
