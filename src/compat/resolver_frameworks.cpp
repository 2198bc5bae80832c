// Candidate generation per framework: every release × build variant in the knowledge base,
// each with its Python, base image and pip requirements, run through the rules. Releases
// outside the requested version are kept (marked) so that alternatives can name them.
#include <algorithm>

#include <fmt/format.h>

#include "compat/resolver_support.hpp"
#include "util/text.hpp"

namespace dlenv::compat::detail {

namespace {

std::string cuda_tag(const Version& cuda) { return fmt::format("cu{}{}", cuda.major(), cuda.minor()); }

void add_image(Candidate& c, const CudaImage& img) {
  c.base_image = img.reference;
  c.release = img.release;
  if (!c.cudnn) c.cudnn = img.cudnn;  // a tested configuration's own cuDNN comes first
  c.image_requires_cuda = true;
  for (const auto& n : img.notes) c.notes.push_back(n);
  for (const auto& w : img.warnings) c.warn(w);
}

void spec_rule(const Context& ctx, Candidate& c, const Version& version) {
  c.in_spec = ctx.request.framework_version.matches(version);
  if (!c.in_spec)
    c.reject(Rule::spec, fmt::format("{} {} does not match {}", to_string(c.framework), version.str(),
                                     ctx.request.framework_version.str()));
}

// True when `spec` lets through some version >= `floor` (its upper bounds are not below it).
bool admits_at_least(const VersionSpec& spec, const Version& floor) {
  for (const auto& cl : spec.clauses()) {
    if (cl.op == "==" && cl.wildcard && cl.version < floor.truncated(cl.version.size())) return false;
    if (cl.op == "==" && !cl.wildcard && cl.version < floor) return false;
    if (cl.op == "<" && cl.version <= floor) return false;
    if (cl.op == "<=" && cl.version < floor) return false;
  }
  return true;
}

}  // namespace

// --- PyTorch ---

std::vector<Candidate> torch_candidates(const Context& ctx) {
  std::vector<Candidate> out;
  for (const auto& r : ctx.kb.torch_releases) {
    for (const auto& v : r.variants) {
      Candidate c;
      c.framework = Framework::torch;
      c.version = r.version;
      c.variant = v.tag;
      c.cuda = v.cuda ? std::optional<Version>(v.cuda->truncated(2)) : std::nullopt;
      c.pypi_default = v.pypi_default;
      c.label = fmt::format("torch {}+{}", r.version.str(), v.tag);
      c.sass = v.sass;
      c.ptx = v.ptx;
      c.code_known = !v.sass.empty() || v.ptx.has_value();
      spec_rule(ctx, c, r.version);
      apply_cuda_mode_rule(ctx, c);
      apply_python_rule(ctx, c, r.python, fmt::format("torch {}", r.version.str()));
      note_provenance(c, r.provenance, fmt::format("torch {}'s release facts", r.version.str()));
      note_provenance(c, v.provenance, fmt::format("{}'s architecture list", c.label));

      if (c.cuda) {
        add_image(c, choose_cuda_image(ctx, *c.cuda, c.python));
        apply_cuda_rules(ctx, c);
      } else if (c.python) {
        c.base_image = python_slim_image(*c.python);
        c.notes.push_back(fmt::format("base image {}: a CPU build needs no CUDA", c.base_image));
      }

      // pip: the PyTorch index (2.x, 1.11+) or the find-links page (<= 1.10, pinned by local version).
      bool find_links = !v.find_links.empty() || r.install_style == "find-links";
      std::string links = !v.find_links.empty() ? v.find_links : v.index_url;
      std::string local = find_links && !v.pypi_default ? "+" + v.tag : "";
      c.packages.push_back(fmt::format("torch=={}{}", r.version.str(), local));
      if (Version::parse(r.torchvision))
        c.packages.push_back(fmt::format("torchvision=={}{}", r.torchvision, local));
      else
        c.warn(fmt::format("no torchvision version is known for torch {}; torchvision is not pinned", r.version.str()));
      if (Version::parse(r.torchaudio))
        c.packages.push_back(fmt::format("torchaudio=={}", r.torchaudio));
      else
        c.warn(fmt::format("no torchaudio version is known for torch {}; torchaudio is not pinned", r.version.str()));
      if (v.pypi_default)
        c.notes.push_back(fmt::format("{} is the build plain `pip install torch=={}` gets from PyPI", c.label,
                                      r.version.str()));
      else if (find_links && !links.empty()) {
        c.find_links.push_back(links);
        c.notes.push_back(fmt::format("{} comes from the pip find-links page {}", c.label, links));
      } else if (!v.index_url.empty()) {
        c.index_urls.push_back(v.index_url);
        c.notes.push_back(fmt::format("{} comes from the index {}", c.label, v.index_url));
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

// --- TensorFlow ---

namespace {

// The newest patch of a TensorFlow minor the knowledge base knows (tested configurations,
// NVIDIA's TF1 containers, tensorflow/tensorflow tags): the version to pin when the request
// names a series.
Version newest_tensorflow_patch(const KnowledgeBase& kb, const Version& minor) {
  Version best;
  auto consider = [&](const Version& v) {
    if (v.truncated(2) == minor.truncated(2) && v > best) best = v;
  };
  for (const auto& t : kb.tensorflow_configs) consider(t.version);
  for (const auto& n : kb.ngc_tf1_images) consider(n.tensorflow);
  for (const auto& f : kb.image_families)
    if (f.repository == "tensorflow/tensorflow")
      for (const auto& tag : f.known_tags)
        if (auto v = Version::parse(split(tag, '-')[0]); v && v->size() == 3) consider(*v);
  return best.empty() ? minor : best;
}

std::string tensorflow_gpu_package(const TensorflowConfig& t, const Version& version) {
  if (!t.pip_package.empty()) return t.pip_package;
  return version < Version({2, 1}) ? "tensorflow-gpu" : "tensorflow";  // GPU support in `tensorflow` from 2.1
}

std::string tensorflow_gpu_requirement(const TensorflowConfig& t, const Version& version) {
  if (t.and_cuda_extra) return fmt::format("tensorflow[and-cuda]=={}", version.str());
  return fmt::format("{}=={}", tensorflow_gpu_package(t, version), version.str());
}

// tensorflow/tensorflow's own GPU image for a version, when the knowledge base lists one.
std::optional<std::string> tensorflow_gpu_image(const KnowledgeBase& kb, const Version& version) {
  for (const char* suffix : {"-gpu-py3", "-gpu"}) {
    std::string tag = version.str() + suffix;
    if (image_listed(kb, "tensorflow/tensorflow", tag)) return "tensorflow/tensorflow:" + tag;
  }
  return std::nullopt;
}

}  // namespace

namespace {

// The GPU build of a tested configuration: pip's CUDA (and-cuda) or an nvidia/cuda image.
// The rules every build of a tested configuration goes through, once its variant and label are set.
void apply_tensorflow_rules(const Context& ctx, Candidate& c, const TensorflowConfig& t) {
  spec_rule(ctx, c, *c.version);
  apply_cuda_mode_rule(ctx, c);
  apply_python_rule(ctx, c, t.python, fmt::format("tensorflow {}", c.version->str()));
  note_provenance(c, t.provenance, fmt::format("tensorflow {}'s tested configuration", t.version.truncated(2).str()));
}

Candidate tensorflow_gpu_candidate(const Context& ctx, const TensorflowConfig& t, const Version& version) {
  const Version minor = t.version.truncated(2);
  const std::string what = fmt::format("tensorflow {}", version.str());
  Candidate c;
  c.framework = Framework::tensorflow;
  c.version = version;
  c.cuda = t.cuda->truncated(2);
  c.cudnn = t.cudnn;
  c.variant = t.and_cuda_extra ? "and-cuda" : cuda_tag(*c.cuda);
  c.label = t.and_cuda_extra ? fmt::format("tensorflow[and-cuda] {}", version.str())
                             : fmt::format("{} {} (CUDA {})", tensorflow_gpu_package(t, version), version.str(),
                                           major_minor(*c.cuda));
  apply_tensorflow_rules(ctx, c, t);
  c.notes.push_back(fmt::format("tensorflow {} is tested with CUDA {} and cuDNN {}", minor.str(),
                                major_minor(*c.cuda), t.cudnn ? t.cudnn->str() : std::string("(unknown)")));
  if (t.and_cuda_extra) {
    // pip brings the CUDA libraries: a slim Python base is enough.
    c.pip_brings_cuda = true;
    c.release = pick_release(ctx, *c.cuda);
    if (c.python) c.base_image = python_slim_image(*c.python);
    c.notes.push_back(fmt::format("tensorflow[and-cuda] installs the CUDA {} libraries with pip, so the base image "
                                  "is {}",
                                  major_minor(*c.cuda), c.base_image));
  } else {
    CudaImage img = choose_cuda_image(ctx, *c.cuda, c.python);
    add_image(c, img);
    if (t.cudnn && img.cudnn && img.cudnn->major() != t.cudnn->major())
      c.warn(fmt::format("{} is tested with cuDNN {} but {} carries cuDNN {}", what, t.cudnn->str(), img.reference,
                         img.cudnn->str()));
    if (img.removed) {
      if (auto tf_image = tensorflow_gpu_image(ctx.kb, version))
        c.extra_alternatives.push_back(
            {fmt::format("TensorFlow's own image {} (same CUDA {}; Python is the image's)", *tf_image,
                         major_minor(*c.cuda)),
             toml_line("base", *tf_image)});
    }
  }
  // TensorFlow's wheels carry SASS for a few architectures and PTX for the newest one;
  // the knowledge base has no per-version list, so the toolkit's reach decides.
  apply_cuda_rules(ctx, c);
  c.packages.push_back(tensorflow_gpu_requirement(t, version));
  return c;
}

Candidate tensorflow_cpu_candidate(const Context& ctx, const TensorflowConfig& t, const Version& version) {
  Candidate cpu;
  cpu.framework = Framework::tensorflow;
  cpu.version = version;
  cpu.variant = "cpu";
  cpu.label = fmt::format("tensorflow {} (CPU)", version.str());
  apply_tensorflow_rules(ctx, cpu, t);
  if (cpu.python) cpu.base_image = python_slim_image(*cpu.python);
  cpu.packages.push_back(fmt::format("tensorflow=={}", version.str()));
  return cpu;
}

// NVIDIA's TF1 container: TF 1.15 rebuilt with new CUDA, for GPUs upstream TF1 cannot use.
Candidate ngc_tf1_candidate(const Context& ctx, const NgcTf1Image& n) {
  Candidate c;
  c.framework = Framework::tensorflow;
  c.version = n.tensorflow;
  c.cuda = n.cuda.truncated(2);
  c.variant = "ngc-tf1";
  c.preference = 1;
  c.label = fmt::format("NVIDIA's TF1 container {}", n.tag);
  c.base_image = "nvcr.io/nvidia/tensorflow:" + n.tag;
  c.sass = n.compute_capabilities;
  c.code_known = !n.compute_capabilities.empty();
  c.required_driver = n.min_driver;
  c.required_driver_source = fmt::format("NVIDIA's release notes for {}", n.tag);
  auto rs = releases_of(ctx.kb, n.cuda);
  c.release = rs.empty() ? pick_release(ctx, n.cuda.truncated(2)) : rs.back();
  spec_rule(ctx, c, n.tensorflow);
  apply_cuda_mode_rule(ctx, c);
  if (!n.python.empty()) c.python = n.python.truncated(2);
  if (ctx.request.python && (!c.python || *c.python != ctx.request.python->truncated(2)))
    c.reject(Rule::python, c.python ? fmt::format("the container's Python is {}, not the pinned {}", major_minor(*c.python),
                                                  major_minor(*ctx.request.python))
                                    : fmt::format("the container brings its own Python, which the knowledge base does "
                                                  "not record, so the pinned Python {} cannot be checked",
                                                  major_minor(*ctx.request.python)));
  note_provenance(c, n.provenance, fmt::format("the {} container's facts", n.tag));
  c.notes.push_back(fmt::format("{} carries TensorFlow {} built by NVIDIA with CUDA {} (upstream TF 1.x is built "
                                "with CUDA 10.0)",
                                c.base_image, n.tensorflow.str(), n.cuda.str()));
  c.notes.push_back(fmt::format("the container brings TensorFlow and its own Python{}; nothing is installed with pip "
                                "for it",
                                c.python ? " " + major_minor(*c.python) : std::string()));
  c.warn(fmt::format("{} is from NVIDIA's discontinued TF1 line (no further monthly releases); TensorFlow 1.x gets "
                     "no fixes",
                     c.base_image));
  apply_cuda_rules(ctx, c);
  return c;
}

}  // namespace

std::vector<Candidate> tensorflow_candidates(const Context& ctx) {
  std::vector<Candidate> out;
  const auto exact = ctx.request.framework_version.exact();
  for (const auto& t : ctx.kb.tensorflow_configs) {
    Version minor = t.version.truncated(2);
    Version version = exact && exact->truncated(2) == minor ? *exact : newest_tensorflow_patch(ctx.kb, minor);
    if (t.cuda) out.push_back(tensorflow_gpu_candidate(ctx, t, version));
    out.push_back(tensorflow_cpu_candidate(ctx, t, version));
  }
  for (const auto& n : ctx.kb.ngc_tf1_images) out.push_back(ngc_tf1_candidate(ctx, n));
  return out;
}

// --- JAX ---

std::vector<Candidate> jax_candidates(const Context& ctx) {
  std::vector<Candidate> out;
  const VersionSpec& spec = ctx.request.framework_version;
  std::string spec_text = spec.str();
  auto base = [&](Candidate& c) {
    c.framework = Framework::jax;
    c.version = spec.exact();
    apply_python_rule(ctx, c, VersionSpec(), "jax");
    if (c.python) c.base_image = python_slim_image(*c.python);
  };
  for (const auto& e : ctx.kb.jax_extras) {
    std::string extra = e.extra;
    if (starts_with(extra, "jax[")) extra = extra.substr(4);
    if (!extra.empty() && extra.back() == ']') extra.pop_back();
    // "-local" extras use a CUDA installed in the image; dlenv takes CUDA from pip for JAX.
    if (extra.size() > 6 && extra.substr(extra.size() - 6) == "-local") continue;
    Candidate c;
    c.variant = extra;
    c.label = fmt::format("jax[{}]", extra);
    c.cuda = Version({e.cuda_major});
    c.pip_brings_cuda = true;
    c.required_driver = e.min_driver;
    c.required_driver_source = fmt::format("JAX's installation notes for jax[{}]", extra);
    base(c);
    if (e.min_jax && !admits_at_least(spec, *e.min_jax))
      c.reject(Rule::spec, fmt::format("jax[{}] needs jax {} or newer, outside {}", extra, e.min_jax->str(), spec_text));
    c.in_spec = !c.rejected_by(Rule::spec);
    apply_cuda_mode_rule(ctx, c);
    note_provenance(c, e.provenance, fmt::format("jax[{}]'s driver and GPU floor", extra));
    if (e.min_compute_capability)
      for (const auto& cc : ctx.host.ccs)
        if (cc < *e.min_compute_capability)
          c.reject(Rule::gpu_code, fmt::format("jax[{}] needs compute capability {} or newer; GPU {} is older", extra,
                                               major_minor(*e.min_compute_capability), ctx.host.describe(cc)));
    c.notes.push_back(fmt::format("jax[{}] installs the CUDA {} libraries with pip, so the base image is {}", extra,
                                  e.cuda_major, c.base_image));
    apply_cuda_rules(ctx, c);
    // pip takes the newest libraries of the major: below their Table-3 minimum that is MVC.
    if (ctx.host.has_driver && !c.rejected()) {
      const CudaRelease* newest = nullptr;
      for (const auto& r : ctx.kb.cuda_releases)
        if (r.version.major() == e.cuda_major && !r.min_driver.empty()) newest = &r;
      if (newest && ctx.host.driver < newest->min_driver)
        c.warn(fmt::format("jax[{}] installs the newest CUDA {} libraries; on driver {} they run under minor version "
                           "compatibility, so PTX JIT compilation needs the full driver (CUDA {} needs {})",
                           extra, e.cuda_major, ctx.host.driver_str, newest->version.str(),
                           driver_text(newest->min_driver)));
    }
    c.packages.push_back(fmt::format("jax[{}]{}", extra, spec_text));
    out.push_back(std::move(c));
  }
  Candidate cpu;
  cpu.variant = "cpu";
  cpu.label = "jax (CPU)";
  base(cpu);
  apply_cuda_mode_rule(ctx, cpu);
  cpu.packages.push_back("jax" + spec_text);
  out.push_back(std::move(cpu));
  return out;
}

// --- No framework: a base image only ---

std::vector<Candidate> bare_candidates(const Context& ctx) {
  std::vector<Candidate> out;
  std::vector<Version> minors;
  for (const auto& r : ctx.kb.cuda_releases)
    if (std::find(minors.begin(), minors.end(), r.version.truncated(2)) == minors.end())
      minors.push_back(r.version.truncated(2));
  for (const auto& mm : minors) {
    Candidate c;
    c.cuda = mm;
    c.variant = cuda_tag(mm);
    c.label = fmt::format("CUDA {}", major_minor(mm));
    apply_cuda_mode_rule(ctx, c);
    if (c.rejected()) continue;  // only the pinned CUDA, or every CUDA with GPUs
    apply_python_rule(ctx, c, VersionSpec(), "the environment");
    add_image(c, choose_cuda_image(ctx, mm, c.python));
    apply_cuda_rules(ctx, c);
    out.push_back(std::move(c));
  }
  Candidate cpu;
  cpu.variant = "cpu";
  cpu.label = "no framework (CPU)";
  apply_cuda_mode_rule(ctx, cpu);
  apply_python_rule(ctx, cpu, VersionSpec(), "the environment");
  if (cpu.python) cpu.base_image = python_slim_image(*cpu.python);
  out.push_back(std::move(cpu));
  return out;
}

// --- Debian's python3-torch ---

namespace {

// Source: debian packages (python3-torch in each Debian release, and the release's Python 3).
struct DebianTorch {
  const char* suite;
  Version torch;
  Version python;
};

const std::vector<DebianTorch>& debian_torch() {
  static const std::vector<DebianTorch> table = {
      {"bullseye", Version({1, 7, 1}), Version({3, 9})},
      {"bookworm", Version({1, 13, 1}), Version({3, 11})},
      {"trixie", Version({2, 6, 0}), Version({3, 13})},
  };
  return table;
}

}  // namespace

std::vector<Candidate> debian_candidates(const Context& ctx) {
  std::vector<Candidate> out;
  if (!ctx.request.prefer_distribution || ctx.request.framework != Framework::torch) return out;
  for (const auto& d : debian_torch()) {
    Candidate c;
    c.framework = Framework::torch;
    c.version = d.torch;
    c.variant = "debian";
    c.preference = -1;
    c.label = fmt::format("Debian {}'s python3-torch {}", d.suite, d.torch.str());
    c.python = d.python;
    c.distribution = true;
    c.apt_packages = {"python3-torch"};
    c.base_image = fmt::format("dlenv/debian:{}", d.suite);
    spec_rule(ctx, c, d.torch);
    apply_cuda_mode_rule(ctx, c);
    if (!ctx.request.distribution_base.empty() && ctx.request.distribution_base != c.base_image)
      c.reject(Rule::other, fmt::format("the base image is {}, not {}", ctx.request.distribution_base, c.base_image));
    if (ctx.request.python && ctx.request.python->truncated(2) != d.python)
      c.reject(Rule::python, fmt::format("Debian {}'s Python is {}, not the pinned {}", d.suite, major_minor(d.python),
                                         major_minor(*ctx.request.python)));
    c.notes.push_back(fmt::format("Debian {} ships python3-torch {} (a CPU build) with Python {} (source: debian "
                                  "packages)",
                                  d.suite, d.torch.str(), major_minor(d.python)));
    c.notes.push_back(fmt::format("prefer_distribution: the framework comes from {}'s apt packages, not pip",
                                  c.base_image));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace dlenv::compat::detail
