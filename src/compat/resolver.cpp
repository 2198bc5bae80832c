// The resolver: parses a framework request, generates candidates (framework release × build
// variant × Python), filters them by the rules, ranks the survivors and explains the choice,
// or names the constraint that failed and the nearest ways out.
#include "compat/resolver.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "compat/resolver_support.hpp"
#include "util/text.hpp"

namespace dlenv::compat {

namespace {

constexpr std::string_view kAcceptedForms =
    "write a framework and an optional pip-style version requirement, e.g. \"torch==2.3.1\", \"torch>=2.7\", "
    "\"tensorflow==1.15.*\", \"tensorflow==2.15.0\" or \"jax\" (frameworks: torch, tensorflow, jax; aliases: pytorch, "
    "tf)";

}  // namespace

Result<Request> parse_framework_request(std::string_view text) {
  std::string t = trim(text);
  if (t.empty()) return fail(ErrorCode::config, "the framework request is empty", std::string(kAcceptedForms));
  size_t i = 0;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '-' || t[i] == '_')) ++i;
  std::string name = to_lower(t.substr(0, i));
  std::string rest = trim(t.substr(i));
  auto framework = framework_named(name);
  if (!framework) {
    std::string hint(kAcceptedForms);
    if (auto guess = closest_match(name, {"torch", "pytorch", "tensorflow", "tf", "jax"}))
      hint = fmt::format("did you mean \"{}\"? {}", *guess, kAcceptedForms);
    return fail(ErrorCode::config,
                name.empty() ? fmt::format("framework request \"{}\" does not start with a framework name", t)
                             : fmt::format("unknown framework \"{}\" in \"{}\"", name, t),
                std::move(hint));
  }
  auto spec = VersionSpec::parse(rest);
  if (!spec) {
    std::string hint(kAcceptedForms);
    if (Version::parse(rest)) hint = fmt::format("did you mean \"{}=={}\"? {}", to_string(*framework), rest, kAcceptedForms);
    return fail(ErrorCode::config, fmt::format("invalid version requirement \"{}\" in \"{}\"", rest, t),
                std::move(hint));
  }
  Request r;
  r.framework = *framework;
  r.framework_version = *spec;
  r.requested_text = t;
  return r;
}

namespace {

using detail::Candidate;
using detail::Context;
using detail::Rule;

std::string request_text(const Request& r) {
  if (!r.requested_text.empty()) return r.requested_text;
  return std::string(to_string(r.framework)) + r.framework_version.str();
}

std::string host_line(const detail::HostView& h) {
  std::string driver = h.has_driver
                           ? fmt::format("driver {} (CUDA {}{})", h.driver_str,
                                         h.driver_cuda.empty() ? std::string("unknown") : detail::major_minor(h.driver_cuda),
                                         h.driver_cuda_derived ? ", derived from Table 3" : "")
                           : std::string("no NVIDIA driver");
  std::vector<std::string> gpus;
  for (const auto& g : h.gpus)
    gpus.push_back(g.compute_capability.empty() ? fmt::format("{} (capability unknown)", g.name)
                                                : fmt::format("{} ({})", g.name, detail::major_minor(g.compute_capability)));
  return fmt::format("host: {}; GPUs: {}", driver, gpus.empty() ? std::string("none selected") : join(gpus, ", "));
}

bool better(const Candidate& a, const Candidate& b, bool cuda_pinned) {
  if (a.preference != b.preference) return a.preference < b.preference;
  if (a.version != b.version) return a.version > b.version;
  if (!cuda_pinned && a.cuda != b.cuda) return a.cuda > b.cuda;
  if (a.pypi_default != b.pypi_default) return a.pypi_default;
  return a.label < b.label;
}

std::string rejection_text(const Candidate& c) {
  std::vector<std::string> parts;
  for (const auto& r : c.rejections) parts.push_back(r.text);
  return join(parts, "; ");
}

// How an alternative names a candidate: "torch 2.7.0 with CUDA 12.8 (cu128)".
std::string describe(const Candidate& c) {
  if (c.framework == Framework::torch && !c.distribution)
    return c.cuda ? fmt::format("torch {} with CUDA {} ({})", c.version->str(), detail::major_minor(*c.cuda), c.variant)
                  : fmt::format("torch {} CPU build", c.version->str());
  return c.label;
}

// The lowest driver a candidate rejected only by the driver would run with.
std::optional<Version> driver_needed(const Candidate& c) {
  std::optional<Version> need;
  for (const auto& r : c.rejections) {
    if (!r.driver_needed) return std::nullopt;
    if (!need || *r.driver_needed > *need) need = r.driver_needed;
  }
  return need;
}

// The newest driver branch a selected GPU can have (Pascal and Volta end with R580).
std::optional<int> newest_driver_branch(const Context& ctx) {
  std::optional<int> limit;
  for (const auto& cc : ctx.host.ccs)
    if (const Architecture* a = detail::architecture_of(ctx.kb, cc)) {
      std::string b = a->last_driver_branch;
      if (!b.empty() && (b[0] == 'R' || b[0] == 'r')) b = b.substr(1);
      if (auto v = Version::parse(b); v && (!limit || v->major() < *limit)) limit = v->major();
    }
  return limit;
}

struct Outcome {
  std::vector<Candidate> all;  // ranked
  const Candidate* chosen = nullptr;
};

void add_alternative(Resolution& res, std::string description, std::string change) {
  for (const auto& a : res.alternatives)
    if (a.change == change) return;
  res.alternatives.push_back({std::move(description), std::move(change)});
}

// The first candidate `pred` accepts, in rank order.
template <class Pred>
const Candidate* first_of(const Outcome& o, Pred pred) {
  for (const auto& c : o.all)
    if (pred(c)) return &c;
  return nullptr;
}

// A newer driver's major branch the GPUs can still have (nullopt: no limit known).
bool driver_reachable(const Context& ctx, const Version& v) {
  auto branch_limit = newest_driver_branch(ctx);
  return !branch_limit || v.major() <= *branch_limit;
}

// Without the CUDA pin, or the Python pin.
void relax_pins(const Context& ctx, const Outcome& o, Resolution& res) {
  const Request& rq = ctx.request;
  auto first = [&](auto pred) { return first_of(o, pred); };
  if (rq.cuda_mode == Request::Cuda::pinned) {
    // The newest CUDA of the best release (the ranking ignores CUDA while it is pinned).
    const Candidate* best = nullptr;
    for (const auto& c : o.all)
      if (c.in_spec && c.rejected_only_by({Rule::cuda_pin}) &&
          (!best || (c.version == best->version && c.cuda > best->cuda)))
        best = &c;
    if (best)
      add_alternative(res, fmt::format("{} instead of the pinned CUDA {}", describe(*best), rq.cuda->str()),
                      detail::toml_line("cuda", detail::major_minor(*best->cuda)));
  }

  if (rq.python)
    if (auto* c = first([](const Candidate& c) { return c.in_spec && c.rejected_only_by({Rule::python}); })) {
      if (c->python_in_range)
        add_alternative(res, fmt::format("{} with Python {}", describe(*c), detail::major_minor(*c->python_in_range)),
                        detail::toml_line("python", detail::major_minor(*c->python_in_range)));
      else
        add_alternative(res, fmt::format("{} with the Python it brings", describe(*c)), "remove the `python` setting");
    }
}

// The driver: the candidate that needs the least upgrade, if the GPUs can have that driver.
void relax_driver(const Context& ctx, const Outcome& o, Resolution& res) {
  auto driver_ok = [&](const Version& v) { return driver_reachable(ctx, v); };
  const Candidate* by_driver = nullptr;
  std::optional<Version> by_driver_need;
  for (const auto& c : o.all) {
    if (!c.in_spec || !c.rejected_only_by({Rule::driver})) continue;
    auto need = driver_needed(c);
    if (need && driver_ok(*need) && (!by_driver_need || *need < *by_driver_need)) {
      by_driver = &c;
      by_driver_need = need;
    }
  }
  if (by_driver) {
    std::string full = !by_driver->required_driver && by_driver->full_driver && *by_driver->full_driver != *by_driver_need
                           ? fmt::format("; {} runs everything, PTX included", detail::driver_text(*by_driver->full_driver))
                           : std::string();
    add_alternative(res, fmt::format("{} runs on driver {} and newer{}", describe(*by_driver),
                                     detail::driver_text(*by_driver_need), full),
                    fmt::format("upgrade the NVIDIA driver to >= {}", detail::driver_text(*by_driver_need)));
  }
}

// Another framework version: the nearest newer one that works and the newest, else one that
// works after a driver upgrade.
void relax_version(const Context& ctx, const Outcome& o, Resolution& res) {
  auto driver_ok = [&](const Version& v) { return driver_reachable(ctx, v); };
  std::optional<Version> requested_max;
  for (const auto& c : o.all)
    if (c.in_spec && c.version && (!requested_max || *c.version > *requested_max)) requested_max = c.version;
  std::vector<const Candidate*> others;
  for (const auto& c : o.all)
    if (!c.in_spec && c.version && c.rejected_only_by({Rule::spec}) &&
        std::none_of(others.begin(), others.end(), [&](auto* x) { return x->version == c.version; }))
      others.push_back(&c);  // the best of each version, as o.all is ranked
  if (!others.empty()) {
    std::vector<const Candidate*> picks;
    const Candidate* nearest_newer = nullptr;
    for (auto* c : others)
      if (requested_max && *c->version > *requested_max && (!nearest_newer || *c->version < *nearest_newer->version))
        nearest_newer = c;
    if (nearest_newer) picks.push_back(nearest_newer);
    const Candidate* newest = others.front();
    if (newest != nearest_newer) picks.push_back(newest);
    for (auto* c : picks)
      add_alternative(res, describe(*c), detail::toml_line("framework", fmt::format("{}=={}", to_string(c->framework), c->version->str())));
  } else {
    // Another version together with a driver upgrade.
    const Candidate* best = nullptr;
    std::optional<Version> best_need;
    for (const auto& c : o.all) {
      if (c.in_spec || !c.version || !c.rejected_by(Rule::driver) || !c.rejected_only_by({Rule::spec, Rule::driver}))
        continue;
      std::optional<Version> need;
      for (const auto& r : c.rejections)
        if (r.rule == Rule::driver && r.driver_needed && (!need || *r.driver_needed > *need)) need = r.driver_needed;
      if (need && driver_ok(*need) && (!best || *c.version > *best->version)) {
        best = &c;
        best_need = need;
      }
    }
    if (best)
      add_alternative(res, fmt::format("{} after a driver upgrade", describe(*best)),
                      fmt::format("{} and upgrade the NVIDIA driver to >= {}",
                                  detail::toml_line("framework", fmt::format("{}=={}", to_string(best->framework), best->version->str())),
                                  detail::driver_text(*best_need)));
  }
}

// The nearest ways out: relax one thing at a time (the CUDA pin, the Python pin, the driver,
// the framework version, the GPU), naming the exact change.
void find_alternatives(const Context& ctx, const Outcome& o, Resolution& res) {
  const Request& rq = ctx.request;
  relax_pins(ctx, o, res);
  relax_driver(ctx, o, res);
  relax_version(ctx, o, res);
  if (ctx.host.has_gpus() && rq.cuda_mode == Request::Cuda::automatic)
    if (auto* c = first_of(o, [](const Candidate& c) { return c.in_spec && !c.cuda && c.rejected_only_by({Rule::cuda_mode}); }))
      add_alternative(res, fmt::format("{}: runs without the GPU", describe(*c)), detail::toml_line("cuda", "none"));
}

std::string failed_constraint(const Context& ctx, const Outcome& o) {
  const Request& rq = ctx.request;
  std::string what = request_text(rq);
  std::vector<const Candidate*> in_spec;
  for (const auto& c : o.all)
    if (c.in_spec) in_spec.push_back(&c);
  if (in_spec.empty())
    return fmt::format("no {} release in the knowledge base matches {}", to_string(rq.framework),
                       rq.framework_version.empty() ? std::string("the request") : rq.framework_version.str());
  bool any_not_mode = std::any_of(in_spec.begin(), in_spec.end(), [](auto* c) {
    return !c->rejected_by(Rule::cuda_mode) && !c->rejected_by(Rule::cuda_pin);
  });
  if (!any_not_mode) {
    std::vector<std::string> builds;
    for (auto* c : in_spec)
      if (std::find(builds.begin(), builds.end(), c->variant) == builds.end()) builds.push_back(c->variant);
    if (rq.cuda_mode == Request::Cuda::pinned)
      return fmt::format("{}: no build uses the pinned CUDA {} (builds: {})", what, rq.cuda->str(), join(builds, ", "));
    if (rq.cuda_mode == Request::Cuda::none) return fmt::format("{}: no CPU build is known (builds: {})", what, join(builds, ", "));
    return fmt::format("{}: no build fits the cuda setting (builds: {})", what, join(builds, ", "));
  }
  // The candidate that came closest: fewest rejections, then rank.
  const Candidate* best = nullptr;
  for (auto* c : in_spec) {
    if (c->rejected_by(Rule::cuda_mode) || c->rejected_by(Rule::cuda_pin)) continue;
    if (!best || c->rejections.size() < best->rejections.size()) best = c;
  }
  return fmt::format("{}: {}", best->label, best->rejections.front().text);
}

void fill(const Candidate& c, Resolution& res) {
  res.ok = true;
  res.framework = c.framework;
  res.framework_version = c.version;
  res.cuda = c.cuda;
  res.cudnn = c.cudnn;
  res.python = c.python;
  res.base_image = c.base_image;
  res.variant = c.variant;
  res.packages = c.packages;
  res.index_urls = c.index_urls;
  res.find_links = c.find_links;
  res.apt_packages = c.apt_packages;
  res.distribution_framework = c.distribution;
  res.minor_version_compat = c.minor_version;
  res.container_env = c.env;
}

Resolution resolve_once(const KnowledgeBase& kb, const Request& request, const host::GpuFacts& host_gpus);

// With GPUs of several architectures, the request may fit some of them: each way of leaving
// one architecture out that resolves is an alternative (`gpus = [...]`).
void gpu_subset_alternatives(const KnowledgeBase& kb, const Request& request, const host::GpuFacts& facts,
                             const detail::HostView& host, Resolution& res) {
  if (host.ccs.size() < 2) return;
  for (const auto& drop : host.ccs) {
    host::GpuFacts subset = facts;
    subset.gpus.clear();
    std::vector<std::string> kept;
    for (const auto& g : host.gpus)
      if (g.compute_capability.truncated(2) != drop) {
        subset.gpus.push_back(g);
        kept.push_back(std::to_string(g.index));
      }
    Resolution r = resolve_once(kb, request, subset);
    if (!r.ok) continue;
    std::string what = r.cuda ? fmt::format("{} {} with CUDA {} ({})", to_string(r.framework),
                                            r.framework_version ? r.framework_version->str() : std::string(),
                                            detail::major_minor(*r.cuda), r.variant)
                              : fmt::format("{} {} ({})", to_string(r.framework),
                                            r.framework_version ? r.framework_version->str() : std::string(), r.variant);
    add_alternative(res, fmt::format("{} on GPU {} only, leaving out compute capability {}", what, join(kept, ", "),
                                     detail::major_minor(drop)),
                    fmt::format("gpus = [{}]", join(kept, ", ")));
  }
}

}  // namespace

Resolution resolve(const KnowledgeBase& kb, const Request& request, const host::GpuFacts& host_gpus) {
  Resolution res = resolve_once(kb, request, host_gpus);
  if (!res.ok) gpu_subset_alternatives(kb, request, host_gpus, detail::make_host_view(kb, host_gpus), res);
  return res;
}

namespace {

// The request itself, and GPUs without a driver: false (with res filled) when nothing can run.
bool request_can_run(const Context& ctx, const host::GpuFacts& host_gpus, Resolution& res) {
  const auto& request = ctx.request;
  const auto& host = ctx.host;
  if (request.cuda_mode == Request::Cuda::pinned && !request.cuda) {
    res.failed_constraint = "cuda is pinned but no CUDA version is given";
    return false;
  }
  std::string fw = request.framework == Framework::none ? std::string("the environment") : std::string(to_string(request.framework));

  // GPUs without a driver: nothing CUDA can run.
  if (host.has_gpus() && !host.has_driver && request.cuda_mode != Request::Cuda::none) {
    res.failed_constraint = fmt::format("no NVIDIA driver was found, but {} GPU(s) are selected; CUDA builds need the "
                                        "driver",
                                        host.gpus.size());
    for (const auto& n : host_gpus.notes) res.reasons.push_back("driver probe: " + n);
    add_alternative(res, "install (or load) the NVIDIA driver so that nvidia-smi lists the GPUs, then resolve again",
                    "install the NVIDIA driver");
    add_alternative(res, fmt::format("a CPU build of {}", fw), detail::toml_line("cuda", "none"));
    return false;
  }

  return true;
}

// What the cuda setting means for this host.
void explain_cuda_mode(const Context& ctx, Resolution& res) {
  const auto& request = ctx.request;
  const auto& host = ctx.host;
  switch (request.cuda_mode) {
    case Request::Cuda::none:
      res.reasons.push_back("cuda = \"none\": CPU builds only");
      break;
    case Request::Cuda::pinned:
      res.reasons.push_back(fmt::format("cuda = \"{}\": only builds with CUDA {}", request.cuda->str(), request.cuda->str()));
      if (!host.has_gpus())
        res.warnings.push_back(fmt::format("cuda = \"{}\" is pinned but no GPU is selected: the CUDA {} build is chosen "
                                           "without checking any GPU{}",
                                           request.cuda->str(), request.cuda->str(),
                                           host.has_driver ? "" : " or driver"));
      break;
    case Request::Cuda::automatic:
      if (host.has_gpus()) {
        std::vector<std::string> ccs;
        for (const auto& cc : host.ccs) ccs.push_back(host.describe(cc));
        res.reasons.push_back(fmt::format("cuda automatic: CUDA builds for GPU {}", join(ccs, ", ")));
      } else {
        res.reasons.push_back("no GPU selected: CPU build (cuda = \"X.Y\" would pin a CUDA build)");
      }
      break;
  }
}

// Every candidate build of the request, best first.
Outcome rank_candidates(const Context& ctx) {
  const auto& request = ctx.request;
  Outcome o;
  o.all = detail::debian_candidates(ctx);
  std::vector<Candidate> more;
  switch (request.framework) {
    case Framework::torch: more = detail::torch_candidates(ctx); break;
    case Framework::tensorflow: more = detail::tensorflow_candidates(ctx); break;
    case Framework::jax: more = detail::jax_candidates(ctx); break;
    case Framework::none: more = detail::bare_candidates(ctx); break;
  }
  for (auto& c : more) o.all.push_back(std::move(c));
  bool pinned = request.cuda_mode == Request::Cuda::pinned;
  std::stable_sort(o.all.begin(), o.all.end(), [&](const Candidate& a, const Candidate& b) { return better(a, b, pinned); });
  return o;
}

// Every rejection of a requested candidate, in rank order; the cuda setting's are counted.
void explain_rejections(const Context& ctx, const Outcome& o, Resolution& res) {
  const auto& request = ctx.request;
  std::vector<std::string> set_aside;  // why, once per distinct reason
  size_t by_mode = 0;
  for (const auto& c : o.all) {
    if (!c.in_spec || !c.rejected()) continue;
    if (c.rejected_by(Rule::cuda_mode) || c.rejected_by(Rule::cuda_pin)) {
      ++by_mode;
      for (const auto& r : c.rejections)
        if ((r.rule == Rule::cuda_mode || r.rule == Rule::cuda_pin) &&
            std::find(set_aside.begin(), set_aside.end(), r.text) == set_aside.end() && set_aside.size() < 3)
          set_aside.push_back(r.text);
      continue;
    }
    res.reasons.push_back(fmt::format("rejected {}: {}", c.label, rejection_text(c)));
  }
  if (by_mode)
    res.reasons.push_back(fmt::format("set aside {} build(s) of {} by the cuda setting: {}", by_mode,
                                      request_text(request), join(set_aside, "; ")));
  if (request.prefer_distribution) {
    std::vector<std::string> misfits;
    bool fits = false;
    for (const auto& c : o.all)
      if (c.distribution) {
        if (!c.rejected()) fits = true;
        else misfits.push_back(fmt::format("{} {} ({})", c.base_image.substr(c.base_image.find(':') + 1), c.version->str(),
                                           c.rejections.front().text));
      }
    if (!fits)
      res.reasons.push_back(misfits.empty()
                                ? std::string("prefer_distribution: no distribution ships this framework; pip is used")
                                : fmt::format("prefer_distribution: Debian's python3-torch does not fit: {}; pip is used",
                                              join(misfits, ", ")));
  }
}

// Why the chosen build won, and what it brings.
void explain_choice(const Context& ctx, const Outcome& o, Resolution& res) {
  const auto& request = ctx.request;
  const bool pinned = request.cuda_mode == Request::Cuda::pinned;
  const Candidate& c = *o.chosen;
  size_t passing = 0;
  size_t same_release = 0;  // passing builds of the chosen release and route: the CUDA ranking decided
  for (const auto& x : o.all)
    if (x.in_spec && !x.rejected()) {
      ++passing;
      if (x.preference == c.preference && x.version == c.version) ++same_release;
    }
  std::string why;
  if (c.distribution) why = "prefer_distribution, and the distribution ships a matching version";
  else if (c.preference > 0) why = "no upstream build can run on this host";
  else {
    std::vector<std::string> parts;
    if (c.version)
      parts.push_back(request.framework_version.empty() ? "the newest release"
                                                        : fmt::format("the newest release matching {}", request.framework_version.str()));
    if (c.cuda && !pinned && same_release > 1) parts.push_back("the newest CUDA every rule allows");
    if (c.pypi_default) parts.push_back("the PyPI default build");
    why = parts.empty() ? "the only build that fits" : join(parts, ", ");
  }
  res.reasons.push_back(fmt::format("chose {} ({} of {} requested build(s) pass): {}", c.label, passing,
                                    std::count_if(o.all.begin(), o.all.end(), [](auto& x) { return x.in_spec; }), why));
  for (const auto& n : c.notes) res.reasons.push_back(n);
  fill(c, res);
  for (const auto& w : c.warnings)
    if (std::find(res.warnings.begin(), res.warnings.end(), w) == res.warnings.end()) res.warnings.push_back(w);
}

// Ways to a better place even though the chosen build works.
void add_better_alternatives(const Outcome& o, Resolution& res) {
  const Candidate& c = *o.chosen;
  for (const auto& a : c.extra_alternatives) add_alternative(res, a.description, a.change);
  if (c.minor_version && c.full_driver)
    add_alternative(res,
                    fmt::format("full compatibility for {} (PTX JIT, newer-driver features{})", describe(c),
                                c.env.contains("NVIDIA_DISABLE_REQUIRE") ? ", no NVIDIA_REQUIRE_CUDA override" : ""),
                    fmt::format("upgrade the NVIDIA driver to >= {}", detail::driver_text(*c.full_driver)));
  if (c.framework == Framework::tensorflow && c.preference == 0 && c.cuda && c.version && c.version->major() == 1)
    for (const auto& x : o.all)
      if (x.in_spec && x.preference == 1 && !x.rejected())
        add_alternative(res, fmt::format("{}: TensorFlow {} built with CUDA {}, a maintained image", x.label,
                                         x.version->str(), detail::major_minor(*x.cuda)),
                        detail::toml_line("base", x.base_image));
}

Resolution resolve_once(const KnowledgeBase& kb, const Request& request, const host::GpuFacts& host_gpus) {
  Context ctx{kb, request, detail::make_host_view(kb, host_gpus)};
  Resolution res;
  res.framework = request.framework;
  res.reasons.push_back(host_line(ctx.host));
  for (const auto& n : ctx.host.notes) res.warnings.push_back(n);
  if (!request_can_run(ctx, host_gpus, res)) return res;
  explain_cuda_mode(ctx, res);
  Outcome o = rank_candidates(ctx);
  explain_rejections(ctx, o, res);
  for (const auto& c : o.all)
    if (c.in_spec && !c.rejected()) {
      o.chosen = &c;
      break;
    }

  if (!o.chosen) {
    res.failed_constraint = failed_constraint(ctx, o);
    find_alternatives(ctx, o, res);
    return res;
  }

  explain_choice(ctx, o, res);
  add_better_alternatives(o, res);
  return res;
}

}  // namespace

}  // namespace dlenv::compat
