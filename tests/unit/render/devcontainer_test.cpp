// render::devcontainer_json: the devcontainer.json for an environment's image.
#include <gtest/gtest.h>

#include <string>

#include "golden.hpp"
#include "render/devcontainer.hpp"

using namespace dlenv;
using dlenv::testing::expect_golden;

namespace {

render::DevcontainerInputs gpu_inputs() {
  render::DevcontainerInputs in;
  in.env_name = "demo";
  in.image = "dlenv/user:9845f477fcb8d26c";
  in.user = "1000:1000";
  in.user_name = "ada";
  in.workspace_folder = "/workspace";
  in.mounts = {
      {"/data/imagenet", "/data", true},
      {"/home/ada/.cache/pip", "/dlenv/cache/pip", false},
      {"/home/ada/.local/share/dlenv/secrets/dlenv-demo-1a2b3c4d", "/run/dlenv/secrets", true},
  };
  in.env = {"DLENV_ENV=demo", "DLENV_JUPYTER=1", "DLENV_JUPYTER_BASE_URL=/dlenv/demo/", "HOME=/home/ada",
            "NVIDIA_DRIVER_CAPABILITIES=compute,utility", "USER=ada"};
  in.shm_size = int64_t{2} * 1024 * 1024 * 1024;
  in.gpus = render::DevcontainerInputs::Gpus::devices;
  in.gpu_uuids = {"GPU-aaaa", "GPU-bbbb"};
  in.ports = {{8888, "Jupyter"}, {2222, "SSH"}};
  return in;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(RenderDevcontainer, GpuEnvironmentGolden) {
  expect_golden("devcontainer-gpu.json", render::devcontainer_json(gpu_inputs()));
}

TEST(RenderDevcontainer, CpuEnvironmentGolden) {
  auto in = gpu_inputs();
  in.gpus = render::DevcontainerInputs::Gpus::none;
  in.gpu_uuids.clear();
  in.env.erase(in.env.begin() + 4);  // NVIDIA_DRIVER_CAPABILITIES
  in.ports = {{8888, "Jupyter"}};
  expect_golden("devcontainer-cpu.json", render::devcontainer_json(in));
}

TEST(RenderDevcontainer, CarriesNoTokenOnlyTheReadOnlySecretsMount) {
  auto text = render::devcontainer_json(gpu_inputs());
  EXPECT_FALSE(contains(text, "token")) << text;
  EXPECT_FALSE(contains(text, "TOKEN")) << text;
  EXPECT_TRUE(contains(text, "\"source=/home/ada/.local/share/dlenv/secrets/dlenv-demo-1a2b3c4d,target=/run/dlenv/secrets,type=bind,readonly\""))
      << text;
}

TEST(RenderDevcontainer, GpuDeviceListIsQuotedAndNotWidenedByHostRequirements) {
  auto text = render::devcontainer_json(gpu_inputs());
  EXPECT_TRUE(contains(text, R"("--gpus=\"device=GPU-aaaa,GPU-bbbb\"")")) << text;
  EXPECT_FALSE(contains(text, "--gpus=all")) << text;
  // hostRequirements.gpu makes the devcontainers CLI add `--gpus all` on nvidia-runtime hosts.
  EXPECT_FALSE(contains(text, "hostRequirements")) << text;
}

TEST(RenderDevcontainer, AllGpusAskForEveryGpuAndRequireOne) {
  auto in = gpu_inputs();
  in.gpus = render::DevcontainerInputs::Gpus::all;
  auto text = render::devcontainer_json(in);
  EXPECT_TRUE(contains(text, "\"--gpus=all\"")) << text;
  EXPECT_FALSE(contains(text, "device=")) << text;
  EXPECT_TRUE(contains(text, "\"hostRequirements\": {\n    \"gpu\": true\n  }")) << text;
}

TEST(RenderDevcontainer, NoGpusNoGpuFlags) {
  auto in = gpu_inputs();
  in.gpus = render::DevcontainerInputs::Gpus::none;
  auto text = render::devcontainer_json(in);
  EXPECT_FALSE(contains(text, "--gpus")) << text;
  EXPECT_FALSE(contains(text, "hostRequirements")) << text;
}

TEST(RenderDevcontainer, ShmSizeAndNoNewPrivilegesGoToRunArgs) {
  auto in = gpu_inputs();
  in.shm_size = 536870912;
  auto text = render::devcontainer_json(in);
  EXPECT_TRUE(contains(text, "\"--shm-size=536870912\"")) << text;
  EXPECT_TRUE(contains(text, "\"--security-opt=no-new-privileges\"")) << text;
  in.shm_size = 0;
  EXPECT_FALSE(contains(render::devcontainer_json(in), "--shm-size")) << "0: the engine's default";
}

TEST(RenderDevcontainer, WorkspaceAndUser) {
  auto in = gpu_inputs();
  in.workspace_folder = "/home/ada/src";
  auto text = render::devcontainer_json(in);
  EXPECT_TRUE(contains(text, R"("workspaceFolder": "/home/ada/src")")) << text;
  EXPECT_TRUE(contains(text, R"("workspaceMount": "source=${localWorkspaceFolder},target=/home/ada/src,type=bind")")) << text;
  EXPECT_TRUE(contains(text, R"("remoteUser": "ada")")) << text;
  EXPECT_TRUE(contains(text, R"("containerUser": "ada")")) << text;
  EXPECT_TRUE(contains(text, R"("updateRemoteUserUID": false)")) << text;
}

TEST(RenderDevcontainer, MountFieldsWithCommasAreCsvQuoted) {
  auto in = gpu_inputs();
  in.mounts = {{"/data/a,b", "/data", false}};
  auto text = render::devcontainer_json(in);
  // JSON escapes the quotes Docker's CSV reader needs around the field.
  EXPECT_TRUE(contains(text, R"("\"source=/data/a,b\",target=/data,type=bind")")) << text;
}

TEST(RenderDevcontainer, EnvValuesKeepTheirEqualsSigns) {
  auto in = gpu_inputs();
  in.env = {"OPTS=a=b", "EMPTY="};
  auto text = render::devcontainer_json(in);
  EXPECT_TRUE(contains(text, R"("OPTS": "a=b")")) << text;
  EXPECT_TRUE(contains(text, R"("EMPTY": "")")) << text;
}

TEST(RenderDevcontainer, RecognisesItsOwnFilesOnly) {
  EXPECT_TRUE(render::is_dlenv_devcontainer(render::devcontainer_json(gpu_inputs())));
  EXPECT_TRUE(render::is_dlenv_devcontainer(
      "// edited\n{\n  \"//\": \"generated by dlenv export devcontainer for env 'x'\", /* c */ \"image\": \"x\"\n}\n"));
  EXPECT_FALSE(render::is_dlenv_devcontainer("{\n  // mine\n  \"image\": \"python:3.12\"\n}\n"));
  EXPECT_FALSE(render::is_dlenv_devcontainer("{\"//\": \"my notes\"}"));
  EXPECT_FALSE(render::is_dlenv_devcontainer("not json"));
  EXPECT_FALSE(render::is_dlenv_devcontainer(""));
}
