// The rules every candidate goes through: driver (Table 3 or minor version compatibility),
// the CUDA toolkit's architecture reach, the device code a build carries, Python, and the
// user's `cuda` setting. Each rejection is recorded in words.
#include <algorithm>

#include <fmt/format.h>

#include "compat/resolver_support.hpp"
#include "util/text.hpp"

namespace dlenv::compat::detail {

// --- Text ---

std::string driver_text(const Version& v) {
  if (v.empty()) return "";
  std::string s = std::to_string(v.major());
  for (size_t i = 1; i < v.size(); ++i) s += fmt::format(".{:02d}", v.part(i));
  return s;
}

std::string major_minor(const Version& v) { return fmt::format("{}.{}", v.major(), v.minor()); }

std::string sm_name(const Version& cc) { return fmt::format("sm_{}{}", cc.major(), cc.minor()); }

std::string version_list(const std::vector<Version>& versions) {
  if (versions.empty()) return "none";
  std::vector<std::string> s;
  for (const auto& v : versions) s.push_back(major_minor(v));
  return join(s, ", ");
}

std::string toml_line(std::string_view key, std::string_view value) {
  return fmt::format("{} = \"{}\"", key, value);
}

std::string provenance_text(const Provenance& p) {
  std::string s = p.source.empty() ? std::string("no source recorded") : "source: " + p.source;
  if (!p.note.empty()) s += "; " + p.note;
  return s;
}

// --- The host ---

std::string HostView::describe(const Version& cc) const {
  std::vector<std::string> names;
  for (const auto& g : gpus)
    if (g.compute_capability == cc && std::find(names.begin(), names.end(), g.name) == names.end() &&
        !g.name.empty())
      names.push_back(g.name);
  if (names.empty()) return major_minor(cc);
  return fmt::format("{} ({})", major_minor(cc), join(names, ", "));
}

HostView make_host_view(const KnowledgeBase& kb, const host::GpuFacts& facts) {
  HostView h;
  if (facts.driver && !facts.driver->version.empty()) {
    h.has_driver = true;
    h.driver = facts.driver->version;
    h.driver_str = facts.driver->version_string();
    h.driver_cuda = facts.driver->cuda_driver_version.empty() ? Version() : facts.driver->cuda_driver_version.truncated(2);
    if (h.driver_cuda.empty()) {
      // The newest CUDA whose Table-3 minimum the driver meets.
      for (const auto& r : kb.cuda_releases) {
        auto min = minimum_driver(r);
        if (min && min->exact && h.driver >= min->version && r.version.truncated(2) > h.driver_cuda)
          h.driver_cuda = r.version.truncated(2);
      }
      h.driver_cuda_derived = !h.driver_cuda.empty();
    }
  }
  for (auto g : facts.gpus) {
    if (g.compute_capability.empty()) {
      if (auto cc = kb.compute_capability_of(g.name)) {
        g.compute_capability = *cc;
        h.notes.push_back(fmt::format("GPU {} ({}): compute capability {} taken from the knowledge base's product list",
                                      g.index, g.name, major_minor(*cc)));
      } else {
        h.notes.push_back(fmt::format("GPU {} ({}): compute capability unknown; its code cannot be checked", g.index,
                                      g.name.empty() ? std::string("unnamed") : g.name));
      }
    }
    h.gpus.push_back(g);
    if (!g.compute_capability.empty() &&
        std::find(h.ccs.begin(), h.ccs.end(), g.compute_capability.truncated(2)) == h.ccs.end())
      h.ccs.push_back(g.compute_capability.truncated(2));
  }
  std::sort(h.ccs.begin(), h.ccs.end());
  return h;
}

// --- Candidates ---

bool Candidate::rejected_by(Rule r) const {
  return std::any_of(rejections.begin(), rejections.end(), [&](const Rejection& x) { return x.rule == r; });
}

bool Candidate::rejected_only_by(std::initializer_list<Rule> rules) const {
  if (rejections.empty()) return false;
  for (const auto& x : rejections)
    if (std::find(rules.begin(), rules.end(), x.rule) == rules.end()) return false;
  return true;
}

void Candidate::reject(Rule r, std::string text, std::optional<Version> needed) {
  for (const auto& x : rejections)
    if (x.text == text) return;
  rejections.push_back({r, std::move(text), std::move(needed)});
}

void Candidate::warn(std::string text) {
  if (std::find(warnings.begin(), warnings.end(), text) == warnings.end()) warnings.push_back(std::move(text));
}

void note_provenance(Candidate& c, const Provenance& p, std::string_view what) {
  if (!p.confirmed) c.warn(fmt::format("unconfirmed fact used: {} ({})", what, provenance_text(p)));
}

// --- Facts ---

std::vector<const CudaRelease*> releases_of(const KnowledgeBase& kb, const Version& cuda) {
  std::vector<const CudaRelease*> out;
  Version mm = cuda.truncated(2);
  for (const auto& r : kb.cuda_releases)
    if (r.version.truncated(2) == mm && (cuda.size() <= 2 || r.version == cuda)) out.push_back(&r);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->version < b->version; });
  return out;
}

std::optional<DriverMinimum> minimum_driver(const CudaRelease& release) {
  if (!release.min_driver.empty()) return DriverMinimum{release.min_driver, true, driver_text(release.min_driver)};
  std::string branch = release.driver_branch;
  if (!branch.empty() && (branch[0] == 'R' || branch[0] == 'r')) branch = branch.substr(1);
  if (auto v = Version::parse(branch))
    return DriverMinimum{*v, false, fmt::format("{} (branch only; exact minimum unknown)", release.driver_branch)};
  return std::nullopt;
}

const CudaRelease* pick_release(const Context& ctx, const Version& cuda, const std::vector<Version>& allowed) {
  auto all = releases_of(ctx.kb, cuda);
  std::vector<const CudaRelease*> rs;
  for (auto* r : all)
    if (allowed.empty() || std::find(allowed.begin(), allowed.end(), r->version) != allowed.end()) rs.push_back(r);
  if (rs.empty()) return nullptr;
  if (ctx.host.has_driver) {
    for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
      auto min = minimum_driver(**it);
      if (min && ctx.host.driver >= min->version) return *it;
    }
  }
  return rs.back();
}

const MinorVersionFamily* family_of(const KnowledgeBase& kb, int cuda_major) {
  for (const auto& f : kb.minor_version_families)
    if (f.cuda_major == cuda_major) return &f;
  return nullptr;
}

const Architecture* architecture_of(const KnowledgeBase& kb, const Version& cc) {
  for (const auto& a : kb.architectures)
    for (const auto& c : a.compute_capabilities)
      if (c.truncated(2) == cc.truncated(2)) return &a;
  return nullptr;
}

std::optional<Version> newest_python(const VersionSpec& range) {
  for (int minor = 12; minor >= 5; --minor) {
    Version v({3, minor});
    if (range.matches(v)) return v;
  }
  if (range.matches(Version({2, 7}))) return Version({2, 7});
  return std::nullopt;
}

// --- Rules ---

namespace {

bool in_toolkit_reach(const Architecture& a, const Version& cuda) {
  Version mm = cuda.truncated(2);
  if (mm < a.first_cuda.truncated(2)) return false;
  return !a.last_cuda || mm <= a.last_cuda->truncated(2);
}

// An architecture of the same major with a lower minor that `pred` accepts: its code runs on `cc`.
const Architecture* same_major_fallback(const KnowledgeBase& kb, const Version& cc, Version* via,
                                        const auto& pred) {
  const Architecture* best = nullptr;
  for (const auto& a : kb.architectures)
    for (const auto& c : a.compute_capabilities)
      if (c.major() == cc.major() && c.minor() < cc.minor() && pred(a) && (!best || c > *via)) {
        best = &a;
        *via = c;
      }
  return best;
}

}  // namespace

std::optional<std::string> toolkit_rejects(const KnowledgeBase& kb, const Version& cuda, const Version& cc,
                                           std::vector<std::string>& warnings) {
  const Architecture* arch = architecture_of(kb, cc);
  if (!arch) {
    warnings.push_back(fmt::format(
        "compute capability {} is not in the knowledge base's architecture table; which CUDA toolkits support it was not checked",
        major_minor(cc)));
    return std::nullopt;
  }
  if (arch->last_cuda && cuda.truncated(2) > arch->last_cuda->truncated(2))
    return fmt::format("CUDA {} no longer builds code for {} (compute capability {}); the last toolkit for it is CUDA {}",
                       major_minor(cuda), arch->name, major_minor(cc), major_minor(*arch->last_cuda));
  if (cuda.truncated(2) < arch->first_cuda.truncated(2)) {
    Version via;
    if (same_major_fallback(kb, cc, &via, [&](const Architecture& a) { return in_toolkit_reach(a, cuda); }))
      return std::nullopt;  // e.g. sm_80 code from CUDA 11.0 runs on 8.6
    return fmt::format("CUDA {} cannot build code for {} (compute capability {}); that needs CUDA {} or newer",
                       major_minor(cuda), arch->name, major_minor(cc), major_minor(arch->first_cuda));
  }
  return std::nullopt;
}

std::optional<std::string> family_rejects(const KnowledgeBase& kb, int cuda_major, const Version& cc,
                                          std::vector<std::string>& warnings) {
  const Architecture* arch = architecture_of(kb, cc);
  if (!arch) {
    warnings.push_back(fmt::format(
        "compute capability {} is not in the knowledge base's architecture table; which CUDA toolkits support it was not checked",
        major_minor(cc)));
    return std::nullopt;
  }
  auto reach = [&](const Architecture& a) {
    return a.first_cuda.major() <= cuda_major && (!a.last_cuda || a.last_cuda->major() >= cuda_major);
  };
  if (arch->last_cuda && arch->last_cuda->major() < cuda_major)
    return fmt::format("CUDA {} no longer builds code for {} (compute capability {}); the last toolkit for it is CUDA {}",
                       cuda_major, arch->name, major_minor(cc), major_minor(*arch->last_cuda));
  if (arch->first_cuda.major() > cuda_major) {
    Version via;
    if (same_major_fallback(kb, cc, &via, reach)) return std::nullopt;
    return fmt::format("CUDA {} cannot build code for {} (compute capability {}); that needs CUDA {} or newer", cuda_major,
                       arch->name, major_minor(cc), major_minor(arch->first_cuda));
  }
  return std::nullopt;
}

namespace {

enum class CodePath { sass, sass_compatible, ptx, none };

struct CodeFit {
  CodePath path = CodePath::none;
  Version via;
};

// SASS for X.Z runs on X.Y when Z <= Y; PTX for an architecture <= the GPU's is JIT-compiled.
CodeFit code_for(const Candidate& c, const Version& cc) {
  CodeFit fit;
  for (const auto& s : c.sass) {
    if (s.truncated(2) == cc.truncated(2)) return {CodePath::sass, s};
    if (s.major() == cc.major() && s.minor() < cc.minor() && (fit.path == CodePath::none || s > fit.via))
      fit = {CodePath::sass_compatible, s};
  }
  if (fit.path != CodePath::none) return fit;
  if (c.ptx && c.ptx->truncated(2) <= cc.truncated(2)) return {CodePath::ptx, *c.ptx};
  return fit;
}

}  // namespace

namespace {

// Which code paths the GPUs take through the build's code (PTX ones are listed).
struct GpuCodeUse {
  bool uses_ptx = false;
  std::vector<std::string> ptx_gpus;
};

// The GPUs: toolkit reach, then the code in the build.
GpuCodeUse check_gpu_code(const Context& ctx, Candidate& c) {
  const HostView& h = ctx.host;
  GpuCodeUse use;
  for (const auto& cc : h.ccs) {
    std::vector<std::string> unchecked;
    auto why = c.release ? toolkit_rejects(ctx.kb, c.release->version, cc, unchecked)
                         : family_rejects(ctx.kb, c.cuda->major(), cc, unchecked);
    if (why) c.reject(Rule::toolkit, *why);
    for (auto& w : unchecked) c.warn(w);
    if (const Architecture* a = architecture_of(ctx.kb, cc))
      note_provenance(c, a->provenance, fmt::format("{} (compute capability {}) CUDA support", a->name, major_minor(cc)));
    if (!c.code_known) continue;
    CodeFit fit = code_for(c, cc);
    switch (fit.path) {
      case CodePath::sass:
        c.notes.push_back(fmt::format("GPU {} runs the {} SASS in {}", h.describe(cc), sm_name(cc), c.label));
        break;
      case CodePath::sass_compatible:
        c.notes.push_back(fmt::format("GPU {} runs {}'s {} SASS (same major, binary compatible)", h.describe(cc),
                                      c.label, sm_name(fit.via)));
        break;
      case CodePath::ptx:
        use.uses_ptx = true;
        use.ptx_gpus.push_back(h.describe(cc));
        c.notes.push_back(fmt::format("GPU {} has no SASS in {}; the driver JIT-compiles its compute_{}{} PTX",
                                      h.describe(cc), c.label, fit.via.major(), fit.via.minor()));
        break;
      case CodePath::none:
        c.reject(Rule::gpu_code, fmt::format("{} carries no code for GPU {} (SASS for {}; PTX: {})", c.label,
                                             h.describe(cc), version_list(c.sass),
                                             c.ptx ? major_minor(*c.ptx) : std::string("none")));
        break;
    }
  }
  if (!c.code_known && !h.ccs.empty() && c.framework == Framework::torch)
    c.warn(fmt::format("the knowledge base lists no architectures for {}; it is assumed to carry code for every "
                       "architecture CUDA {} supports",
                       c.label, major_minor(*c.cuda)));
  return use;
}

// Whether the driver is within CUDA `rel`'s minor-version family: the verdict and why.
struct FamilyVerdict {
  bool ok = false;
  std::string why;
  std::optional<Version> needed;  // the lowest driver that would do
};

FamilyVerdict minor_version_family(const Context& ctx, Candidate& c, const CudaRelease& rel, const DriverMinimum& min,
                                   bool uses_ptx) {
  const HostView& h = ctx.host;
  const MinorVersionFamily* family = rel.version.major() >= 11 ? family_of(ctx.kb, rel.version.major()) : nullptr;
  FamilyVerdict v;
  v.needed = min.version;
  if (!family) {
    v.why = rel.version.major() < 11 ? "minor version compatibility starts with CUDA 11"
                                          : fmt::format("no minor-version range is known for CUDA {}.x", rel.version.major());
  } else {
    note_provenance(c, family->provenance, fmt::format("CUDA {}.x minor-version range", family->cuda_major));
    std::string range = fmt::format(">= {}{}", driver_text(family->min_driver),
                                    family->driver_below ? ", < " + driver_text(*family->driver_below) : std::string());
    if (h.driver < family->min_driver) {
      v.why = fmt::format("below the CUDA {}.x minor-version floor {}", family->cuda_major,
                               driver_text(family->min_driver));
    } else if (family->driver_below && h.driver >= *family->driver_below) {
      v.why = fmt::format("outside the CUDA {}.x minor-version range ({})", family->cuda_major, range);
    } else if (!h.driver_cuda.empty() && h.driver_cuda.major() != rel.version.major()) {
      v.why = fmt::format("the driver supports CUDA {}, another major than CUDA {}", major_minor(h.driver_cuda),
                               major_minor(rel.version));
    } else {
      v.ok = true;
      v.why = fmt::format("within the CUDA {}.x minor-version range ({})", family->cuda_major, range);
    }
    if (!uses_ptx && family->min_driver < min.version) v.needed = family->min_driver;
  }
  return v;
}

// Below Table 3: minor version compatibility within the same major family, SASS only.
void apply_minor_version_rules(const Context& ctx, Candidate& c, const CudaRelease& rel, const DriverMinimum& min,
                               const GpuCodeUse& gpus) {
  const HostView& h = ctx.host;
  const bool uses_ptx = gpus.uses_ptx;
  const auto& ptx_gpus = gpus.ptx_gpus;
  std::string below = fmt::format("driver {} is below CUDA {}'s minimum {}", h.driver_str, rel.version.str(), min.text);
  const FamilyVerdict family = minor_version_family(ctx, c, rel, min, uses_ptx);
  if (!family.ok) {
    c.reject(Rule::driver, fmt::format("{}, and {}", below, family.why), family.needed);
    return;
  }
  if (uses_ptx) {
    c.reject(Rule::driver,
             fmt::format("{}; GPU {} would need PTX JIT compilation, which minor version compatibility does not cover "
                         "(PTX needs the full driver {})",
                         below, join(ptx_gpus, ", "), min.text),
             min.version);
    return;
  }
  c.minor_version = true;
  c.notes.push_back(fmt::format("{} but {}: it runs under CUDA minor version compatibility", below, family.why));
  c.warn(fmt::format("minor version compatibility: {} needs SASS for every GPU ({}); anything JIT-compiled from PTX "
                     "needs the full driver {} and fails on {} (CUDA_ERROR_UNSUPPORTED_PTX_VERSION)",
                     c.label,
                     c.code_known ? "it has it"
                                  : "the knowledge base does not list this build's architectures, so that is assumed",
                     min.text, h.driver_str));
  c.warn(fmt::format("minor version compatibility: CUDA {} features that need a newer driver fail with "
                     "cudaErrorCallRequiresNewerDriver on driver {}",
                     major_minor(rel.version), h.driver_str));
  if (c.image_requires_cuda && !h.driver_cuda.empty() && h.driver_cuda < rel.version.truncated(2)) {
    c.env["NVIDIA_DISABLE_REQUIRE"] = "true";
    c.warn(fmt::format("the base image sets NVIDIA_REQUIRE_CUDA (cuda>={}) and the driver supports CUDA {}, so the "
                       "nvidia-container-toolkit would refuse to start the container; NVIDIA_DISABLE_REQUIRE=true is set "
                       "because minor version compatibility is what makes it work (the toolkit's issue tracker also "
                       "spells it NVIDIA_DISABLE_REQUIRES; which spelling the installed toolkit reads is unconfirmed)",
                       major_minor(rel.version), major_minor(h.driver_cuda)));
  }
}

}  // namespace

void apply_cuda_rules(const Context& ctx, Candidate& c) {
  if (!c.cuda) return;
  const HostView& h = ctx.host;
  if (!c.release && !c.required_driver) {
    c.reject(Rule::other, fmt::format("CUDA {} is not in the knowledge base, so no driver minimum is known for it",
                                      major_minor(*c.cuda)));
    return;
  }
  std::optional<DriverMinimum> min;
  if (c.release) {
    note_provenance(c, c.release->provenance, fmt::format("CUDA {}'s minimum driver", c.release->version.str()));
    min = minimum_driver(*c.release);
    if (min) {
      c.full_driver = min->version;
      if (!min->exact)
        c.warn(fmt::format("CUDA {}'s minimum driver is known only as branch {}; {} is assumed",
                           c.release->version.str(), c.release->driver_branch, driver_text(min->version)));
    }
  }

  const GpuCodeUse gpus = check_gpu_code(ctx, c);

  // The driver.
  if (!h.has_driver) {
    if (!h.has_gpus())
      c.warn(fmt::format("no NVIDIA driver was found; whether a driver can run CUDA {} was not checked",
                         major_minor(*c.cuda)));
    return;
  }
  if (c.required_driver) {
    if (h.driver >= *c.required_driver) {
      c.notes.push_back(fmt::format("driver {} meets the {} that {} needs ({})", h.driver_str,
                                    driver_text(*c.required_driver), c.label, c.required_driver_source));
    } else {
      c.reject(Rule::driver,
               fmt::format("driver {} is below the {} that {} needs ({})", h.driver_str,
                           driver_text(*c.required_driver), c.label, c.required_driver_source),
               c.required_driver);
    }
    return;
  }
  const CudaRelease& rel = *c.release;
  if (!min) {
    c.reject(Rule::other, fmt::format("the knowledge base has no minimum driver for CUDA {}", rel.version.str()));
    return;
  }
  if (h.driver >= min->version) {
    c.notes.push_back(fmt::format("driver {} meets CUDA {}'s minimum {} (Table 3)", h.driver_str, rel.version.str(),
                                  min->text));
    if (gpus.uses_ptx)
      c.warn(fmt::format("GPU {} runs PTX JIT-compiled by the driver at first use (slow first start); PTX needs the "
                         "full driver, which this host has",
                         join(gpus.ptx_gpus, ", ")));
    return;
  }

  apply_minor_version_rules(ctx, c, rel, *min, gpus);
}

void apply_python_rule(const Context& ctx, Candidate& c, const VersionSpec& range, std::string_view what) {
  if (ctx.request.python) {
    Version pin = ctx.request.python->truncated(2);
    c.python = pin;
    if (range.empty() || range.matches(pin)) {
      c.notes.push_back(fmt::format("Python {}: pinned{}", major_minor(pin),
                                    range.empty() ? std::string() : fmt::format(", within {}'s range {}", what, range.str())));
    } else {
      c.python_in_range = newest_python(range);
      c.reject(Rule::python, fmt::format("Python {} is outside {}'s range {}", major_minor(pin), what, range.str()));
    }
    return;
  }
  if (range.empty()) {
    c.python = Version({3, 12});
    c.notes.push_back(fmt::format("Python 3.12: no Python range is recorded for {}, so the newest default", what));
    return;
  }
  c.python = newest_python(range);
  if (c.python)
    c.notes.push_back(fmt::format("Python {}: the newest up to 3.12 in {}'s range {}", major_minor(*c.python), what,
                                  range.str()));
  else
    c.reject(Rule::python, fmt::format("no Python up to 3.12 is in {}'s range {}", what, range.str()));
}

void apply_cuda_mode_rule(const Context& ctx, Candidate& c) {
  const Request& r = ctx.request;
  switch (r.cuda_mode) {
    case Request::Cuda::none:
      if (c.cuda) c.reject(Rule::cuda_mode, "cuda = \"none\" asks for a CPU build");
      break;
    case Request::Cuda::pinned: {
      if (!c.cuda) {
        c.reject(Rule::cuda_mode, "a CUDA version is pinned, so CPU builds are not considered");
        break;
      }
      const Version& pin = *r.cuda;
      // A pin or a build named by its major only ("12", jax[cuda12]) matches the whole major.
      bool same = pin.size() <= 1 || c.cuda->size() <= 1 ? c.cuda->major() == pin.major()
                                                         : c.cuda->truncated(2) == pin.truncated(2);
      std::string build = c.cuda->size() <= 1 ? std::to_string(c.cuda->major()) : major_minor(*c.cuda);
      if (!same) c.reject(Rule::cuda_pin, fmt::format("CUDA {} is not the pinned CUDA {}", build, pin.str()));
      break;
    }
    case Request::Cuda::automatic:
      if (ctx.host.has_gpus() && !c.cuda)
        c.reject(Rule::cuda_mode, "the host has GPUs, so CPU builds are not considered (cuda = \"none\" asks for one)");
      if (!ctx.host.has_gpus() && c.cuda) c.reject(Rule::cuda_mode, "no GPU is selected, so CUDA builds are not considered");
      break;
  }
}

}  // namespace dlenv::compat::detail
