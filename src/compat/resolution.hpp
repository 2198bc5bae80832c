#pragma once
// The resolver's input and output. Pure values: no engine, no files.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compat/framework.hpp"
#include "host/gpu_facts.hpp"
#include "util/version.hpp"

namespace dlenv::compat {

// What the user asked for (from dlenv.toml or `dlenv plan --framework ...`).
struct Request {
  Framework framework = Framework::none;
  VersionSpec framework_version;       // "==2.3.1", ">=2.7", "==1.15.*"; empty: newest
  std::optional<Version> python;       // pinned Python major.minor
  enum class Cuda { automatic, pinned, none } cuda_mode = Cuda::automatic;
  std::optional<Version> cuda;         // when pinned
  std::string requested_text;          // "torch==2.3.1" as written, for messages
  // Take the framework from the distribution's packages (Debian's python3-torch) when a
  // CPU build is wanted and a Debian release ships a matching version.
  bool prefer_distribution = false;
  // The distribution image the environment is built on ("dlenv/debian:bookworm"), when given:
  // only that release's packages are candidates.
  std::string distribution_base;
};

// One way out when the request cannot be met as it stands.
struct Alternative {
  std::string description;             // "PyTorch 2.7.1 with CUDA 12.8"
  std::string change;                  // "framework = \"torch==2.7.1\"" or "upgrade the driver to >= 570.26"
};

struct Resolution {
  bool ok = false;
  Framework framework = Framework::none;
  std::optional<Version> framework_version;
  std::optional<Version> cuda;         // nullopt: CPU build
  std::optional<Version> cudnn;
  std::optional<Version> python;
  std::string base_image;              // "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04", NGC TF1 image, ...
  std::string variant;                 // "cu121", "cpu", "and-cuda", "ngc-tf1", "cuda12", "debian"
  std::vector<std::string> packages;   // pip requirement strings
  std::vector<std::string> index_urls; // extra index URLs for pip
  std::vector<std::string> find_links; // pip --find-links pages (PyTorch <= 1.10 wheels)
  std::vector<std::string> apt_packages;  // for distribution-provided frameworks
  bool distribution_framework = false; // the framework comes from the base's packages (Debian)
  bool minor_version_compat = false;   // the driver runs the CUDA build only through MVC
  // Environment the container needs: NVIDIA_DISABLE_REQUIRE=true when only minor version
  // compatibility lets the driver run the image's CUDA (the toolkit's requirement check would refuse).
  std::map<std::string, std::string> container_env;
  std::vector<std::string> reasons;    // the rules that decided, in words, in order
  std::vector<std::string> warnings;   // unconfirmed facts used, caveats that apply
  std::vector<Alternative> alternatives;
  std::string failed_constraint;       // when !ok: which constraint could not be met
};

}  // namespace dlenv::compat
