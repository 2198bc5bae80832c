#include "host/gpu_probe.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_driver_tree.hpp"
#include "host/gpu_facts_json.hpp"
#include "test_settings.hpp"

using dlenv::testing::settings_from_environment;

using namespace dlenv;
using dlenv::testing::FakeDriverTree;
using dlenv::testing::ScopedEnv;

namespace {

bool has_note(const host::GpuFacts& facts, std::string_view needle) {
  return std::any_of(facts.notes.begin(), facts.notes.end(),
                     [&](const std::string& n) { return n.find(needle) != std::string::npos; });
}

std::string all_notes(const host::GpuFacts& facts) {
  std::string s;
  for (const auto& n : facts.notes) s += n + "\n";
  return s;
}

host::ProbeOptions options_for(const FakeDriverTree& tree) {
  host::ProbeOptions o;
  o.root = tree.root();
  return o;
}

}  // namespace

TEST(ProcDriverVersion, ReadsTheProprietaryModuleLine) {
  auto v = host::parse_proc_driver_version(dlenv::testing::proc_version_text("580.65.06"));
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "580.65.06");
}

TEST(ProcDriverVersion, ReadsTheOpenModuleLine) {
  auto v = host::parse_proc_driver_version(
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.133.20  Release Build  "
      "(dvs-builder@U16-I3-B03-4-3)  Tue Mar 25 12:00:00 UTC 2025\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "570.133.20");
}

TEST(ProcDriverVersion, NothingInOtherText) {
  EXPECT_FALSE(host::parse_proc_driver_version(""));
  EXPECT_FALSE(host::parse_proc_driver_version("GCC version: gcc version 12.2.0\n"));
  EXPECT_FALSE(host::parse_proc_driver_version("NVRM version: NVIDIA UNIX x86_64 Kernel Module\n"));
}

TEST(CudaVersionFromInt, DecodesTheDriverApiEncoding) {
  EXPECT_EQ(host::cuda_version_from_int(12040)->str(), "12.4");
  EXPECT_EQ(host::cuda_version_from_int(13000)->str(), "13.0");
  EXPECT_EQ(host::cuda_version_from_int(11080)->str(), "11.8");
  EXPECT_FALSE(host::cuda_version_from_int(0));
}

TEST(NvidiaSmiCsv, ReadsTwoGpusWithComputeCapabilitiesAndMemory) {
  std::vector<std::string> notes;
  auto gpus = host::parse_nvidia_smi_csv(dlenv::testing::two_gpu_csv(), true, notes);
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[0].index, 0);
  EXPECT_EQ(gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(gpus[0].uuid, dlenv::testing::kH100Uuid);
  EXPECT_EQ(gpus[0].compute_capability.str(), "9.0");
  EXPECT_EQ(gpus[0].memory_mib, 81559);
  EXPECT_EQ(gpus[0].source, "nvidia-smi");
  EXPECT_EQ(gpus[1].index, 1);
  EXPECT_EQ(gpus[1].name, "Tesla T4");
  EXPECT_EQ(gpus[1].uuid, dlenv::testing::kT4Uuid);
  EXPECT_EQ(gpus[1].compute_capability.str(), "7.5");
  EXPECT_EQ(gpus[1].memory_mib, 15360);
  EXPECT_TRUE(notes.empty());
}

TEST(NvidiaSmiCsv, NotAvailableFieldsAreEmptyAndBadLinesAreNoted) {
  std::vector<std::string> notes;
  auto gpus = host::parse_nvidia_smi_csv(
      "0, NVIDIA A100-SXM4-40GB, GPU-a, [N/A], [N/A]\n"
      "garbage\n"
      "1, Weird, Name, With Commas, GPU-b, 8.0, 40960\n",
      true, notes);
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_TRUE(gpus[0].compute_capability.empty());
  EXPECT_EQ(gpus[0].memory_mib, 0);
  EXPECT_EQ(gpus[1].name, "Weird, Name, With Commas");
  EXPECT_EQ(gpus[1].uuid, "GPU-b");
  EXPECT_EQ(gpus[1].compute_capability.str(), "8.0");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("garbage"), std::string::npos);
}

TEST(NvidiaSmiCsv, ReadsRowsWithoutComputeCap) {
  std::vector<std::string> notes;
  auto gpus = host::parse_nvidia_smi_csv("0, Tesla V100-SXM2-16GB, GPU-v, 16160\n", false, notes);
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0].uuid, "GPU-v");
  EXPECT_TRUE(gpus[0].compute_capability.empty());
  EXPECT_EQ(gpus[0].memory_mib, 16160);
}

TEST(NvidiaSmiHeader, ReadsDriverAndCudaVersions) {
  auto h = host::parse_nvidia_smi_header(dlenv::testing::smi_header_text("580.65.06", "13.0"));
  ASSERT_TRUE(h.driver_version);
  EXPECT_EQ(*h.driver_version, "580.65.06");
  ASSERT_TRUE(h.cuda_version);
  EXPECT_EQ(h.cuda_version->str(), "13.0");
  auto none = host::parse_nvidia_smi_header("No devices were found\n");
  EXPECT_FALSE(none.driver_version);
  EXPECT_FALSE(none.cuda_version);
}

TEST(ProbeGpus, NoDriverIsNulloptWithANote) {
  FakeDriverTree tree;
  tree.make_dir("root");
  auto facts = host::probe_gpus(options_for(tree));
  EXPECT_FALSE(facts.driver);
  EXPECT_TRUE(facts.gpus.empty());
  EXPECT_EQ(facts.origin, "probe");
  EXPECT_TRUE(has_note(facts, "no NVIDIA driver found")) << all_notes(facts);
  EXPECT_TRUE(has_note(facts, "/proc/driver/nvidia/version: not found")) << all_notes(facts);
  EXPECT_TRUE(has_note(facts, "nvidia-smi: not found under")) << all_notes(facts);
  EXPECT_TRUE(has_note(facts, "not used (host root is")) << all_notes(facts);
}

TEST(ProbeGpus, ProcAloneGivesTheDriverVersionButNoCudaLevel) {
  FakeDriverTree tree;
  tree.proc_version("580.65.06");
  auto facts = host::probe_gpus(options_for(tree));
  ASSERT_TRUE(facts.driver);
  EXPECT_EQ(facts.driver->version_string(), "580.65.06");
  EXPECT_EQ(facts.driver->version, *Version::parse("580.65.6"));
  EXPECT_EQ(facts.driver->version_source, "/proc/driver/nvidia/version");
  EXPECT_TRUE(facts.driver->cuda_driver_version.empty());
  EXPECT_TRUE(has_note(facts, "CUDA level of the driver is unknown")) << all_notes(facts);
}

TEST(ProbeGpus, NvidiaSmiUnderTheRootGivesGpusAndCudaLevel) {
  FakeDriverTree tree;
  tree.proc_version("580.65.06");
  tree.nvidia_smi(dlenv::testing::two_gpu_csv(), dlenv::testing::smi_header_text("580.65.06", "13.0"));
  auto facts = host::probe_gpus(options_for(tree));
  ASSERT_TRUE(facts.driver) << all_notes(facts);
  EXPECT_EQ(facts.driver->version_string(), "580.65.06");
  EXPECT_EQ(facts.driver->version_source, "/proc/driver/nvidia/version");
  EXPECT_EQ(facts.driver->cuda_driver_version.str(), "13.0");
  EXPECT_EQ(facts.driver->cuda_source, "nvidia-smi");
  ASSERT_EQ(facts.gpus.size(), 2u) << all_notes(facts);
  EXPECT_EQ(facts.gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(facts.gpus[0].compute_capability.str(), "9.0");
  EXPECT_EQ(facts.gpus[0].memory_mib, 81559);
  EXPECT_EQ(facts.gpus[1].name, "Tesla T4");
  EXPECT_EQ(facts.gpus[1].compute_capability.str(), "7.5");
  EXPECT_EQ(facts.gpus[1].memory_mib, 15360);
}

TEST(ProbeGpus, NvidiaSmiHeaderGivesTheDriverWithoutProc) {
  FakeDriverTree tree;
  tree.nvidia_smi(dlenv::testing::two_gpu_csv(), dlenv::testing::smi_header_text("535.183.01", "12.2"));
  auto facts = host::probe_gpus(options_for(tree));
  ASSERT_TRUE(facts.driver) << all_notes(facts);
  EXPECT_EQ(facts.driver->version_string(), "535.183.01");
  EXPECT_EQ(facts.driver->version_source, "nvidia-smi");
  EXPECT_EQ(facts.driver->cuda_driver_version.str(), "12.2");
}

TEST(ProbeGpus, OldDriverWithoutComputeCapFieldIsAskedAgain) {
  FakeDriverTree tree;
  tree.proc_version("470.82.01");
  tree.script(
      "case \"$1\" in\n"
      "  *compute_cap*) echo 'Field \"compute_cap\" is not a valid field to query.'; exit 2 ;;\n"
      "  --query-gpu=*) echo '0, Tesla V100-SXM2-16GB, GPU-v100, 16160' ;;\n"
      "  *) echo '| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |' ;;\n"
      "esac\n");
  auto facts = host::probe_gpus(options_for(tree));
  ASSERT_EQ(facts.gpus.size(), 1u) << all_notes(facts);
  EXPECT_EQ(facts.gpus[0].uuid, "GPU-v100");
  EXPECT_TRUE(facts.gpus[0].compute_capability.empty());
  EXPECT_EQ(facts.gpus[0].memory_mib, 16160);
  ASSERT_TRUE(facts.driver);
  EXPECT_EQ(facts.driver->cuda_driver_version.str(), "11.4");
  EXPECT_TRUE(has_note(facts, "does not report compute_cap")) << all_notes(facts);
}

TEST(ProbeGpus, FailingNvidiaSmiIsANoteNotAnError) {
  FakeDriverTree tree;
  tree.script(
      "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\n"
      "exit 9\n");
  auto facts = host::probe_gpus(options_for(tree));
  EXPECT_FALSE(facts.driver);
  EXPECT_TRUE(facts.gpus.empty());
  EXPECT_TRUE(has_note(facts, "nvidia-smi: exited with 9: NVIDIA-SMI has failed")) << all_notes(facts);
}

TEST(ProbeGpus, NvidiaSmiOnPathIsLookedForUnderTheRoot) {
  FakeDriverTree tree;
  tree.proc_version("580.65.06");
  tree.nvidia_smi(dlenv::testing::two_gpu_csv(), dlenv::testing::smi_header_text("580.65.06", "13.0"));
  // Move it to a directory that is only reachable through PATH.
  std::filesystem::create_directories(tree.root() / "opt/nv/bin");
  std::filesystem::rename(tree.root() / "usr/bin/nvidia-smi", tree.root() / "opt/nv/bin/nvidia-smi");
  {
    ScopedEnv path("PATH", "/opt/nv/bin:/usr/bin:/bin");
    auto facts = host::probe_gpus(options_for(tree));
    EXPECT_EQ(facts.gpus.size(), 2u) << all_notes(facts);
  }
  {
    ScopedEnv path("PATH", "/usr/bin:/bin");
    auto facts = host::probe_gpus(options_for(tree));
    EXPECT_TRUE(facts.gpus.empty());
    EXPECT_TRUE(has_note(facts, "nvidia-smi: not found under")) << all_notes(facts);
  }
}

TEST(ProbeGpus, NvidiaSmiCanBeTurnedOff) {
  FakeDriverTree tree;
  tree.proc_version("580.65.06");
  tree.nvidia_smi(dlenv::testing::two_gpu_csv(), dlenv::testing::smi_header_text("580.65.06", "13.0"));
  auto options = options_for(tree);
  options.use_nvidia_smi = false;
  auto facts = host::probe_gpus(options);
  EXPECT_TRUE(facts.gpus.empty());
  EXPECT_TRUE(has_note(facts, "nvidia-smi: not used")) << all_notes(facts);
}

TEST(ProbeGpus, HostRootComesFromTheEnvironment) {
  FakeDriverTree tree;
  tree.proc_version("580.65.06");
  tree.nvidia_smi(dlenv::testing::two_gpu_csv(), dlenv::testing::smi_header_text("580.65.06", "13.0"));
  ScopedEnv root("DLENV_HOST_ROOT", tree.root().string());
  ScopedEnv no_file("DLENV_HOST_FACTS", std::nullopt);
  EXPECT_EQ(host::probe_options(settings_from_environment()).root, tree.root());
  auto facts = host::gpu_facts_for_host(settings_from_environment());
  ASSERT_TRUE(facts);
  ASSERT_TRUE(facts->driver) << all_notes(*facts);
  EXPECT_EQ(facts->driver->version_string(), "580.65.06");
  EXPECT_EQ(facts->gpus.size(), 2u);
  EXPECT_EQ(facts->origin, "probe");
}

TEST(ResolveInRoot, AbsoluteLinksStayInsideTheRoot) {
  FakeDriverTree tree;
  tree.file("/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.580.65.06");
  tree.link("/etc/alternatives/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.1");
  tree.link("/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.1", "libcuda.so.580.65.06");
  tree.link("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/etc/alternatives/libcuda.so.1");
  tree.link("/usr/lib/x86_64-linux-gnu/loop", "loop");
  EXPECT_EQ(host::resolve_in_root(tree.root(), "/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
            "/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.580.65.06");
  EXPECT_FALSE(host::resolve_in_root(tree.root(), "/usr/lib/x86_64-linux-gnu/loop"));
  EXPECT_FALSE(host::resolve_in_root(tree.root(), "/usr/lib/missing"));
  EXPECT_EQ(host::under_root(tree.root(), "/dev/nvidia0"), tree.root() / "dev/nvidia0");
  EXPECT_EQ(host::under_root("/", "/dev/nvidia0"), "/dev/nvidia0");
}
