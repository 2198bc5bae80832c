// compat::resolve over the built-in knowledge base: a table of hosts × requests with the
// expected outcome, then focused tests on the reasons, warnings and alternatives.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "compat/knowledge_base.hpp"
#include "compat/resolver.hpp"
#include "util/text.hpp"

using namespace dlenv;
using namespace dlenv::compat;

namespace {

Version v(const char* s) { return *Version::parse(s); }

std::string str(const std::optional<Version>& x) { return x ? x->str() : "(none)"; }

const KnowledgeBase& kb() { return KnowledgeBase::builtin(); }

const char* product(const std::string& cc) {
  static const std::map<std::string, const char*> names = {
      {"3.7", "Tesla K80"},         {"6.1", "NVIDIA GeForce GTX 1080"}, {"7.0", "Tesla V100-SXM2-16GB"},
      {"7.5", "Tesla T4"},          {"8.0", "NVIDIA A100-SXM4-80GB"},   {"8.6", "NVIDIA GeForce RTX 3090"},
      {"8.9", "NVIDIA GeForce RTX 4090"}, {"9.0", "NVIDIA H100 80GB HBM3"}, {"12.0", "NVIDIA GeForce RTX 5090"},
  };
  auto it = names.find(cc);
  return it == names.end() ? "NVIDIA GPU" : it->second;
}

// driver "": no driver; driver_cuda "": not reported (derived from Table 3).
host::GpuFacts host_of(const std::string& driver, const std::string& driver_cuda, const std::vector<std::string>& ccs) {
  host::GpuFacts f;
  f.origin = "test";
  if (!driver.empty()) {
    host::GpuDriver d;
    d.version = v(driver.c_str());
    d.version_text = driver;
    if (!driver_cuda.empty()) d.cuda_driver_version = v(driver_cuda.c_str());
    d.version_source = "file";
    f.driver = d;
  } else {
    f.notes.push_back("libnvidia-ml.so.1 not found");
  }
  int i = 0;
  for (const auto& cc : ccs) {
    host::Gpu g;
    g.index = i++;
    g.name = product(cc);
    g.uuid = "GPU-" + std::to_string(i);
    g.compute_capability = v(cc.c_str());
    g.source = "file";
    f.gpus.push_back(g);
  }
  return f;
}

// An empty `text` is an environment without a framework.
Request request_of(const std::string& text, const std::string& cuda, const std::string& python, bool distro = false) {
  Request req;
  if (!text.empty()) {
    auto r = parse_framework_request(text);
    EXPECT_TRUE(r) << text << ": " << r.error().describe();
    if (r) req = *r;
  }
  if (cuda == "none") {
    req.cuda_mode = Request::Cuda::none;
  } else if (cuda != "auto") {
    req.cuda_mode = Request::Cuda::pinned;
    req.cuda = v(cuda.c_str());
  }
  if (!python.empty()) req.python = v(python.c_str());
  req.prefer_distribution = distro;
  return req;
}

std::string dump(const Resolution& r) {
  std::string s = std::string(r.ok ? "ok" : "FAILED: " + r.failed_constraint) + "\n";
  s += "  " + std::string(to_string(r.framework)) + " " + (r.framework_version ? str(r.framework_version) : "-") + " cuda " +
       (r.cuda ? str(r.cuda) : "cpu") + " variant " + r.variant + " python " + (r.python ? str(r.python) : "-") +
       "\n  base " + r.base_image + "\n  packages " + join(r.packages, " ") + "\n  index " + join(r.index_urls, " ") +
       join(r.find_links, " ") + "\n";
  for (const auto& x : r.reasons) s += "  reason: " + x + "\n";
  for (const auto& x : r.warnings) s += "  warning: " + x + "\n";
  for (const auto& x : r.alternatives) s += "  alternative: " + x.description + " => " + x.change + "\n";
  for (const auto& [k, val] : r.container_env) s += "  env: " + k + "=" + val + "\n";
  return s;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

bool alternative_contains(const Resolution& r, const std::string& needle) {
  return std::any_of(r.alternatives.begin(), r.alternatives.end(), [&](const Alternative& a) {
    return a.change.find(needle) != std::string::npos || a.description.find(needle) != std::string::npos;
  });
}

Resolution resolve_row(const std::string& driver, const std::string& driver_cuda, const std::vector<std::string>& ccs,
                       const std::string& request, const std::string& cuda = "auto", const std::string& python = "",
                       bool distro = false) {
  return resolve(kb(), request_of(request, cuda, python, distro), host_of(driver, driver_cuda, ccs));
}

// One host × request and what must come out. Empty expectation strings are not checked,
// except `cuda`, where "" means a CPU build.
struct Row {
  const char* name;
  const char* driver;       // "" : no NVIDIA driver
  const char* driver_cuda;  // "" : not reported by the driver
  std::vector<std::string> ccs;
  const char* request;
  const char* cuda_setting;  // "auto", "none", "12.6"
  const char* python;        // "" : not pinned
  bool ok;
  const char* cuda;          // expected CUDA major.minor ("" : CPU); ignored when !ok
  const char* variant;
  const char* base;          // substring of the base image
  const char* text;          // substring of a reason (ok) or of the failed constraint (!ok)
  const char* alternative = "";  // substring of an alternative's change or description
  bool disable_require = false;  // NVIDIA_DISABLE_REQUIRE=true expected
  bool distro = false;           // prefer_distribution
};

class ResolverTable : public ::testing::TestWithParam<Row> {};

std::string row_name(const ::testing::TestParamInfo<Row>& info) { return info.param.name; }

}  // namespace

namespace {
void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

}  // namespace

TEST_P(ResolverTable, Resolves) {
  const Row& row = GetParam();
  Resolution r = resolve_row(row.driver, row.driver_cuda, row.ccs, row.request, row.cuda_setting, row.python, row.distro);
  SCOPED_TRACE(dump(r));
  ASSERT_EQ(r.ok, row.ok);
  if (row.ok) {
    EXPECT_TRUE(r.failed_constraint.empty());
    if (std::string(row.cuda).empty()) {
      EXPECT_FALSE(r.cuda) << "expected a CPU build";
    } else {
      ASSERT_TRUE(r.cuda) << "expected CUDA " << row.cuda;
      EXPECT_EQ(str(r.cuda), row.cuda);
    }
    if (*row.variant) {
      EXPECT_EQ(r.variant, row.variant);
    }
    if (*row.base) {
      EXPECT_NE(r.base_image.find(row.base), std::string::npos) << r.base_image;
    }
    if (*row.text) {
      EXPECT_TRUE(any_contains(r.reasons, row.text)) << "no reason contains: " << row.text;
    }
    EXPECT_FALSE(r.base_image.empty());
    EXPECT_TRUE(r.distribution_framework ? !r.apt_packages.empty()
                                         : !r.packages.empty() || r.variant == "ngc-tf1" || r.framework == Framework::none);
  } else {
    EXPECT_NE(r.failed_constraint.find(row.text), std::string::npos) << r.failed_constraint;
    EXPECT_FALSE(r.alternatives.empty()) << "a failure names a way out";
  }
  if (*row.alternative) {
    EXPECT_TRUE(alternative_contains(r, row.alternative)) << "no alternative: " << row.alternative;
  }
  EXPECT_EQ(r.container_env.contains("NVIDIA_DISABLE_REQUIRE"), row.disable_require);
  EXPECT_EQ(r.container_env.contains("NVIDIA_DISABLE_REQUIRE"), r.ok && r.minor_version_compat &&
                                                                    r.base_image.starts_with("nvidia/cuda:") &&
                                                                    row.disable_require);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(HostsAndRequests, ResolverTable, ::testing::Values(
  // --- The required examples ---
  Row{"Torch231_GTX1080_Driver470_Cu118ByMvc", "470.82.01", "11.4", {"6.1"}, "torch==2.3.1", "auto", "",
      true, "11.8", "cu118", "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04", "minor version compatibility",
      "upgrade the NVIDIA driver to >= 520.61.05", true},
  Row{"Torch28_V100_NewDriver_OnlyCu126", "580.65.06", "13.0", {"7.0"}, "torch==2.8", "auto", "",
      true, "12.6", "cu126", "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04", "carries no code for GPU 7.0"},
  Row{"Torch23_RTX5090_Impossible", "575.57.08", "12.9", {"12.0"}, "pytorch==2.3", "auto", "",
      false, "", "", "", "cannot build code for Blackwell", "framework = \"torch==2.7.0\""},
  Row{"Tf115_H100_NgcTf1", "550.54.15", "12.4", {"9.0"}, "tensorflow==1.15.*", "auto", "",
      true, "12.1", "ngc-tf1", "nvcr.io/nvidia/tensorflow:23.03-tf1-py3", "cannot build code for Hopper"},
  Row{"Tf115_T4_Upstream100", "450.80.02", "11.0", {"7.5"}, "tensorflow==1.15.*", "auto", "",
      true, "10.0", "cu100", "nvidia/cuda:10.0-cudnn7-runtime-ubuntu18.04", "tensorflow-gpu 1.15.5 (CUDA 10.0)",
      "nvcr.io/nvidia/tensorflow:20.03-tf1-py3"},
  Row{"Tf115_RTX2080_Driver41048", "410.48", "10.0", {"7.5"}, "tf==1.15.5", "auto", "",
      true, "10.0", "cu100", "10.0-cudnn7", "meets CUDA 10.0.130's minimum 410.48"},

  // --- PyTorch: drivers and minor version compatibility ---
  Row{"Torch231_GTX1080_Driver535_Cu121Full", "535.104.05", "12.2", {"6.1"}, "torch==2.3.1", "auto", "",
      true, "12.1", "cu121", "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04", "meets CUDA 12.1.1's minimum 530.30.02"},
  Row{"Torch231_GTX1080_Driver470_CudaLevelDerived", "470.82.01", "", {"6.1"}, "torch==2.3.1", "auto", "",
      true, "11.8", "cu118", "11.8.0", "derived from Table 3", "", true},
  Row{"Torch231_H100_Driver52560_Cu121ByMvc", "525.60.13", "12.0", {"9.0"}, "torch==2.3.1", "auto", "",
      true, "12.1", "cu121", "12.1.1-cudnn8", "within the CUDA 12.x minor-version range", "", true},
  Row{"Torch28_GTX1080_Driver470_NeedsDriver", "470.82.01", "11.4", {"6.1"}, "torch==2.8.0", "auto", "",
      false, "", "", "", "below the CUDA 12.x minor-version floor 525.60.13", "upgrade the NVIDIA driver to >= 525.60.13"},
  Row{"TorchNewest_GTX1080_Driver580_Cu126", "580.65.06", "13.0", {"6.1"}, "torch", "auto", "",
      true, "12.6", "cu126", "12.6.3-cudnn-runtime", "runs torch 2.14+cu126's sm_60 SASS"},
  Row{"Torch27up_RTX4090_Driver580_Cu132ByMvc", "580.65.06", "13.0", {"8.9"}, "torch>=2.7", "auto", "",
      true, "13.2", "cu132", "nvidia/cuda:13.2.1-cudnn-runtime-ubuntu24.04", "within the CUDA 13.x minor-version range", "", true},
  Row{"Torch27up_RTX4090_Driver595_Cu132Full", "595.71.05", "13.2", {"8.9"}, "torch>=2.7", "auto", "",
      true, "13.2", "cu132", "13.2.1", "sm_86 SASS (same major, binary compatible)"},
  Row{"Torch27up_RTX5090_Driver570_Cu129ByMvc", "570.124.06", "12.8", {"12.0"}, "torch>=2.7", "auto", "",
      true, "12.9", "cu129", "12.9.1-cudnn-runtime", "rejected torch 2.14+cu132", "", true},
  Row{"Torch270_RTX5090_Driver570124_Cu128Full", "570.124.06", "12.8", {"12.0"}, "torch==2.7.0", "auto", "",
      true, "12.8", "cu128", "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04", "runs the sm_120 SASS"},
  Row{"Torch270_RTX5090_Driver57086_PatchTheDriverMeets", "570.86.16", "12.8", {"12.0"}, "torch==2.7.0", "auto", "",
      true, "12.8", "cu128", "nvidia/cuda:12.8.0-cudnn-runtime", "meets CUDA 12.8.0's minimum 570.26"},
  Row{"Torch27up_K80_Driver470_Cu118", "470.82.01", "11.4", {"3.7"}, "torch>=2.0", "auto", "",
      true, "11.8", "cu118", "11.8.0-cudnn8", "runs the sm_37 SASS", "", true},
  Row{"Torch1131_RTX4090_Cu117Sm86", "525.60.13", "12.0", {"8.9"}, "torch==1.13.1", "auto", "",
      true, "11.7", "cu117", "nvidia/cuda:11.7.1-cudnn8-runtime-ubuntu22.04", "runs torch 1.13.1+cu117's sm_86 SASS"},
  Row{"Torch190_RTX3090_FindLinks", "470.82.01", "11.4", {"8.6"}, "torch==1.9.0", "auto", "",
      true, "11.1", "cu111", "nvidia/cuda:11.1.1-cudnn8-runtime-ubuntu20.04", "find-links page"},
  Row{"Torch_MixedPascalBlackwell_NoBuildForBoth", "575.57.08", "12.9", {"6.1", "12.0"}, "torch>=2.7", "auto", "",
      false, "", "", "", "carries no code for GPU", "gpus = [1]"},
  Row{"Torch_MixedAmpereHopper_Cu132", "580.65.06", "13.0", {"8.0", "9.0"}, "torch", "auto", "",
      true, "13.2", "cu132", "13.2.1", "GPU 9.0 (NVIDIA H100 80GB HBM3) runs the sm_90 SASS", "", true},

  // --- PyTorch: the cuda setting, Python, no GPU, no driver ---
  Row{"Torch231_CudaNone_Cpu", "580.65.06", "13.0", {"8.6"}, "torch==2.3.1", "none", "",
      true, "", "cpu", "python:3.11-slim-bookworm", "cuda = \"none\": CPU builds only"},
  Row{"Torch231_NoGpu_Cpu", "", "", {}, "torch==2.3.1", "auto", "",
      true, "", "cpu", "python:3.11-slim-bookworm", "no GPU selected: CPU build"},
  Row{"Torch231_NoGpuPinned121_Cu121", "", "", {}, "torch==2.3.1", "12.1", "",
      true, "12.1", "cu121", "12.1.1-cudnn8-runtime", "only builds with CUDA 12.1"},
  Row{"Torch231_RTX4090_Pinned118", "580.65.06", "13.0", {"8.9"}, "torch==2.3.1", "11.8", "",
      true, "11.8", "cu118", "11.8.0-cudnn8", "meets CUDA 11.8.0's minimum 520.61.05"},
  Row{"Torch231_Pinned126_NoSuchBuild", "580.65.06", "13.0", {"8.9"}, "torch==2.3.1", "12.6", "",
      false, "", "", "", "no build uses the pinned CUDA 12.6", "cuda = \"12.1\""},
  Row{"Torch231_Python312_OutOfRange", "580.65.06", "13.0", {"8.9"}, "torch==2.3.1", "auto", "3.12",
      false, "", "", "", "Python 3.12 is outside torch 2.3.1's range", "python = \"3.11\""},
  Row{"Torch231_Python310_Pinned", "580.65.06", "13.0", {"8.9"}, "torch==2.3.1", "auto", "3.10",
      true, "12.1", "cu121", "ubuntu22.04", "Python 3.10: pinned"},
  Row{"Torch231_GpusWithoutDriver_Fails", "", "", {"8.6"}, "torch==2.3.1", "auto", "",
      false, "", "", "", "no NVIDIA driver was found", "cuda = \"none\""},
  Row{"Torch231_GpusWithoutDriver_CudaNone", "", "", {"8.6"}, "torch==2.3.1", "none", "",
      true, "", "cpu", "python:3.11", "CPU builds only"},
  Row{"Torch_NoSuchRelease", "580.65.06", "13.0", {"8.9"}, "torch==9.9", "auto", "",
      false, "", "", "", "no torch release in the knowledge base matches ==9.9", "framework = \"torch=="},

  // --- PyTorch from Debian ---
  Row{"Torch113_Debian_Bookworm", "", "", {}, "torch==1.13.*", "none", "",
      true, "", "debian", "dlenv/debian:bookworm", "Debian bookworm ships python3-torch 1.13.1", "", false, true},
  Row{"Torch26_Debian_Trixie", "", "", {}, "torch==2.6.*", "none", "",
      true, "", "debian", "dlenv/debian:trixie", "prefer_distribution", "", false, true},
  Row{"Torch17_Debian_Bullseye", "", "", {}, "torch==1.7.1", "auto", "",
      true, "", "debian", "dlenv/debian:bullseye", "python3-torch 1.7.1", "", false, true},
  Row{"Torch231_Debian_NoMatch_Pip", "", "", {}, "torch==2.3.1", "none", "",
      true, "", "cpu", "python:3.11-slim-bookworm", "bookworm 1.13.1 (torch 1.13.1 does not match ==2.3.1)", "", false, true},

  // --- TensorFlow ---
  Row{"Tf115_A100_Driver470_Ngc2105", "470.57.02", "11.4", {"8.0"}, "tensorflow==1.15.*", "auto", "",
      true, "11.3", "ngc-tf1", "nvcr.io/nvidia/tensorflow:21.05-tf1-py3", "no upstream build can run on this host"},
  Row{"Tf115_RTX3090_Driver450_Fails", "450.80.02", "11.0", {"8.6"}, "tensorflow==1.15.*", "auto", "",
      false, "", "", "", "CUDA 10.0 cannot build code for Ampere", "upgrade the NVIDIA driver to >= 465.19.01"},
  Row{"Tf115_RTX5090_Fails", "575.57.08", "12.9", {"12.0"}, "tensorflow==1.15.*", "auto", "",
      false, "", "", "", "cannot build code for Blackwell", "cuda = \"none\""},
  Row{"Tf115_CudaNone_Cpu", "", "", {}, "tensorflow==1.15.*", "none", "",
      true, "", "cpu", "python:3.7-slim-bookworm", "Python 3.7: the newest up to 3.12"},
  Row{"Tf2150_A100_Driver535_AndCuda", "535.104.05", "12.2", {"8.0"}, "tensorflow==2.15.0", "auto", "",
      true, "12.2", "and-cuda", "python:3.11-slim-bookworm", "tensorflow[and-cuda] installs the CUDA 12.2 libraries"},
  Row{"Tf2150_A100_Driver470_Fails", "470.82.01", "11.4", {"8.0"}, "tensorflow==2.15.0", "auto", "",
      false, "", "", "", "below the CUDA 12.x minor-version floor 525.60.13", "upgrade the NVIDIA driver to >= 525.60.13"},
  Row{"TfNewest_RTX4090_Driver580", "580.65.06", "13.0", {"8.9"}, "tensorflow", "auto", "",
      true, "12.5", "and-cuda", "python:3.12-slim-bookworm", "tensorflow 2.21 is tested with CUDA 12.5"},
  Row{"Tf2120_RTX3090_Driver525_Cu118Image", "525.60.13", "12.0", {"8.6"}, "tensorflow==2.12.0", "auto", "",
      true, "11.8", "cu118", "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04", "tested with CUDA 11.8 and cuDNN 8.6"},
  Row{"Tf240_RTX3090_Cuda110Sm80Fallback", "460.32.03", "11.2", {"8.6"}, "tensorflow==2.4.0", "auto", "",
      true, "11.0", "cu110", "nvidia/cuda:11.0.3-cudnn8-runtime-ubuntu20.04", "meets CUDA 11.0.3's minimum 450.51.06"},
  Row{"Tf2120_CudaNone_Cpu", "580.65.06", "13.0", {"8.9"}, "tensorflow==2.12.0", "none", "",
      true, "", "cpu", "python:3.11-slim-bookworm", "CPU builds only"},

  // --- JAX ---
  Row{"Jax_H100_Driver580_Cuda13", "580.65.06", "13.0", {"9.0"}, "jax", "auto", "",
      true, "13", "cuda13", "python:3.12-slim-bookworm", "jax[cuda13] installs the CUDA 13 libraries"},
  Row{"Jax_H100_Driver550_Cuda12", "550.54.15", "12.4", {"9.0"}, "jax", "auto", "",
      true, "12", "cuda12", "python:3.12-slim", "rejected jax[cuda13]: driver 550.54.15 is below the 580"},
  Row{"Jax_GTX1080_Driver580_Cuda12", "580.65.06", "13.0", {"6.1"}, "jax", "auto", "",
      true, "12", "cuda12", "python:3.12-slim", "jax[cuda13] needs compute capability 7.5 or newer"},
  Row{"Jax_GTX1080_Driver470_Fails", "470.82.01", "11.4", {"6.1"}, "jax>=0.4", "auto", "",
      false, "", "", "", "jax[cuda12]: driver 470.82.01 is below the 525.60.13", "upgrade the NVIDIA driver to >= 525.60.13"},
  Row{"Jax_CudaNone_Cpu", "580.65.06", "13.0", {"9.0"}, "jax", "none", "",
      true, "", "cpu", "python:3.12-slim", "CPU builds only"},
  Row{"Jax_Pinned12_Cuda12", "580.65.06", "13.0", {"9.0"}, "jax==0.5.0", "12", "3.11",
      true, "12", "cuda12", "python:3.11-slim-bookworm", "only builds with CUDA 12"},
  Row{"Jax_Pinned126_Cuda12", "580.65.06", "13.0", {"9.0"}, "jax", "12.6", "",
      true, "12", "cuda12", "python:3.12-slim-bookworm", "CUDA 13 is not the pinned CUDA 12.6"},
  Row{"Bare_NoFramework_Pinned124", "550.54.15", "12.4", {"8.9"}, "", "12.4", "",
      true, "12.4", "cu124", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04", "meets CUDA 12.4.1's minimum 550.54.15"}
), row_name);
// clang-format on

// --- Parsing requests ---

TEST(ParseFrameworkRequest, AcceptsThePipForms) {
  struct Case {
    const char* text;
    const char* framework;
    const char* spec;
  };
  for (const Case& c : {Case{"torch==2.3.1", "torch", "==2.3.1"}, Case{"torch>=2.7", "torch", ">=2.7"},
                        Case{"tensorflow==1.15.*", "tensorflow", "==1.15.*"},
                        Case{"tensorflow==2.15.0", "tensorflow", "==2.15.0"}, Case{"jax", "jax", ""},
                        Case{"pytorch==2.3", "torch", "==2.3"}, Case{"tf==2.12.0", "tensorflow", "==2.12.0"},
                        Case{"  Torch >= 2.1, <2.4 ", "torch", ">=2.1,<2.4"}}) {
    auto r = parse_framework_request(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error().describe();
    EXPECT_EQ(to_string(r->framework), c.framework) << c.text;
    EXPECT_EQ(r->framework_version.str(), c.spec) << c.text;
    EXPECT_EQ(r->cuda_mode, Request::Cuda::automatic);
    EXPECT_FALSE(r->requested_text.empty());
  }
}

TEST(ParseFrameworkRequest, RejectsBadTextWithTheAcceptedForms) {
  for (const char* bad : {"", "torchh==2.3", "torch 2.3.1", "torch==2.x", "torch=>2.7", "==2.3", "jax[cuda12]"}) {
    auto r = parse_framework_request(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::config) << bad;
    EXPECT_NE(r.error().hint.find("\"torch==2.3.1\""), std::string::npos) << bad << ": " << r.error().hint;
    EXPECT_NE(r.error().hint.find("\"tensorflow==1.15.*\""), std::string::npos) << bad;
  }
  auto typo = parse_framework_request("torchh==2.3");
  EXPECT_NE(typo.error().message.find("unknown framework \"torchh\""), std::string::npos) << typo.error().message;
  EXPECT_NE(typo.error().hint.find("did you mean \"torch\""), std::string::npos);
  auto bare = parse_framework_request("torch 2.3.1");
  EXPECT_NE(bare.error().message.find("invalid version requirement \"2.3.1\""), std::string::npos);
  EXPECT_NE(bare.error().hint.find("did you mean \"torch==2.3.1\""), std::string::npos);
}

// --- Reasons, warnings and alternatives over the built-in knowledge base ---

TEST(Resolver, ReasonsComeInTheOrderTheRulesDecided) {
  auto r = resolve_row("470.82.01", "11.4", {"6.1"}, "torch==2.3.1");
  ASSERT_TRUE(r.ok) << dump(r);
  auto at = [&](const std::string& needle) {
    auto it = std::find_if(r.reasons.begin(), r.reasons.end(), [&](auto& l) { return l.find(needle) != std::string::npos; });
    return it == r.reasons.end() ? -1 : static_cast<int>(it - r.reasons.begin());
  };
  EXPECT_EQ(at("host: driver 470.82.01 (CUDA 11.4)"), 0);
  int rejected = at("rejected torch 2.3.1+cu121: driver 470.82.01 is below CUDA 12.1.1's minimum 530.30.02, and below "
                    "the CUDA 12.x minor-version floor 525.60.13");
  int chose = at("chose torch 2.3.1+cu118");
  int mvc = at("driver 470.82.01 is below CUDA 11.8.0's minimum 520.61.05 but within the CUDA 11.x minor-version range "
               "(>= 450.80.02, < 525): it runs under CUDA minor version compatibility");
  int sass = at("runs torch 2.3.1+cu118's sm_60 SASS (same major, binary compatible)");
  EXPECT_GT(rejected, 0) << dump(r);
  EXPECT_GT(chose, rejected);
  EXPECT_GT(mvc, chose);
  EXPECT_GT(sass, chose);
  EXPECT_EQ(r.packages, (std::vector<std::string>{"torch==2.3.1", "torchvision==0.18.1", "torchaudio==2.3.1"}));
  EXPECT_EQ(r.index_urls, (std::vector<std::string>{"https://download.pytorch.org/whl/cu118"}));
  EXPECT_EQ(str(r.python), "3.11");
  EXPECT_EQ(str(r.cudnn), "8");
}

TEST(Resolver, MinorVersionCompatibilityWarnsAndDisablesTheRequirementCheck) {
  auto r = resolve_row("470.82.01", "11.4", {"6.1"}, "torch==2.3.1");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.minor_version_compat);
  EXPECT_EQ(r.container_env.at("NVIDIA_DISABLE_REQUIRE"), "true");
  EXPECT_TRUE(any_contains(r.warnings, "anything JIT-compiled from PTX needs the full driver 520.61.05")) << dump(r);
  EXPECT_TRUE(any_contains(r.warnings, "cudaErrorCallRequiresNewerDriver"));
  EXPECT_TRUE(any_contains(r.warnings, "NVIDIA_REQUIRE_CUDA (cuda>=11.8) and the driver supports CUDA 11.4"));
  EXPECT_TRUE(any_contains(r.warnings, "NVIDIA_DISABLE_REQUIRES"));  // the unconfirmed spelling is named
  ASSERT_FALSE(r.alternatives.empty());
  EXPECT_EQ(r.alternatives.back().change, "upgrade the NVIDIA driver to >= 520.61.05");

  // The full driver: no caveats, no override.
  auto full = resolve_row("535.104.05", "12.2", {"6.1"}, "torch==2.3.1");
  ASSERT_TRUE(full.ok);
  EXPECT_FALSE(full.minor_version_compat);
  EXPECT_TRUE(full.container_env.empty());
  EXPECT_FALSE(any_contains(full.warnings, "minor version compatibility"));
}

TEST(Resolver, RequirementOverrideOnlyWhereTheImageChecksAndTheDriverIsBelowIt) {
  // tensorflow[and-cuda] on a slim Python base: MVC, but no NVIDIA_REQUIRE_CUDA to get past.
  auto tf = resolve_row("535.104.05", "12.2", {"8.0"}, "tensorflow==2.16.1");
  ASSERT_TRUE(tf.ok) << dump(tf);
  EXPECT_EQ(tf.variant, "and-cuda");
  EXPECT_TRUE(tf.minor_version_compat);
  EXPECT_TRUE(tf.container_env.empty());
  EXPECT_EQ(tf.packages, (std::vector<std::string>{"tensorflow[and-cuda]==2.16.1"}));

  // An nvidia/cuda 12.2.2 image on driver 535.54.03: below 12.2.2's minimum (MVC) but the
  // driver reports CUDA 12.2, so the requirement check passes without help.
  auto bare = resolve(kb(), request_of("", "12.2", ""),
                      host_of("535.54.03", "12.2", {"8.6"}));
  ASSERT_TRUE(bare.ok) << dump(bare);
  EXPECT_EQ(bare.base_image, "nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04");
  EXPECT_TRUE(bare.minor_version_compat);
  EXPECT_TRUE(bare.container_env.empty());
}

TEST(Resolver, ImpossibleRequestNamesTheConstraintAndTheNearestWaysOut) {
  auto r = resolve_row("575.57.08", "12.9", {"12.0"}, "torch==2.3.1");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failed_constraint,
            "torch 2.3.1+cu121: CUDA 12.1 cannot build code for Blackwell (consumer/workstation) (compute capability "
            "12.0); that needs CUDA 12.8 or newer");
  ASSERT_GE(r.alternatives.size(), 2u) << dump(r);
  EXPECT_EQ(r.alternatives[0].description, "torch 2.7.0 with CUDA 12.8 (cu128)");
  EXPECT_EQ(r.alternatives[0].change, "framework = \"torch==2.7.0\"");
  EXPECT_TRUE(alternative_contains(r, "cuda = \"none\""));
  EXPECT_TRUE(any_contains(r.reasons, "rejected torch 2.3.1+cu118: CUDA 11.8 cannot build code for Blackwell"));
  EXPECT_TRUE(r.base_image.empty());
  EXPECT_TRUE(r.packages.empty());
}

TEST(Resolver, PinnedCudaOffersTheCudaThatWorks) {
  auto r = resolve_row("580.65.06", "13.0", {"7.0"}, "torch==2.8.0", "12.9");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.failed_constraint.find("torch 2.8.0+cu129 carries no code for GPU 7.0"), std::string::npos)
      << r.failed_constraint;
  ASSERT_FALSE(r.alternatives.empty());
  EXPECT_EQ(r.alternatives[0].change, "cuda = \"12.6\"");
  EXPECT_EQ(r.alternatives[0].description, "torch 2.8.0 with CUDA 12.6 (cu126) instead of the pinned CUDA 12.9");
}

TEST(Resolver, DriverUpgradeNamesTheMinimum) {
  auto r = resolve_row("470.82.01", "11.4", {"7.0"}, "torch==2.8.0");
  ASSERT_FALSE(r.ok);
  ASSERT_TRUE(alternative_contains(r, "upgrade the NVIDIA driver to >= 525.60.13")) << dump(r);
  auto it = std::find_if(r.alternatives.begin(), r.alternatives.end(),
                         [](auto& a) { return a.change == "upgrade the NVIDIA driver to >= 525.60.13"; });
  EXPECT_EQ(it->description,
            "torch 2.8.0 with CUDA 12.6 (cu126) runs on driver 525.60.13 and newer; 560.35.05 runs everything, PTX included");
}

TEST(Resolver, MixedGpusOfferTheSubsetsThatWork) {
  auto r = resolve_row("575.57.08", "12.9", {"6.1", "12.0"}, "torch>=2.7");
  ASSERT_FALSE(r.ok);
  auto find = [&](const std::string& change) {
    return std::find_if(r.alternatives.begin(), r.alternatives.end(), [&](auto& a) { return a.change == change; });
  };
  auto pascal = find("gpus = [0]");
  auto blackwell = find("gpus = [1]");
  ASSERT_NE(pascal, r.alternatives.end()) << dump(r);
  ASSERT_NE(blackwell, r.alternatives.end()) << dump(r);
  EXPECT_EQ(pascal->description, "torch 2.14 with CUDA 12.6 (cu126) on GPU 0 only, leaving out compute capability 12.0");
  EXPECT_EQ(blackwell->description, "torch 2.11.0 with CUDA 12.9 (cu129) on GPU 1 only, leaving out compute capability 6.1");
}

TEST(Resolver, PinnedCudaWithoutGpuWarns) {
  auto r = resolve_row("", "", {}, "torch==2.3.1", "12.1");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(any_contains(r.warnings, "cuda = \"12.1\" is pinned but no GPU is selected")) << dump(r);
  EXPECT_TRUE(any_contains(r.warnings, "without checking any GPU or driver"));
}

TEST(Resolver, Tf1OnHopperExplainsWhyNvidiasContainer) {
  auto r = resolve_row("550.54.15", "12.4", {"9.0"}, "tensorflow==1.15.*");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.variant, "ngc-tf1");
  EXPECT_EQ(str(r.framework_version), "1.15.5");
  EXPECT_EQ(str(r.python), "3.8");
  EXPECT_TRUE(r.packages.empty());
  EXPECT_TRUE(any_contains(r.reasons, "rejected tensorflow-gpu 1.15.5 (CUDA 10.0): CUDA 10.0 cannot build code for Hopper"));
  EXPECT_TRUE(any_contains(r.reasons, "built by NVIDIA with CUDA 12.1.0 (upstream TF 1.x is built with CUDA 10.0)"));
  EXPECT_TRUE(any_contains(r.warnings, "discontinued TF1 line"));
  EXPECT_TRUE(any_contains(r.warnings, "unconfirmed fact used: the 23.03-tf1-py3 container's facts"));
}

TEST(Resolver, Tf1OnTuringKeepsUpstreamAndOffersMaintainedImages) {
  auto r = resolve_row("450.80.02", "11.0", {"7.5"}, "tensorflow==1.15.*");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.packages, (std::vector<std::string>{"tensorflow-gpu==1.15.5"}));
  EXPECT_EQ(str(r.cudnn), "7.4");
  EXPECT_TRUE(any_contains(r.warnings, "known to be removed from Docker Hub")) << dump(r);
  EXPECT_TRUE(alternative_contains(r, "base = \"tensorflow/tensorflow:1.15.5-gpu-py3\""));
  EXPECT_TRUE(alternative_contains(r, "base = \"nvcr.io/nvidia/tensorflow:20.03-tf1-py3\""));
}

TEST(Resolver, UnconfirmedFactsAreWarnings) {
  auto r = resolve_row("580.65.06", "13.0", {"8.9"}, "torch==2.3.1");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(any_contains(r.warnings, "unconfirmed fact used: torch 2.3.1+cu121's architecture list (source: cog_doctor"))
      << dump(r);
  // A CUDA known only by its driver branch.
  auto branch = resolve(kb(), request_of("", "13.3", ""),
                        host_of("615.10", "13.4", {"9.0"}));
  ASSERT_TRUE(branch.ok) << dump(branch);
  EXPECT_TRUE(any_contains(branch.warnings, "CUDA 13.3's minimum driver is known only as branch R610; 610 is assumed"))
      << dump(branch);
}

TEST(Resolver, FindLinksReleasesPinLocalVersions) {
  auto r = resolve_row("470.82.01", "11.4", {"8.6"}, "torch==1.9.0");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.packages, (std::vector<std::string>{"torch==1.9.0+cu111", "torchvision==0.10.0+cu111", "torchaudio==0.9.0"}));
  EXPECT_TRUE(r.index_urls.empty());
  EXPECT_EQ(r.find_links, (std::vector<std::string>{"https://download.pytorch.org/whl/torch_stable.html"}));
}

TEST(Resolver, DebianDistributionFramework) {
  auto r = resolve_row("", "", {}, "torch==1.13.*", "none", "", true);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.distribution_framework);
  EXPECT_EQ(r.apt_packages, (std::vector<std::string>{"python3-torch"}));
  EXPECT_TRUE(r.packages.empty());
  EXPECT_EQ(str(r.framework_version), "1.13.1");
  EXPECT_EQ(str(r.python), "3.11");
  // Without the preference the same request is a pip CPU build.
  auto pip = resolve_row("", "", {}, "torch==1.13.*", "none");
  ASSERT_TRUE(pip.ok);
  EXPECT_FALSE(pip.distribution_framework);
  EXPECT_EQ(pip.variant, "cpu");
  // Debian's build is CPU only: with GPUs and an automatic cuda setting pip is used.
  auto gpu = resolve_row("580.65.06", "13.0", {"8.9"}, "torch==1.13.*", "auto", "", true);
  ASSERT_TRUE(gpu.ok);
  EXPECT_EQ(gpu.variant, "cu117");
}

TEST(Resolver, UnknownFrameworksAreRefusedWhenTheRequestIsRead) {
  auto r = parse_framework_request("mxnet==1.9");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown framework \"mxnet\""), std::string::npos) << r.error().message;
  EXPECT_EQ(framework_named("pytorch"), Framework::torch);
  EXPECT_EQ(framework_named("tf"), Framework::tensorflow);
  EXPECT_EQ(to_string(Framework::none), "");
}

// --- Rules on a small knowledge base: PTX-only support ---

namespace {

KnowledgeBase tiny_kb() {
  KnowledgeBase k;
  CudaRelease rel;
  rel.version = v("12.4.1");
  rel.min_driver = v("550.54.15");
  rel.min_driver_text = "550.54.15";
  rel.provenance = {"nv_relnotes", true, ""};
  k.cuda_releases = {rel};
  MinorVersionFamily fam;
  fam.cuda_major = 12;
  fam.min_driver = v("525.60.13");
  fam.driver_below = v("580");
  k.minor_version_families = {fam};
  Architecture ampere;
  ampere.name = "Ampere";
  ampere.compute_capabilities = {v("8.0")};
  ampere.first_cuda = v("11.0");
  Architecture hopper;
  hopper.name = "Hopper";
  hopper.compute_capabilities = {v("9.0")};
  hopper.first_cuda = v("11.8");
  k.architectures = {ampere, hopper};
  GpuProduct h100;
  h100.name = "NVIDIA H100";
  h100.compute_capability = v("9.0");
  k.gpu_products = {h100};
  TorchRelease t;
  t.version = v("9.9.0");
  t.python = *VersionSpec::parse(">=3.9,<3.13");
  t.torchvision = "0.99.0";
  t.torchaudio = "9.9.0";
  t.install_style = "index-url";
  TorchVariant cu124;
  cu124.tag = "cu124";
  cu124.cuda = v("12.4");
  cu124.index_url = "https://download.pytorch.org/whl/cu124";
  cu124.sass = {v("8.0")};
  cu124.ptx = v("8.0");
  t.variants = {cu124};
  k.torch_releases = {t};
  ImageFamily cuda;
  cuda.repository = "nvidia/cuda";
  cuda.known_tags = {"12.4.1-cudnn-devel-ubuntu22.04"};
  k.image_families = {cuda};
  return k;
}

}  // namespace

TEST(ResolverRules, PtxOnlyGpuNeedsTheFullDriver) {
  KnowledgeBase k = tiny_kb();
  auto rq = request_of("torch==9.9.0", "auto", "");
  auto mvc = resolve(k, rq, host_of("535.104.05", "12.2", {"9.0"}));
  ASSERT_FALSE(mvc.ok) << dump(mvc);
  EXPECT_NE(mvc.failed_constraint.find("would need PTX JIT compilation, which minor version compatibility does not "
                                       "cover (PTX needs the full driver 550.54.15)"),
            std::string::npos)
      << mvc.failed_constraint;
  EXPECT_TRUE(alternative_contains(mvc, "upgrade the NVIDIA driver to >= 550.54.15"));

  auto full = resolve(k, rq, host_of("550.54.15", "12.4", {"9.0"}));
  ASSERT_TRUE(full.ok) << dump(full);
  EXPECT_TRUE(any_contains(full.reasons, "has no SASS in torch 9.9.0+cu124; the driver JIT-compiles its compute_80 PTX"));
  EXPECT_TRUE(any_contains(full.warnings, "JIT-compiled by the driver at first use"));
  EXPECT_EQ(full.base_image, "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04");

  // The same driver is fine under MVC for a GPU with SASS in the build.
  auto sass = resolve(k, rq, host_of("535.104.05", "12.2", {"8.0"}));
  ASSERT_TRUE(sass.ok) << dump(sass);
  EXPECT_TRUE(sass.minor_version_compat);
  EXPECT_EQ(sass.container_env.at("NVIDIA_DISABLE_REQUIRE"), "true");
}

TEST(ResolverRules, GpuWithoutCapabilityIsLookedUpAndUnknownArchitecturesWarn) {
  KnowledgeBase k = tiny_kb();
  auto rq = request_of("torch==9.9.0", "auto", "");
  host::GpuFacts facts = host_of("550.54.15", "12.4", {});
  host::Gpu g;
  g.name = "NVIDIA H100 80GB HBM3";
  facts.gpus.push_back(g);
  auto r = resolve(k, rq, facts);
  ASSERT_TRUE(r.ok) << dump(r);
  EXPECT_TRUE(any_contains(r.warnings, "compute capability 9.0 taken from the knowledge base's product list"));

  auto unknown = resolve(k, rq, host_of("550.54.15", "12.4", {"8.6"}));
  EXPECT_TRUE(any_contains(unknown.warnings, "compute capability 8.6 is not in the knowledge base's architecture table"))
      << dump(unknown);
}

TEST(ResolverRules, OldToolkitReachesANewerMinorOfTheSameMajor) {
  // CUDA 11.0 predates 8.6, but its sm_80 code runs there (tensorflow 2.4 on an RTX 3090).
  auto r = resolve_row("460.32.03", "11.2", {"8.6"}, "tensorflow==2.4.0");
  ASSERT_TRUE(r.ok) << dump(r);
  EXPECT_EQ(str(r.cuda), "11.0");
  // Nothing of major 9 exists before CUDA 11.8.
  auto h = resolve_row("460.32.03", "11.2", {"9.0"}, "tensorflow==2.4.0");
  ASSERT_FALSE(h.ok);
  EXPECT_NE(h.failed_constraint.find("CUDA 11.0 cannot build code for Hopper"), std::string::npos) << h.failed_constraint;
}
