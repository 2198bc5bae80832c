#pragma once
// Internal to the resolver: the host as the rules see it, one candidate (framework release ×
// build variant × Python) and the rules that accept or reject it. Not part of compat's API.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compat/knowledge_base.hpp"
#include "compat/resolution.hpp"
#include "host/gpu_facts.hpp"

namespace dlenv::compat::detail {

// --- Text ---

// A driver version as NVIDIA writes it: "450.80.02", "570.26" (Version drops leading zeros).
std::string driver_text(const Version& v);
// "8.6" for a compute capability, "12.1" for a CUDA major.minor.
std::string major_minor(const Version& v);
// "sm_86".
std::string sm_name(const Version& cc);
// "5.0, 6.0, 7.0" (empty: "none").
std::string version_list(const std::vector<Version>& versions);
// `framework = "torch==2.7.1"`: a dlenv.toml line.
std::string toml_line(std::string_view key, std::string_view value);

// --- The host ---

struct HostView {
  bool has_driver = false;
  Version driver;
  std::string driver_str;            // as the driver writes it
  Version driver_cuda;               // major.minor the driver supports; empty: unknown
  bool driver_cuda_derived = false;  // derived from Table 3, not reported by the driver
  std::vector<host::Gpu> gpus;       // with compute capabilities filled in where the KB knows the product
  std::vector<Version> ccs;          // distinct compute capabilities, ascending
  std::vector<std::string> notes;    // facts the probe could not find, GPUs of unknown capability

  bool has_gpus() const { return !gpus.empty(); }
  // "8.6 (NVIDIA RTX A6000)".
  std::string describe(const Version& cc) const;
};

HostView make_host_view(const KnowledgeBase& kb, const host::GpuFacts& facts);

struct Context {
  const KnowledgeBase& kb;
  const Request& request;
  HostView host;
};

// --- Candidates ---

// Which rule rejected a candidate. Alternatives are found by relaxing one kind at a time.
enum class Rule {
  spec,       // the framework version does not match the request
  cuda_mode,  // a CUDA build when `cuda = "none"` or no GPU; a CPU build with GPUs
  cuda_pin,   // a CUDA other than the pinned one
  python,     // the pinned Python is outside the release's range
  driver,     // the driver cannot run this CUDA (or PTX under MVC)
  toolkit,    // the CUDA toolkit cannot build code for a GPU's architecture
  gpu_code,   // the build carries no SASS or usable PTX for a GPU
  other,      // missing facts
};

struct Rejection {
  Rule rule = Rule::other;
  std::string text;                      // in words, without the candidate's label
  std::optional<Version> driver_needed;  // Rule::driver: the lowest driver that would do
};

struct Candidate {
  Framework framework = Framework::none;
  std::optional<Version> version;        // nullopt: not pinned by the knowledge base (jax)
  std::string label;                     // "torch 2.3.1+cu118"
  std::string variant;                   // "cu118", "cpu", "and-cuda", "ngc-tf1", "cuda12", "debian"
  std::optional<Version> cuda;           // as the build names it (12.1); nullopt: CPU build
  const CudaRelease* release = nullptr;  // the toolkit release the driver is checked against
  // The build's own driver floor, checked instead of Table 3 and without minor version
  // compatibility (NGC containers' documented minimum; JAX's per-extra floor).
  std::optional<Version> required_driver;
  std::string required_driver_source;    // "NVIDIA's release notes for 23.03-tf1-py3"
  std::optional<Version> cudnn;
  std::optional<Version> python;
  std::optional<Version> python_in_range;  // when the pinned Python is rejected: the newest that fits
  bool pypi_default = false;
  int preference = 0;                    // lower wins before versions: 0 upstream, 1 NGC container
  bool in_spec = true;

  // The device code the build carries (known: from the KB; otherwise the toolkit's reach).
  bool code_known = false;
  std::vector<Version> sass;
  std::optional<Version> ptx;
  bool pip_brings_cuda = false;          // CUDA libraries come from pip, not the image
  bool image_requires_cuda = false;      // the base image sets NVIDIA_REQUIRE_CUDA

  std::vector<Rejection> rejections;
  std::vector<std::string> notes;        // why it holds, for the reasons when it is chosen
  std::vector<std::string> warnings;
  std::vector<Alternative> extra_alternatives;  // offered when it is chosen
  bool minor_version = false;
  std::optional<Version> full_driver;    // Table-3 minimum of `release`

  std::string base_image;
  std::vector<std::string> packages;
  std::vector<std::string> index_urls;
  std::vector<std::string> find_links;
  std::vector<std::string> apt_packages;
  bool distribution = false;
  std::map<std::string, std::string> env;

  bool rejected() const { return !rejections.empty(); }
  bool rejected_by(Rule r) const;
  // True when every rejection is of one of `rules` (and there is at least one).
  bool rejected_only_by(std::initializer_list<Rule> rules) const;
  void reject(Rule r, std::string text, std::optional<Version> needed = std::nullopt);
  void warn(std::string text);  // deduplicated
};

// --- Facts ---

// The releases of one CUDA major.minor, ascending.
std::vector<const CudaRelease*> releases_of(const KnowledgeBase& kb, const Version& cuda);
// The Table-3 minimum (or the branch's number, unconfirmed, when only a branch is known).
struct DriverMinimum {
  Version version;
  bool exact = true;
  std::string text;  // "530.30.02" or "R610 (exact minimum unknown)"
};
std::optional<DriverMinimum> minimum_driver(const CudaRelease& release);
// The release to use for a CUDA major.minor on this host: the newest patch whose minimum the
// driver meets, else the newest patch. `allowed` (when not empty) limits the patches.
const CudaRelease* pick_release(const Context& ctx, const Version& cuda, const std::vector<Version>& allowed = {});
const MinorVersionFamily* family_of(const KnowledgeBase& kb, int cuda_major);
const Architecture* architecture_of(const KnowledgeBase& kb, const Version& cc);
// The newest Python in `range` from 3.12 down (pinned: the pin, if in range).
std::optional<Version> newest_python(const VersionSpec& range);
std::string provenance_text(const Provenance& p);

// --- Rules ---

// CUDA `cuda` (a toolkit version) can build code that runs on `cc`: the architecture is within
// its first/last toolkit, or an older architecture of the same major is (binary compatible).
// Returns the rejection text, or nullopt; `warnings` gets facts that could not be checked.
std::optional<std::string> toolkit_rejects(const KnowledgeBase& kb, const Version& cuda, const Version& cc,
                                           std::vector<std::string>& warnings);
// Same, for a whole CUDA major family (pip extras that take the newest libraries of a major).
std::optional<std::string> family_rejects(const KnowledgeBase& kb, int cuda_major, const Version& cc,
                                          std::vector<std::string>& warnings);

// Applies the driver, toolkit and device-code rules for every selected GPU to a CUDA
// candidate (`release` set). A CPU candidate is left as it is.
void apply_cuda_rules(const Context& ctx, Candidate& c);
// Python: the pin if the release's range holds it, else the newest in range up to 3.12.
void apply_python_rule(const Context& ctx, Candidate& c, const VersionSpec& range, std::string_view what);
// cuda = "none" / pinned / automatic against a candidate's CUDA.
void apply_cuda_mode_rule(const Context& ctx, Candidate& c);
// Adds a warning for each unconfirmed fact.
void note_provenance(Candidate& c, const Provenance& p, std::string_view what);

// --- Images ---

struct CudaImage {
  std::string reference;                 // "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"
  const CudaRelease* release = nullptr;
  std::optional<Version> cudnn;          // the cuDNN major in the image
  bool listed = false;                   // the tag is in the knowledge base's list
  bool removed = false;                  // the tag is known to be deleted
  std::vector<std::string> notes;
  std::vector<std::string> warnings;
};
// The nvidia/cuda cuDNN runtime image for a CUDA major.minor, preferring listed tags that are
// not known to be removed, the patch the driver meets, and the Ubuntu whose Python is `python`.
CudaImage choose_cuda_image(const Context& ctx, const Version& cuda, const std::optional<Version>& python);
// "python:3.11-slim-bookworm".
std::string python_slim_image(const Version& python);
// A tag of `repository` known to the knowledge base (and not known removed).
bool image_listed(const KnowledgeBase& kb, std::string_view repository, std::string_view tag);

// --- Frameworks: candidate generation (all releases; `in_spec` marks the requested ones) ---

std::vector<Candidate> torch_candidates(const Context& ctx);
std::vector<Candidate> tensorflow_candidates(const Context& ctx);
std::vector<Candidate> jax_candidates(const Context& ctx);
std::vector<Candidate> bare_candidates(const Context& ctx);  // no framework
// Debian's python3-torch, when `prefer_distribution` and a CPU build is wanted.
std::vector<Candidate> debian_candidates(const Context& ctx);

}  // namespace dlenv::compat::detail
