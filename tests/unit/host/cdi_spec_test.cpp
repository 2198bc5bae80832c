#include "host/cdi_spec.hpp"

#include <gtest/gtest.h>

#include "fake_driver_tree.hpp"
#include "host/driver_files.hpp"

using namespace dlenv;
using dlenv::testing::FakeDriverTree;

namespace {

host::GpuFacts two_gpus() {
  host::GpuFacts f;
  host::GpuDriver d;
  d.version = *Version::parse("580.65.06");
  d.version_text = "580.65.06";
  d.cuda_driver_version = *Version::parse("13.0");
  f.driver = d;
  f.gpus.push_back({0, "NVIDIA H100 80GB HBM3", dlenv::testing::kH100Uuid, *Version::parse("9.0"), 81559, "nvml"});
  f.gpus.push_back({1, "Tesla T4", dlenv::testing::kT4Uuid, *Version::parse("7.5"), 15360, "nvml"});
  return f;
}

void install_driver(const FakeDriverTree& tree) {
  for (const char* node : {"nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", "nvidia0", "nvidia1"})
    tree.device(node);
  tree.library("/usr/lib/x86_64-linux-gnu", "libcuda", "580.65.06");
  tree.library("/usr/lib/x86_64-linux-gnu", "libnvidia-ml", "580.65.06");
  tree.library("/usr/lib64", "libnvidia-ptxjitcompiler", "580.65.06");
  tree.file("/usr/bin/nvidia-smi");
}

// The text of the device entry named `name`, up to the next entry or the spec-wide edits.
std::string device_entry(const std::string& yaml, const std::string& name) {
  auto at = yaml.find("  - name: \"" + name + "\"\n");
  if (at == std::string::npos) return {};
  auto end = yaml.find("  - name: ", at + 1);
  auto edits = yaml.find("\ncontainerEdits:", at);
  end = std::min(end == std::string::npos ? yaml.size() : end, edits == std::string::npos ? yaml.size() : edits);
  return yaml.substr(at, end - at);
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(CdiSpec, HasTheHeaderAndADevicePerGpuByIndexAndUuid) {
  FakeDriverTree tree;
  install_driver(tree);
  auto facts = two_gpus();
  auto files = host::discover_driver_files(facts, tree.root());
  std::string yaml = host::cdi_spec_yaml(files, facts);

  EXPECT_NE(yaml.find("\ncdiVersion: \"0.5.0\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("\nkind: \"nvidia.com/gpu\"\ndevices:\n"), std::string::npos) << yaml;

  std::string h100 = device_entry(yaml, "0");
  EXPECT_NE(h100.find("- path: \"/dev/nvidia0\""), std::string::npos) << yaml;
  EXPECT_EQ(h100.find("/dev/nvidia1"), std::string::npos) << h100;
  std::string h100_uuid = device_entry(yaml, dlenv::testing::kH100Uuid);
  EXPECT_NE(h100_uuid.find("- path: \"/dev/nvidia0\""), std::string::npos) << yaml;
  std::string t4 = device_entry(yaml, "1");
  EXPECT_NE(t4.find("- path: \"/dev/nvidia1\""), std::string::npos) << yaml;
  std::string t4_uuid = device_entry(yaml, dlenv::testing::kT4Uuid);
  EXPECT_NE(t4_uuid.find("- path: \"/dev/nvidia1\""), std::string::npos) << yaml;
  std::string all = device_entry(yaml, "all");
  EXPECT_NE(all.find("/dev/nvidia0"), std::string::npos) << yaml;
  EXPECT_NE(all.find("/dev/nvidia1"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("# GPU 1: Tesla T4\n"), std::string::npos) << yaml;
  EXPECT_EQ(count(yaml, "  - name: "), 5u) << yaml;
}

TEST(CdiSpec, ContainerEditsHoldEveryControlNodeAndMount) {
  FakeDriverTree tree;
  install_driver(tree);
  auto facts = two_gpus();
  auto files = host::discover_driver_files(facts, tree.root());
  ASSERT_EQ(files.control_nodes.size(), 4u);
  ASSERT_GE(files.libraries.size(), 6u);  // three libraries, each versioned + soname
  ASSERT_EQ(files.binaries.size(), 1u);
  std::string yaml = host::cdi_spec_yaml(files, facts);

  auto edits_at = yaml.find("\ncontainerEdits:\n");
  ASSERT_NE(edits_at, std::string::npos) << yaml;
  std::string edits = yaml.substr(edits_at);
  for (const auto& node : files.control_nodes)
    EXPECT_NE(edits.find("    - path: \"" + node + "\"\n"), std::string::npos) << node << "\n" << yaml;
  for (const auto& m : files.mounts()) {
    std::string entry = "    - hostPath: \"" + m.host_path + "\"\n      containerPath: \"" + m.container_path +
                        "\"\n      options: [\"ro\", \"nosuid\", \"nodev\", \"bind\"]\n";
    EXPECT_NE(edits.find(entry), std::string::npos) << entry << "\n" << yaml;
  }
  EXPECT_NE(edits.find("hostPath: \"/usr/lib64/libnvidia-ptxjitcompiler.so.580.65.06\"\n      containerPath: "
                       "\"/usr/lib/x86_64-linux-gnu/libnvidia-ptxjitcompiler.so.1\""),
            std::string::npos)
      << yaml;
  EXPECT_EQ(count(yaml, "hostPath: "), files.mounts().size());
  EXPECT_EQ(yaml.find("hooks"), std::string::npos);
  EXPECT_EQ(yaml.find(tree.root().string()), std::string::npos) << yaml;
}

TEST(CdiSpec, WithoutGpuNodesAllStillHasADeviceNode) {
  FakeDriverTree tree;
  tree.device("nvidiactl");
  host::GpuFacts none;
  auto files = host::discover_driver_files(none, tree.root());
  std::string yaml = host::cdi_spec_yaml(files, none);
  std::string all = device_entry(yaml, "all");
  EXPECT_NE(all.find("- path: \"/dev/nvidiactl\""), std::string::npos) << yaml;
  EXPECT_EQ(count(yaml, "  - name: "), 1u) << yaml;
}

TEST(CdiSpec, StringsAreQuotedForYaml) {
  host::DriverFiles files;
  files.control_nodes = {"/dev/nvidiactl"};
  files.libraries = {{"/opt/odd \"dir\"\\x/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}};
  std::string yaml = host::cdi_spec_yaml(files, host::GpuFacts{});
  EXPECT_NE(yaml.find(R"(hostPath: "/opt/odd \"dir\"\\x/libcuda.so.1")"), std::string::npos) << yaml;
}
