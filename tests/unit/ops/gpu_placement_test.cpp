// Where GPUs come from: the nvidia runtime, a CDI spec, or direct injection from the driver
// files of a fake driver tree.
#include <gtest/gtest.h>

#include <algorithm>

#include "../host/fake_driver_tree.hpp"
#include "backends/docker/gpu_placement.hpp"

using namespace dlenv;
using Mode = engine::GpuAssignment::Mode;

namespace {

host::GpuFacts two_gpus() {
  host::GpuFacts f;
  f.driver = host::GpuDriver{*Version::parse("580.65.06"), *Version::parse("13.0"), "file", "file", ""};
  for (int i = 0; i < 2; ++i) {
    host::Gpu g;
    g.index = i;
    g.uuid = "GPU-" + std::to_string(i);
    g.compute_capability = *Version::parse("9.0");
    f.gpus.push_back(g);
  }
  return f;
}

engine::EngineDetails runc_only() {
  engine::EngineDetails d;
  d.runtimes = {"runc"};
  d.default_runtime = "runc";
  return d;
}

}  // namespace

TEST(GpuPlacement, NoGpusNoPlacement) {
  auto p = docker::place_gpus(runc_only(), two_gpus(), {}, false);
  EXPECT_EQ(p.assignment.mode, Mode::none);
  EXPECT_TRUE(p.how.empty());
}

TEST(GpuPlacement, TheNvidiaRuntimeGetsUuidsOrAll) {
  auto engine = runc_only();
  engine.runtimes.push_back("nvidia");
  auto facts = two_gpus();
  auto one = docker::place_gpus(engine, facts, {facts.gpus[1]}, false);
  EXPECT_EQ(one.assignment.mode, Mode::nvidia_runtime);
  EXPECT_EQ(one.assignment.device_ids, std::vector<std::string>{"GPU-1"});
  auto all = docker::place_gpus(engine, facts, facts.gpus, true);
  EXPECT_EQ(all.assignment.device_ids, std::vector<std::string>{"all"});
}

TEST(GpuPlacement, ACdiSpecForNvidiaGpusIsUsedWhenTheEngineReadsCdi) {
  dlenv::testing::ScratchDir root;
  root.write("etc/cdi/nvidia.yaml", "cdiVersion: \"0.5.0\"\nkind: \"nvidia.com/gpu\"\n");
  auto engine = runc_only();
  engine.cdi_spec_dirs = {"/etc/cdi", "/var/run/cdi"};
  auto facts = two_gpus();
  auto p = docker::place_gpus(engine, facts, {facts.gpus[0]}, false, root.path().string());
  EXPECT_EQ(p.assignment.mode, Mode::cdi);
  EXPECT_EQ(p.assignment.device_ids, std::vector<std::string>{"nvidia.com/gpu=GPU-0"});
  // Without the spec file, CDI is not an option.
  dlenv::testing::ScratchDir empty;
  EXPECT_EQ(docker::place_gpus(engine, facts, {facts.gpus[0]}, false, empty.path().string()).assignment.mode, Mode::direct);
}

TEST(GpuPlacement, DirectInjectionMapsNodesAndDriverLibrariesOfTheInstalledVersion) {
  dlenv::testing::FakeDriverTree tree;
  tree.device("nvidiactl");
  tree.device("nvidia-uvm");
  tree.device("nvidia0");
  tree.device("nvidia1");
  tree.library("/usr/lib/x86_64-linux-gnu", "libcuda", "580.65.06");
  tree.library("/usr/lib/x86_64-linux-gnu", "libnvidia-ml", "580.65.06");
  auto facts = two_gpus();
  auto p = docker::place_gpus(runc_only(), facts, {facts.gpus[1]}, false, tree.root().string());
  EXPECT_EQ(p.assignment.mode, Mode::direct);
  auto& nodes = p.assignment.device_nodes;
  EXPECT_NE(std::find(nodes.begin(), nodes.end(), "/dev/nvidiactl"), nodes.end());
  EXPECT_NE(std::find(nodes.begin(), nodes.end(), "/dev/nvidia1"), nodes.end());
  EXPECT_EQ(std::find(nodes.begin(), nodes.end(), "/dev/nvidia0"), nodes.end()) << "only the chosen GPU's node";
  auto has_mount = [&](const std::string& target) {
    return std::any_of(p.mounts.begin(), p.mounts.end(), [&](const auto& m) { return m.target == target && m.read_only; });
  };
  EXPECT_TRUE(has_mount("/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06"));
  EXPECT_TRUE(has_mount("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.580.65.06"));
}
