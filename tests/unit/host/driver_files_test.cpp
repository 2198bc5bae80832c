#include "host/driver_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_driver_tree.hpp"

using namespace dlenv;
using dlenv::testing::FakeDriverTree;

namespace {

host::GpuFacts facts_580() {
  host::GpuFacts f;
  host::GpuDriver d;
  d.version = *Version::parse("580.65.06");
  d.version_text = "580.65.06";
  d.cuda_driver_version = *Version::parse("13.0");
  d.version_source = "/proc/driver/nvidia/version";
  d.cuda_source = "nvidia-smi";
  f.driver = d;
  f.gpus.push_back({0, "NVIDIA H100 80GB HBM3", dlenv::testing::kH100Uuid, *Version::parse("9.0"), 81559, "nvidia-smi"});
  f.gpus.push_back({1, "Tesla T4", dlenv::testing::kT4Uuid, *Version::parse("7.5"), 15360, "nvidia-smi"});
  f.origin = "probe";
  return f;
}

std::optional<host::DriverMount> mount_at(const host::DriverFiles& files, const std::string& container_path) {
  for (const auto& m : files.mounts())
    if (m.container_path == container_path) return m;
  return std::nullopt;
}

bool any_host_path_contains(const host::DriverFiles& files, std::string_view needle) {
  auto all = files.mounts();
  return std::any_of(all.begin(), all.end(),
                     [&](const auto& m) { return m.host_path.find(needle) != std::string::npos; });
}

bool has_note(const host::DriverFiles& files, std::string_view needle) {
  return std::any_of(files.notes.begin(), files.notes.end(),
                     [&](const std::string& n) { return n.find(needle) != std::string::npos; });
}

std::string describe(const host::DriverFiles& files) {
  std::string s;
  for (const auto& m : files.mounts()) s += m.host_path + " -> " + m.container_path + "\n";
  for (const auto& n : files.notes) s += "note: " + n + "\n";
  return s;
}

}  // namespace

TEST(DriverFiles, LibrariesMatchOnlyTheInstalledDriverVersion) {
  FakeDriverTree tree;
  const std::string lib = "/usr/lib/x86_64-linux-gnu";
  tree.library(lib, "libcuda", "580.65.06");
  tree.link(lib + "/libcuda.so", "libcuda.so.1");
  tree.library(lib, "libnvidia-ml", "580.65.06");
  tree.library(lib, "libnvidia-ptxjitcompiler", "580.65.06");
  tree.library(lib, "libnvidia-nvvm", "580.65.06", "4");
  tree.library(lib, "libnvidia-gpucomp", "580.65.06", "");
  // Left over from an older driver, in a directory searched before nvidia/current would be.
  tree.library("/usr/lib64", "libcuda", "470.82.01");
  tree.file(lib + "/libnvidia-ml.so.470.82.01");

  auto files = host::discover_driver_files(facts_580(), tree.root());
  EXPECT_EQ(files.driver_version, "580.65.06");

  auto cuda = mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06");
  ASSERT_TRUE(cuda) << describe(files);
  EXPECT_EQ(cuda->host_path, "/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06");
  for (const char* link : {"libcuda.so.1", "libcuda.so", "libnvidia-ml.so.1", "libnvidia-ptxjitcompiler.so.1",
                           "libnvidia-nvvm.so.4", "libnvidia-gpucomp.so.580.65.06"}) {
    auto m = mount_at(files, std::string("/usr/lib/x86_64-linux-gnu/") + link);
    ASSERT_TRUE(m) << link << "\n" << describe(files);
    EXPECT_NE(m->host_path.find(".so.580.65.06"), std::string::npos) << link;
  }
  EXPECT_EQ(mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so.1")->host_path,
            "/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06");
  EXPECT_FALSE(any_host_path_contains(files, "470")) << describe(files);
  EXPECT_FALSE(mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so.470.82.01"));
  EXPECT_TRUE(has_note(files, "skipped /usr/lib64/libcuda.so.470.82.01: not the installed driver 580.65.06"))
      << describe(files);
  // Paths are the host's, never the root's.
  EXPECT_FALSE(any_host_path_contains(files, tree.root().string())) << describe(files);
}

TEST(DriverFiles, StaleVersionIsNotPickedEvenWhenItIsTheOnlyOne) {
  FakeDriverTree tree;
  tree.library("/usr/lib/x86_64-linux-gnu", "libcuda", "470.82.01");
  auto files = host::discover_driver_files(facts_580(), tree.root());
  EXPECT_TRUE(files.libraries.empty()) << describe(files);
  EXPECT_TRUE(has_note(files, "libcuda.so.580.65.06 not found")) << describe(files);
}

TEST(DriverFiles, LinksToAStaleVersionAreNotMounted) {
  FakeDriverTree tree;
  tree.library("/usr/lib/x86_64-linux-gnu", "libcuda", "580.65.06");
  tree.library("/usr/lib64", "libcuda", "470.82.01", "");
  tree.link("/usr/lib64/libcuda.so", "libcuda.so.470.82.01");
  auto files = host::discover_driver_files(facts_580(), tree.root());
  EXPECT_TRUE(mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so.1")) << describe(files);
  EXPECT_FALSE(mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so")) << describe(files);
}

TEST(DriverFiles, DebianLayoutThroughAlternativesLinks) {
  FakeDriverTree tree;
  const std::string cur = "/usr/lib/x86_64-linux-gnu/nvidia/current";
  tree.library(cur, "libcuda", "580.65.06");
  tree.link("/etc/alternatives/nvidia--libcuda.so.1-x86_64-linux-gnu", cur + "/libcuda.so.1");
  tree.link("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/etc/alternatives/nvidia--libcuda.so.1-x86_64-linux-gnu");
  // A 32-bit copy under /usr/lib is skipped.
  tree.file("/usr/lib/libcuda.so.580.65.06", std::string("\x7f" "ELF\x01\x01\x01", 7));

  auto files = host::discover_driver_files(facts_580(), tree.root());
  auto versioned = mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06");
  ASSERT_TRUE(versioned) << describe(files);
  EXPECT_EQ(versioned->host_path, cur + "/libcuda.so.580.65.06");
  auto soname = mount_at(files, "/usr/lib/x86_64-linux-gnu/libcuda.so.1");
  ASSERT_TRUE(soname) << describe(files);
  EXPECT_EQ(soname->host_path, cur + "/libcuda.so.580.65.06");
  EXPECT_TRUE(has_note(files, "skipped /usr/lib/libcuda.so.580.65.06: a 32-bit library")) << describe(files);
}

TEST(DriverFiles, DeviceNodesThatExist) {
  FakeDriverTree tree;
  tree.device("nvidiactl");
  tree.device("nvidia-uvm");
  tree.device("nvidia-uvm-tools");
  tree.device("nvidia0");
  tree.device("nvidia1");
  tree.device("nvidia7");  // not one of the facts' GPUs
  // The T4 has minor 0 and the H100 minor 1 (device minors need not follow the index).
  tree.proc_gpu_information("0000:3b:00.0", dlenv::testing::kT4Uuid, 0);
  tree.proc_gpu_information("0000:86:00.0", dlenv::testing::kH100Uuid, 1);

  auto files = host::discover_driver_files(facts_580(), tree.root());
  EXPECT_EQ(files.control_nodes,
            (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}));
  EXPECT_TRUE(has_note(files, "/dev/nvidia-modeset does not exist"));
  ASSERT_EQ(files.gpu_nodes.size(), 2u);
  EXPECT_EQ(files.gpu_nodes[0].index, 0);
  EXPECT_EQ(files.gpu_nodes[0].uuid, dlenv::testing::kH100Uuid);
  EXPECT_EQ(files.gpu_nodes[0].path, "/dev/nvidia1");
  EXPECT_EQ(files.gpu_nodes[1].index, 1);
  EXPECT_EQ(files.gpu_nodes[1].path, "/dev/nvidia0");
}

TEST(DriverFiles, WithoutMinorsTheIndexIsTheNodeAndMissingNodesAreNoted) {
  FakeDriverTree tree;
  tree.device("nvidiactl");
  tree.device("nvidia0");
  auto files = host::discover_driver_files(facts_580(), tree.root());
  ASSERT_EQ(files.gpu_nodes.size(), 1u);
  EXPECT_EQ(files.gpu_nodes[0].path, "/dev/nvidia0");
  EXPECT_TRUE(has_note(files, "assuming /dev/nvidia1"));
  EXPECT_TRUE(has_note(files, "GPU 1: /dev/nvidia1 does not exist"));
}

TEST(DriverFiles, BinariesAreMountedAtTheirHostPath) {
  FakeDriverTree tree;
  tree.file("/usr/bin/nvidia-smi");
  tree.file("/usr/lib/nvidia/current/nvidia-debugdump");
  tree.link("/usr/bin/nvidia-debugdump", "/usr/lib/nvidia/current/nvidia-debugdump");
  tree.file("/usr/sbin/nvidia-persistenced");
  auto files = host::discover_driver_files(facts_580(), tree.root());
  ASSERT_EQ(files.binaries.size(), 3u) << describe(files);
  EXPECT_EQ(files.binaries[0], (host::DriverMount{"/usr/bin/nvidia-smi", "/usr/bin/nvidia-smi"}));
  EXPECT_EQ(files.binaries[1],
            (host::DriverMount{"/usr/lib/nvidia/current/nvidia-debugdump", "/usr/bin/nvidia-debugdump"}));
  EXPECT_EQ(files.binaries[2], (host::DriverMount{"/usr/sbin/nvidia-persistenced", "/usr/sbin/nvidia-persistenced"}));
}

TEST(DriverFiles, NoDriverMeansNoLibraries) {
  FakeDriverTree tree;
  tree.library("/usr/lib/x86_64-linux-gnu", "libcuda", "580.65.06");
  tree.device("nvidia0");
  host::GpuFacts none;
  auto files = host::discover_driver_files(none, tree.root());
  EXPECT_TRUE(files.libraries.empty());
  EXPECT_TRUE(files.driver_version.empty());
  EXPECT_TRUE(has_note(files, "no NVIDIA driver"));
  // Without a GPU list, /dev/nvidia<N> is taken as GPU N.
  ASSERT_EQ(files.gpu_nodes.size(), 1u);
  EXPECT_EQ(files.gpu_nodes[0].path, "/dev/nvidia0");
}
