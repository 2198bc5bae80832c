#pragma once
// The compatibility knowledge base: facts about CUDA, drivers, GPU architectures and
// framework builds, each naming its source. Loaded from JSON data files under data/compat/
// that are compiled into the binary; adding a framework release is a data change only.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "util/version.hpp"

namespace dlenv::compat {

// Every fact carries where it came from, and whether that source confirmed it.
struct Provenance {
  std::string source;      // a source key of data/compat/sources.json, or a URL
  bool confirmed = true;   // false: used with a warning
  std::string note;        // why it is unconfirmed, or what qualifies it ("" when nothing)
};

struct CudaRelease {
  Version version;               // 12.1.1
  Version min_driver;            // Linux x86_64 minimum (Table 3); empty when only a branch is known
  std::string min_driver_text;   // as NVIDIA writes it ("530.30.02"; Version drops the leading 0)
  std::string driver_branch;     // "R580" when only the branch is known
  Provenance provenance;
};

// Minor version compatibility of one CUDA major family (11.x >= 450.80.02, ...).
struct MinorVersionFamily {
  int cuda_major = 0;
  Version min_driver;                     // the practical Linux floor
  std::string min_driver_text;            // "450.80.02"
  std::optional<Version> driver_below;    // upper end of the range (exclusive), if any
  std::vector<std::string> caveats;       // this family's, then those of every family (PTX, SASS, ...)
  Provenance provenance;
};

struct Architecture {
  std::string name;                     // "Pascal"
  std::vector<Version> compute_capabilities;
  Version first_cuda;                   // first toolkit that compiles for it
  std::optional<Version> last_cuda;     // last toolkit that does (nullopt: ongoing)
  std::string last_driver_branch;       // "R580", "" when ongoing
  Provenance provenance;
};

struct GpuProduct {
  std::string name;          // "GeForce GTX 1080 Ti"
  Version compute_capability;
  Provenance provenance;
};

// One CUDA (or CPU) build of a PyTorch release.
struct TorchVariant {
  std::string tag;                      // "cu121", "cpu"
  std::optional<Version> cuda;          // nullopt for cpu
  std::string index_url;                // https://download.pytorch.org/whl/cu121
  std::vector<Version> sass;            // compute capabilities with SASS in the wheel
  std::optional<Version> ptx;           // the newest arch shipped as PTX, if any
  bool pypi_default = false;            // what plain `pip install torch` gets on Linux
  std::string find_links;               // `pip -f` page, for releases installed that way ("" otherwise)
  Provenance provenance;                // of this build and its architecture list
};

struct TorchRelease {
  Version version;                      // 2.3.1
  VersionSpec python;                   // ">=3.8,<3.13"
  std::string torchvision;              // matching versions ("" when not known)
  std::string torchaudio;
  std::string install_style;            // "index-url" (2.x), "extra-index-url" (1.11-1.13, 1.8 LTS),
                                        // "find-links" (<= 1.10: `-f find_links` and a +tag pin)
  std::vector<TorchVariant> variants;   // "cpu" first, then ascending CUDA
  Provenance provenance;

  const TorchVariant* variant(std::string_view tag) const;
};

// A tested TensorFlow build configuration (Linux GPU).
struct TensorflowConfig {
  Version version;                      // 2.15.0
  VersionSpec python;
  std::optional<Version> cuda;          // nullopt: CPU only
  std::optional<Version> cudnn;
  std::string pip_package;              // "tensorflow" (GPU included from 2.1), "tensorflow-gpu"
  bool and_cuda_extra = false;          // `tensorflow[and-cuda]` brings the CUDA libraries
  Provenance provenance;
};

// NVIDIA's TF1 containers (nvcr.io/nvidia/tensorflow:YY.MM-tf1-py3) for TF 1.15 on new GPUs.
struct NgcTf1Image {
  std::string tag;                      // "23.03-tf1-py3"
  Version tensorflow;                   // 1.15.5 ("1.15" when the patch release is not known)
  Version cuda;
  Version python;                       // 3.8
  Version min_driver;
  std::vector<Version> compute_capabilities;  // what it supports
  Provenance provenance;
};

struct JaxExtra {
  std::string extra;                    // "cuda12", "cuda13"
  int cuda_major = 0;
  std::optional<Version> min_jax;
  Version min_driver;
  std::optional<Version> min_compute_capability;  // 7.5 for cuda13
  Provenance provenance;
};

// An image repository's tag forms and what is known to be gone. A repository has one entry
// per tag form (and per source), so each list has one provenance.
struct ImageFamily {
  std::string repository;               // "nvidia/cuda"
  std::string tag_form;                 // "{cuda}-cudnn-runtime-ubuntu{ubuntu}" (documentation)
  std::vector<std::string> known_tags;  // tags known to exist
  std::vector<std::string> removed_tags;// tags known not to be pullable (deleted, or never
                                        // published); "11.7.0-*": every tag with that prefix
  Provenance provenance;
};

class KnowledgeBase {
 public:
  // The knowledge base compiled into dlenv.
  static const KnowledgeBase& builtin();
  // Parses the data files' JSON (one document per file, keyed by file name stem: "cuda",
  // "gpus", "images", "jax", "pytorch", "sources", "tensorflow"; all required). A malformed
  // entry is ErrorCode::internal naming the file and the entry.
  static Result<KnowledgeBase> parse(const std::map<std::string, std::string>& documents);
  // The documents compiled in (data/compat/*.json), keyed by file name stem.
  static std::map<std::string, std::string> builtin_documents();

  std::vector<CudaRelease> cuda_releases;           // ascending
  std::vector<MinorVersionFamily> minor_version_families;
  std::vector<Architecture> architectures;
  std::vector<GpuProduct> gpu_products;
  std::vector<TorchRelease> torch_releases;         // ascending
  std::vector<TensorflowConfig> tensorflow_configs; // ascending
  std::vector<NgcTf1Image> ngc_tf1_images;          // ascending
  std::vector<JaxExtra> jax_extras;
  std::vector<ImageFamily> image_families;
  std::map<std::string, std::string> sources;       // key -> "description (URL)"

  // "12.1.0": that release (else the newest 12.1.x); "12.1": the newest 12.1.x.
  const CudaRelease* cuda_release(const Version& v) const;
  const MinorVersionFamily* minor_version_family(int cuda_major) const;
  const Architecture* architecture_of(const Version& cc) const;
  // Forgiving: case, a leading "NVIDIA"/"GeForce"/"Tesla"/"Quadro", memory and form-factor
  // words ("80GB", "HBM3", "-SXM4-", "PCIe") do not matter, and a longer name matches its
  // longest known prefix ("... RTX 4070 Ti SUPER" -> "RTX 4070 Ti").
  std::optional<Version> compute_capability_of(std::string_view product_name) const;
  const TorchRelease* torch_release(const Version& v) const;     // exact
  const TensorflowConfig* tensorflow_config(const Version& v) const;  // exact or same major.minor
};

}  // namespace dlenv::compat
