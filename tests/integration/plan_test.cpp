// plan, host, doctor and gpu cdi through the built binary: facts files stand in for GPU
// servers (this machine has no NVIDIA driver), a fake driver tree for the probe.
#include <sys/stat.h>

#include "harness.hpp"

namespace dlenv::itest {
namespace {

std::string facts(const std::string& driver, const std::string& cuda, const std::string& name, const std::string& cc) {
  return json{{"driver_version", driver},
              {"cuda_driver_version", cuda},
              {"gpus", json::array({{{"index", 0}, {"name", name}, {"uuid", "GPU-5b1c2d3e-0000-1111-2222-333344445555"},
                                     {"compute_capability", cc}, {"memory_mib", 16384}}})}}
      .dump();
}

class PlanTest : public DlenvTest {
 protected:
  Outcome plan_for(const std::string& host_json, const std::vector<std::string>& args) {
    auto file = root / "host.json";
    write_text(file, host_json);
    std::vector<std::string> all = {"plan", "--json", "--host", file.string()};
    all.insert(all.end(), args.begin(), args.end());
    return dlenv(all);
  }
};

TEST_F(PlanTest, PyTorch231OnAGtx1080WithDriver470GetsCuda118) {
  auto r = plan_for(facts("470.82.01", "11.4", "NVIDIA GeForce GTX 1080", "6.1"), {"--framework", "torch==2.3.1"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto p = r.parsed();
  EXPECT_TRUE(p["ok"].get<bool>());
  EXPECT_EQ(p["framework"]["name"], "torch");
  EXPECT_EQ(p["framework"]["version"], "2.3.1");
  EXPECT_EQ(p["cuda"].get<std::string>().substr(0, 4), "11.8");
  EXPECT_NE(p["index_urls"].dump().find("cu118"), std::string::npos) << p.dump(2);
  EXPECT_NE(p["packages"].dump().find("torch==2.3.1"), std::string::npos);
  EXPECT_FALSE(p["reasons"].empty());
  EXPECT_FALSE(p["layers"].empty());
  EXPECT_EQ(p["layers"][1]["kind"], "framework");
  for (const char* key : {"cudnn", "python", "base_image", "warnings", "alternatives"}) EXPECT_TRUE(p.contains(key)) << key;
}

TEST_F(PlanTest, PyTorch23OnAnRtx5090IsImpossibleAndSaysWhatWouldWork) {
  auto r = plan_for(facts("575.57.08", "12.9", "NVIDIA GeForce RTX 5090", "12.0"), {"--framework", "torch==2.3.*"});
  EXPECT_EQ(r.code, 4) << r.err;
  auto p = r.parsed();
  EXPECT_FALSE(p["ok"].get<bool>());
  EXPECT_FALSE(p["failed_constraint"].get<std::string>().empty());
  EXPECT_NE(p["alternatives"].dump().find("2.7"), std::string::npos) << p["alternatives"].dump(2);
}

TEST_F(PlanTest, TensorFlow115OnAnH100UsesNvidiasTf1Container) {
  auto r = plan_for(facts("550.54.15", "12.4", "NVIDIA H100 80GB HBM3", "9.0"), {"--framework", "tensorflow==1.15.*"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto p = r.parsed();
  EXPECT_TRUE(p["base_image"].get<std::string>().starts_with("nvcr.io/nvidia/tensorflow:")) << p["base_image"];
  EXPECT_EQ(p["variant"], "ngc-tf1");
}

TEST_F(PlanTest, TheFactsFileCanComeFromTheEnvironment) {
  auto file = root / "v100.json";
  write_text(file, facts("570.133.20", "12.8", "Tesla V100-SXM2-16GB", "7.0"));
  auto r = dlenv({"plan", "--json", "--framework", "torch==2.8.*"}, {"DLENV_HOST_FACTS=" + file.string()});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.parsed()["cuda"].get<std::string>().substr(0, 4), "12.6");
}

TEST_F(PlanTest, HostJsonSavedOnOneMachinePlansOnAnother) {
  auto r = dlenv({"host", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto saved = r.parsed();
  EXPECT_TRUE(saved.contains("driver_version"));
  EXPECT_TRUE(saved.contains("gpus"));
  EXPECT_EQ(saved["engine"]["endpoint"], "unix:///var/run/docker.sock");
  EXPECT_FALSE(saved["engine"]["runtimes"].empty());
  write_text(root / "this-host.json", r.out);
  auto plan = dlenv({"plan", "--json", "--framework", "torch==2.3.1", "--host", (root / "this-host.json").string()});
  ASSERT_EQ(plan.code, 0) << plan.err << plan.out;
  if (saved["driver_version"].is_null()) EXPECT_TRUE(plan.parsed()["cuda"].is_null()) << "no driver: a CPU build";
}

TEST_F(PlanTest, ABrokenFactsFileNamesTheKey) {
  write_text(root / "bad.json", R"({"driver_version": "580.65.06", "cuda_driver_version": "13.0", "gpus": [{"index": "zero"}]})");
  auto r = dlenv({"plan", "--framework", "torch", "--host", (root / "bad.json").string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("gpus[0]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
}

TEST_F(PlanTest, TheProbeReadsAFakeDriverTreeAndGpuCdiDescribesIt) {
  fs::path tree = root / "tree";
  write_text(tree / "proc/driver/nvidia/version",
             "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 07:09:48 UTC 2025\n");
  write_text(tree / "usr/bin/nvidia-smi",
             "#!/bin/sh\ncase \"$*\" in\n  *--query-gpu*) echo '0, NVIDIA H100 80GB HBM3, GPU-aaaaaaaa-0000-1111-2222-333344445555, 9.0, 81559' ;;\n"
             "  *) echo '| NVIDIA-SMI 580.65.06    Driver Version: 580.65.06    CUDA Version: 13.0 |' ;;\nesac\n");
  ::chmod((tree / "usr/bin/nvidia-smi").c_str(), 0755);
  write_text(tree / "dev/nvidiactl", "");
  write_text(tree / "dev/nvidia0", "");
  write_text(tree / "usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06", "fake");
  auto r = dlenv({"host", "--json"}, {"DLENV_HOST_ROOT=" + tree.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto h = r.parsed();
  EXPECT_EQ(h["driver_version"], "580.65.06");
  EXPECT_EQ(h["cuda_driver_version"], "13.0");
  ASSERT_EQ(h["gpus"].size(), 1u);
  EXPECT_EQ(h["gpus"][0]["compute_capability"], "9.0");
  EXPECT_EQ(h["gpus"][0]["memory_mib"], 81559);
  auto cdi = dlenv({"gpu", "cdi"}, {"DLENV_HOST_ROOT=" + tree.string()});
  ASSERT_EQ(cdi.code, 0) << cdi.err;
  EXPECT_NE(cdi.out.find("nvidia.com/gpu"), std::string::npos);
  EXPECT_NE(cdi.out.find("/dev/nvidia0"), std::string::npos);
  EXPECT_NE(cdi.out.find("libcuda.so.580.65.06"), std::string::npos);
  EXPECT_NE(cdi.out.find("GPU-aaaaaaaa-0000-1111-2222-333344445555"), std::string::npos);
}

TEST_F(PlanTest, DoctorReportsEveryCheckAndItsExitStatusFollowsFailures) {
  auto r = dlenv({"doctor", "--json"});
  auto d = r.parsed();
  bool any_fail = false;
  std::set<std::string> names;
  for (const auto& c : d["checks"]) {
    names.insert(c["name"]);
    if (c["status"] == "fail") any_fail = true;
    if (c["status"] != "ok") EXPECT_FALSE(c["remedy"].get<std::string>().empty() && c["status"] != "skip") << c.dump();
  }
  EXPECT_EQ(d["ok"].get<bool>(), !any_fail);
  EXPECT_EQ(r.code, any_fail ? 1 : 0);
  for (const char* name : {"engine", "runc", "loopback-ports", "disk", "nvidia-driver", "state-dir"}) EXPECT_TRUE(names.count(name)) << name;
}

}  // namespace
}  // namespace dlenv::itest
