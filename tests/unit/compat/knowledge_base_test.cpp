#include <gtest/gtest.h>

#include <algorithm>

#include "compat/knowledge_base.hpp"
#include "util/text.hpp"

using namespace dlenv;
using namespace dlenv::compat;

namespace {

Version v(const char* s) { return *Version::parse(s); }

const KnowledgeBase& kb() { return KnowledgeBase::builtin(); }

bool has_cc(const std::vector<Version>& list, const char* cc) {
  return std::find(list.begin(), list.end(), v(cc)) != list.end();
}

// Every provenance in the knowledge base, named for messages.
std::vector<std::pair<std::string, const Provenance*>> all_provenances(const KnowledgeBase& k) {
  std::vector<std::pair<std::string, const Provenance*>> out;
  for (const auto& c : k.cuda_releases) out.emplace_back("cuda " + c.version.str(), &c.provenance);
  for (const auto& f : k.minor_version_families) out.emplace_back("family " + std::to_string(f.cuda_major), &f.provenance);
  for (const auto& a : k.architectures) out.emplace_back("arch " + a.name, &a.provenance);
  for (const auto& p : k.gpu_products) out.emplace_back("gpu " + p.name, &p.provenance);
  for (const auto& t : k.torch_releases) {
    out.emplace_back("torch " + t.version.str(), &t.provenance);
    for (const auto& var : t.variants) out.emplace_back("torch " + t.version.str() + "+" + var.tag, &var.provenance);
  }
  for (const auto& c : k.tensorflow_configs) out.emplace_back("tf " + c.version.str(), &c.provenance);
  for (const auto& n : k.ngc_tf1_images) out.emplace_back("ngc " + n.tag, &n.provenance);
  for (const auto& x : k.jax_extras) out.emplace_back("jax " + x.extra, &x.provenance);
  for (const auto& f : k.image_families) out.emplace_back("image " + f.repository + ":" + f.tag_form, &f.provenance);
  return out;
}

}  // namespace

TEST(KnowledgeBase, BuiltinDataParses) {
  auto docs = KnowledgeBase::builtin_documents();
  for (const char* name : {"cuda", "gpus", "images", "jax", "pytorch", "sources", "tensorflow"})
    EXPECT_TRUE(docs.contains(name)) << name;
  auto parsed = KnowledgeBase::parse(docs);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_GE(parsed->cuda_releases.size(), 60u);
  EXPECT_EQ(parsed->minor_version_families.size(), 3u);
  EXPECT_GE(parsed->architectures.size(), 15u);
  EXPECT_GE(parsed->gpu_products.size(), 70u);
  EXPECT_GE(parsed->torch_releases.size(), 40u);
  EXPECT_EQ(parsed->tensorflow_configs.size(), 25u);
  EXPECT_FALSE(parsed->ngc_tf1_images.empty());
  EXPECT_FALSE(parsed->jax_extras.empty());
  EXPECT_FALSE(parsed->image_families.empty());
  EXPECT_GE(parsed->sources.size(), 40u);
}

TEST(KnowledgeBase, EveryFactNamesAKnownSource) {
  auto provenances = all_provenances(kb());
  ASSERT_GT(provenances.size(), 300u);
  size_t unconfirmed = 0;
  for (const auto& [what, p] : provenances) {
    bool url = starts_with(p->source, "https://") || starts_with(p->source, "http://");
    EXPECT_TRUE(url || kb().sources.contains(p->source)) << what << ": source \"" << p->source << "\"";
    if (!p->confirmed) {
      ++unconfirmed;
      EXPECT_FALSE(p->note.empty()) << what << " is unconfirmed without saying why";
    }
  }
  EXPECT_GT(unconfirmed, 0u);
  EXPECT_NE(kb().sources.at("nv_relnotes").find("https://docs.nvidia.com/cuda/cuda-toolkit-release-notes"),
            std::string::npos);
}

TEST(KnowledgeBase, DataIsAscending) {
  const auto& k = kb();
  for (size_t i = 1; i < k.cuda_releases.size(); ++i)
    EXPECT_LT(k.cuda_releases[i - 1].version, k.cuda_releases[i].version);
  for (size_t i = 1; i < k.torch_releases.size(); ++i)
    EXPECT_LT(k.torch_releases[i - 1].version, k.torch_releases[i].version);
  for (size_t i = 1; i < k.tensorflow_configs.size(); ++i)
    EXPECT_LT(k.tensorflow_configs[i - 1].version, k.tensorflow_configs[i].version);
}

TEST(KnowledgeBase, CudaMinimumDrivers) {
  const auto* c = kb().cuda_release(v("12.1.0"));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->min_driver, v("530.30.02"));
  EXPECT_EQ(c->min_driver_text, "530.30.02");
  EXPECT_TRUE(c->provenance.confirmed);
  EXPECT_EQ(c->provenance.source, "nv_relnotes");

  // major.minor: the newest patch release
  const auto* c121 = kb().cuda_release(v("12.1"));
  ASSERT_NE(c121, nullptr);
  EXPECT_EQ(c121->version, v("12.1.1"));
  EXPECT_EQ(kb().cuda_release(v("11.8"))->min_driver, v("520.61.05"));
  EXPECT_EQ(kb().cuda_release(v("12.7")), nullptr);  // there is no CUDA 12.7

  // only the branch is known
  const auto* c1303 = kb().cuda_release(v("13.0.3"));
  ASSERT_NE(c1303, nullptr);
  EXPECT_TRUE(c1303->min_driver.empty());
  EXPECT_EQ(c1303->driver_branch, "R580");
  EXPECT_FALSE(c1303->provenance.confirmed);
  EXPECT_FALSE(kb().cuda_release(v("12.3.2"))->provenance.confirmed);
  EXPECT_TRUE(kb().cuda_release(v("12.3.1"))->provenance.confirmed);
}

TEST(KnowledgeBase, MinorVersionFamilies) {
  const auto* f11 = kb().minor_version_family(11);
  const auto* f12 = kb().minor_version_family(12);
  const auto* f13 = kb().minor_version_family(13);
  ASSERT_TRUE(f11 && f12 && f13);
  EXPECT_EQ(f11->min_driver, v("450.80.02"));
  EXPECT_EQ(f11->min_driver_text, "450.80.02");
  EXPECT_EQ(f11->driver_below, v("525"));
  EXPECT_EQ(f12->min_driver, v("525.60.13"));
  EXPECT_EQ(f12->driver_below, v("580"));
  EXPECT_EQ(f13->min_driver, v("580"));
  EXPECT_FALSE(f13->driver_below);
  EXPECT_EQ(kb().minor_version_family(10), nullptr);
  // the general caveats reach every family
  for (const auto* f : {f11, f12, f13}) {
    auto ptx = std::find_if(f->caveats.begin(), f->caveats.end(),
                            [](const std::string& c) { return c.find("PTX") != std::string::npos; });
    EXPECT_NE(ptx, f->caveats.end()) << f->cuda_major;
  }
}

TEST(KnowledgeBase, Architectures) {
  const auto* pascal = kb().architecture_of(v("6.1"));
  ASSERT_NE(pascal, nullptr);
  EXPECT_EQ(pascal->name, "Pascal");
  ASSERT_TRUE(pascal->last_cuda);
  EXPECT_EQ(*pascal->last_cuda, v("12.9"));
  EXPECT_EQ(pascal->last_driver_branch, "R580");

  const auto* blackwell = kb().architecture_of(v("12.0"));
  ASSERT_NE(blackwell, nullptr);
  EXPECT_EQ(blackwell->first_cuda, v("12.8"));
  EXPECT_FALSE(blackwell->last_cuda);
  EXPECT_EQ(blackwell->last_driver_branch, "");

  const auto* kepler = kb().architecture_of(v("3.7"));
  ASSERT_NE(kepler, nullptr);
  EXPECT_EQ(*kepler->last_cuda, v("11.8"));
  EXPECT_EQ(kb().architecture_of(v("8.9"))->name, "Ada Lovelace");
  EXPECT_EQ(kb().architecture_of(v("9.9")), nullptr);
}

TEST(KnowledgeBase, ProductNamesAsNvidiaSmiWritesThem) {
  struct Case { const char* name; const char* cc; };
  for (auto [name, cc] : {Case{"NVIDIA H100 80GB HBM3", "9.0"}, Case{"Tesla V100-SXM2-16GB", "7.0"},
                          Case{"NVIDIA GeForce RTX 4090", "8.9"}, Case{"NVIDIA A100-SXM4-40GB", "8.0"},
                          Case{"NVIDIA A100 80GB PCIe", "8.0"}, Case{"Tesla T4", "7.5"},
                          Case{"nvidia geforce gtx 1080 ti", "6.1"}, Case{"GeForce GTX 1080", "6.1"},
                          Case{"NVIDIA GeForce RTX 5090", "12.0"}, Case{"NVIDIA H100 NVL", "9.0"},
                          Case{"Quadro RTX 6000", "7.5"}, Case{"NVIDIA RTX 6000 Ada Generation", "8.9"},
                          Case{"NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "12.0"},
                          Case{"Tesla P100-PCIE-16GB", "6.0"}, Case{"NVIDIA GB10", "12.1"}, Case{"A6000", "8.6"}}) {
    auto got = kb().compute_capability_of(name);
    ASSERT_TRUE(got) << name;
    EXPECT_EQ(*got, v(cc)) << name;
  }
  // a longer known name wins over its prefix, and unknown parts stay unknown
  EXPECT_EQ(*kb().compute_capability_of("GeForce GTX 1080 Ti"), v("6.1"));
  EXPECT_EQ(*kb().compute_capability_of("NVIDIA GeForce GTX 980 Ti"), v("5.2"));
  EXPECT_FALSE(kb().compute_capability_of("NVIDIA A10G"));
  EXPECT_FALSE(kb().compute_capability_of("Tesla P4000"));
  EXPECT_FALSE(kb().compute_capability_of("NVIDIA"));
  EXPECT_FALSE(kb().compute_capability_of(""));
}

TEST(KnowledgeBase, Torch231HasCu118AndCu121) {
  const auto* t = kb().torch_release(v("2.3.1"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->torchvision, "0.18.1");
  EXPECT_EQ(t->torchaudio, "2.3.1");
  EXPECT_EQ(t->install_style, "index-url");
  EXPECT_TRUE(t->python.matches(v("3.11")));
  EXPECT_FALSE(t->python.matches(v("3.12")));
  EXPECT_FALSE(t->python.matches(v("3.7")));
  const auto* cu118 = t->variant("cu118");
  const auto* cu121 = t->variant("cu121");
  ASSERT_TRUE(cu118 && cu121);
  EXPECT_EQ(cu118->index_url, "https://download.pytorch.org/whl/cu118");
  EXPECT_EQ(cu121->index_url, "https://download.pytorch.org/whl/cu121");
  EXPECT_EQ(*cu121->cuda, v("12.1"));
  EXPECT_TRUE(cu118->find_links.empty());
  ASSERT_NE(t->variant("cpu"), nullptr);
  EXPECT_FALSE(t->variant("cpu")->cuda);
  EXPECT_EQ(t->variant("cpu")->index_url, "https://download.pytorch.org/whl/cpu");
  EXPECT_EQ(t->variant("cu124"), nullptr);
}

TEST(KnowledgeBase, OldTorchReleasesInstallWithFindLinksAndHaveAPyPIDefault) {
  const auto* t = kb().torch_release(v("1.9.0"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->install_style, "find-links");
  EXPECT_EQ(t->variant("cu111")->find_links, "https://download.pytorch.org/whl/torch_stable.html");
  EXPECT_TRUE(t->variant("cu102")->pypi_default);
  EXPECT_FALSE(t->variant("cu111")->pypi_default);
  EXPECT_TRUE(kb().torch_release(v("1.13.1"))->variant("cu117")->pypi_default);
  EXPECT_EQ(kb().torch_release(v("1.12.0"))->install_style, "extra-index-url");
  EXPECT_EQ(kb().torch_release(v("1.8.2"))->variant("cu111")->index_url, "https://download.pytorch.org/whl/lts/1.8/cu111");
}

TEST(KnowledgeBase, Torch28DroppedMaxwellToVoltaFromCu128) {
  const auto* t = kb().torch_release(v("2.8.0"));
  ASSERT_NE(t, nullptr);
  const auto* cu126 = t->variant("cu126");
  const auto* cu128 = t->variant("cu128");
  const auto* cu129 = t->variant("cu129");
  ASSERT_TRUE(cu126 && cu128 && cu129);
  EXPECT_TRUE(has_cc(cu126->sass, "7.0"));
  EXPECT_TRUE(has_cc(cu126->sass, "5.0"));
  EXPECT_FALSE(has_cc(cu128->sass, "7.0"));
  EXPECT_FALSE(has_cc(cu128->sass, "6.0"));
  EXPECT_TRUE(has_cc(cu128->sass, "12.0"));
  EXPECT_FALSE(has_cc(cu126->sass, "12.0"));
  EXPECT_EQ(cu129->ptx, v("12.0"));
  EXPECT_TRUE(cu126->provenance.confirmed);
  EXPECT_TRUE(cu128->provenance.confirmed);
  EXPECT_FALSE(t->variant("cu118"));
  // CUDA 13 builds carry Turing and newer only
  for (const auto& r : kb().torch_releases)
    for (const auto& var : r.variants) {
      if (var.cuda && var.cuda->major() >= 13) {
        EXPECT_FALSE(has_cc(var.sass, "7.0")) << r.version.str() << var.tag;
      }
    }
}

TEST(KnowledgeBase, Sm120NeedsTorch27WithCuda128) {
  for (const auto& r : kb().torch_releases)
    for (const auto& var : r.variants) {
      bool blackwell = has_cc(var.sass, "12.0") || (var.ptx && *var.ptx >= v("12.0"));
      if (blackwell) {
        EXPECT_GE(r.version, v("2.7")) << r.version.str() << var.tag;
        EXPECT_GE(*var.cuda, v("12.8")) << r.version.str() << var.tag;
      }
    }
  const auto* cu128 = kb().torch_release(v("2.7.0"))->variant("cu128");
  ASSERT_NE(cu128, nullptr);
  EXPECT_TRUE(has_cc(cu128->sass, "12.0"));
  EXPECT_TRUE(cu128->provenance.confirmed);
  EXPECT_FALSE(has_cc(kb().torch_release(v("2.7.0"))->variant("cu126")->sass, "12.0"));
  EXPECT_EQ(kb().architecture_of(v("12.0"))->first_cuda, v("12.8"));
}

TEST(KnowledgeBase, DerivedArchitectureListsAreUnconfirmed) {
  const auto* t = kb().torch_release(v("2.3.1"));
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->variant("cu121")->provenance.confirmed);
  EXPECT_FALSE(t->variant("cu121")->provenance.note.empty());
  EXPECT_FALSE(kb().torch_release(v("2.11.0"))->variant("cu129")->provenance.confirmed);
  EXPECT_TRUE(kb().torch_release(v("2.4.1"))->variant("cu124")->provenance.confirmed);
}

TEST(KnowledgeBase, TensorflowConfigs) {
  const auto* tf215 = kb().tensorflow_config(v("2.15.0"));
  ASSERT_NE(tf215, nullptr);
  EXPECT_EQ(tf215->cuda, v("12.2"));
  EXPECT_EQ(tf215->cudnn, v("8.9"));
  EXPECT_TRUE(tf215->and_cuda_extra);
  EXPECT_EQ(tf215->pip_package, "tensorflow");
  EXPECT_TRUE(tf215->python.matches(v("3.11")));
  EXPECT_FALSE(tf215->python.matches(v("3.12")));

  const auto* tf115 = kb().tensorflow_config(v("1.15.5"));  // same minor as the tested 1.15.0
  ASSERT_NE(tf115, nullptr);
  EXPECT_EQ(tf115->version, v("1.15.0"));
  EXPECT_EQ(tf115->cuda, v("10.0"));
  EXPECT_EQ(tf115->cudnn, v("7.4"));
  EXPECT_EQ(tf115->pip_package, "tensorflow-gpu");
  EXPECT_FALSE(tf115->and_cuda_extra);
  EXPECT_TRUE(tf115->python.matches(v("3.7")));
  EXPECT_FALSE(tf115->python.matches(v("3.8")));
  EXPECT_FALSE(kb().tensorflow_config(v("2.12.0"))->and_cuda_extra);
  EXPECT_EQ(kb().tensorflow_config(v("2.99")), nullptr);
}

TEST(KnowledgeBase, NgcTf1ImageRunsTf1OnHopper) {
  auto it = std::find_if(kb().ngc_tf1_images.begin(), kb().ngc_tf1_images.end(),
                         [](const NgcTf1Image& n) { return n.tag == "23.03-tf1-py3"; });
  ASSERT_NE(it, kb().ngc_tf1_images.end());
  EXPECT_EQ(it->tensorflow, v("1.15.5"));
  EXPECT_EQ(it->cuda, v("12.1.0"));
  EXPECT_EQ(it->python, v("3.8"));
  EXPECT_EQ(it->min_driver, v("530"));
  EXPECT_TRUE(has_cc(it->compute_capabilities, "9.0"));
  EXPECT_TRUE(has_cc(it->compute_capabilities, "8.6"));
  EXPECT_FALSE(has_cc(it->compute_capabilities, "12.0"));
  EXPECT_FALSE(has_cc(it->compute_capabilities, "5.2"));
}

TEST(KnowledgeBase, JaxExtras) {
  auto find = [](const char* extra) -> const JaxExtra* {
    for (const auto& x : kb().jax_extras)
      if (x.extra == extra) return &x;
    return nullptr;
  };
  const auto* c12 = find("cuda12");
  const auto* c13 = find("cuda13");
  ASSERT_TRUE(c12 && c13);
  EXPECT_EQ(c12->cuda_major, 12);
  EXPECT_EQ(c13->min_driver, v("580"));
  EXPECT_EQ(c13->min_compute_capability, v("7.5"));
  EXPECT_EQ(c12->min_compute_capability, v("5.2"));
}

TEST(KnowledgeBase, ImageFamiliesKnowRemovedCudaTags) {
  bool removed_10_0 = false, known_12_1_1 = false;
  for (const auto& f : kb().image_families) {
    if (f.repository != "nvidia/cuda") continue;
    for (const auto& t : f.removed_tags)
      if (t == "10.0-*" && f.provenance.confirmed) removed_10_0 = true;
    for (const auto& t : f.known_tags)
      if (t == "12.1.1-cudnn8-devel-ubuntu22.04") known_12_1_1 = true;
  }
  EXPECT_TRUE(removed_10_0);
  EXPECT_TRUE(known_12_1_1);
}

// --- malformed documents ---------------------------------------------------------------

namespace {

Error parse_error_with(const std::string& stem, const std::string& text) {
  auto docs = KnowledgeBase::builtin_documents();
  docs[stem] = text;
  auto parsed = KnowledgeBase::parse(docs);
  EXPECT_FALSE(parsed) << stem << ": " << text;
  return parsed ? Error() : parsed.error();
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

}  // namespace

TEST(KnowledgeBaseParse, MalformedEntryNamesTheFileAndTheEntry) {
  std::string cuda = KnowledgeBase::builtin_documents().at("cuda");
  replace_once(cuda, R"("min_driver": "530.30.02")", R"("min_driver": "530.3O.02")");
  auto e = parse_error_with("cuda", cuda);
  EXPECT_EQ(e.code, ErrorCode::internal);
  EXPECT_NE(e.message.find("cuda.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("(12.1.0)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("530.3O.02"), std::string::npos) << e.message;
  EXPECT_FALSE(e.hint.empty());
}

TEST(KnowledgeBaseParse, InvalidJsonNamesTheFile) {
  auto e = parse_error_with("gpus", "{\"architectures\": [");
  EXPECT_EQ(e.code, ErrorCode::internal);
  EXPECT_NE(e.message.find("gpus.json"), std::string::npos) << e.message;
}

TEST(KnowledgeBaseParse, RejectsUnknownSourcesKeysMissingFieldsAndDisorder) {
  std::string gpus = KnowledgeBase::builtin_documents().at("gpus");
  std::string bad_source = gpus;
  replace_once(bad_source, R"("name": "Tesla P100", "compute_capability": "6.0", "source": "nv_gpus_legacy")",
               R"("name": "Tesla P100", "compute_capability": "6.0", "source": "nv_gpus_nowhere")");
  auto e = parse_error_with("gpus", bad_source);
  EXPECT_NE(e.message.find("gpus.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("Tesla P100"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("nv_gpus_nowhere"), std::string::npos) << e.message;

  std::string typo = gpus;
  replace_once(typo, R"("name": "Tesla P100", "compute_capability")", R"("name": "Tesla P100", "compute_capabilty")");
  e = parse_error_with("gpus", typo);
  EXPECT_NE(e.message.find("compute_capability"), std::string::npos) << e.message;

  std::string tf = KnowledgeBase::builtin_documents().at("tensorflow");
  replace_once(tf, R"("version": "2.14.0")", R"("version": "2.16.0")");
  e = parse_error_with("tensorflow", tf);
  EXPECT_NE(e.message.find("tensorflow.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("ascending"), std::string::npos) << e.message;

  std::string torch = KnowledgeBase::builtin_documents().at("pytorch");
  replace_once(torch, R"({"tag": "cu121", "cuda": "12.1")", R"({"tag": "cu121", "cuda": "12.4")");
  e = parse_error_with("pytorch", torch);
  EXPECT_NE(e.message.find("pytorch.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("cu121"), std::string::npos) << e.message;

  std::string confirmed = KnowledgeBase::builtin_documents().at("jax");
  replace_once(confirmed, R"("confirmed": true)", R"("confirmed": "yes")");
  e = parse_error_with("jax", confirmed);
  EXPECT_NE(e.message.find("jax.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("confirmed"), std::string::npos) << e.message;
}

TEST(KnowledgeBaseParse, MissingDocumentIsAnError) {
  auto docs = KnowledgeBase::builtin_documents();
  docs.erase("images");
  auto parsed = KnowledgeBase::parse(docs);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("images.json"), std::string::npos);
}
