// Base images: nvidia/cuda cuDNN runtime tags from the knowledge base's image families
// (preferring tags not known to be removed), Python slim images for CPU and pip-CUDA builds.
#include <algorithm>

#include <fmt/format.h>

#include "compat/resolver_support.hpp"
#include "util/text.hpp"

namespace dlenv::compat::detail {

namespace {

constexpr std::string_view kCudaRepository = "nvidia/cuda";

// A repository has one family entry per tag form (and source); the resolver reads them together.
std::vector<const ImageFamily*> families(const KnowledgeBase& kb, std::string_view repository) {
  std::vector<const ImageFamily*> out;
  for (const auto& f : kb.image_families)
    if (f.repository == repository) out.push_back(&f);
  return out;
}

// A removed entry is a whole tag, a prefix pattern ("11.7.0-*"), or a bare CUDA version
// ("11.7.0") whose every tag went.
const ImageFamily* removed_by(const std::vector<const ImageFamily*>& fs, std::string_view tag) {
  for (const auto* f : fs)
    for (const auto& r : f->removed_tags) {
      if (tag == r) return f;
      if (!r.empty() && r.back() == '*' && starts_with(tag, std::string_view(r).substr(0, r.size() - 1))) return f;
      if (tag.size() > r.size() && starts_with(tag, r) && tag[r.size()] == '-') return f;
    }
  return nullptr;
}

struct CudaTag {
  Version cuda;
  std::string cudnn;  // "8", "9", "" ("cudnn" without a number)
  std::string ubuntu; // "22.04"
};

// "12.1.1-cudnn8-devel-ubuntu22.04", "12.4.1-cudnn-runtime-ubuntu22.04", "10.0-cudnn7-devel-ubuntu18.04".
std::optional<CudaTag> parse_cuda_tag(const std::string& tag) {
  auto parts = split(tag, '-');
  if (parts.size() != 4 || !starts_with(parts[1], "cudnn") || !starts_with(parts[3], "ubuntu")) return std::nullopt;
  if (parts[2] != "runtime" && parts[2] != "devel") return std::nullopt;
  auto v = Version::parse(parts[0]);
  std::string cudnn = parts[1].substr(5);
  std::string ubuntu = parts[3].substr(6);
  if (!v || v->size() < 2 || (!cudnn.empty() && !Version::parse(cudnn)) || !Version::parse(ubuntu)) return std::nullopt;
  return CudaTag{*v, cudnn, ubuntu};
}

std::string runtime_tag(const CudaTag& t) {
  return fmt::format("{}-cudnn{}-runtime-ubuntu{}", t.cuda.str(), t.cudnn, t.ubuntu);
}

// The Python an Ubuntu release ships, to pick the base whose system Python is the one wanted.
std::optional<Version> ubuntu_python(std::string_view ubuntu) {
  if (ubuntu == "18.04") return Version({3, 6});
  if (ubuntu == "20.04") return Version({3, 8});
  if (ubuntu == "22.04") return Version({3, 10});
  if (ubuntu == "24.04") return Version({3, 12});
  return std::nullopt;
}

// The cuDNN major in nvidia/cuda's tag form per CUDA (reference notes, section 5): cudnn7 before
// CUDA 11, cudnn8 for 11.x-12.2, cudnn9 for 12.3, "cudnn" (cuDNN 9) from 12.4.
std::pair<std::string, int> cudnn_tag_part(const Version& cuda) {
  Version mm = cuda.truncated(2);
  if (mm < Version({11, 0})) return {"7", 7};
  if (mm <= Version({12, 2})) return {"8", 8};
  if (mm == Version({12, 3})) return {"9", 9};
  return {"", 9};
}

std::string choose_ubuntu(const std::vector<std::string>& available, const std::optional<Version>& python) {
  if (available.empty()) return "";
  if (python)
    for (const auto& u : available)
      if (ubuntu_python(u) == python->truncated(2)) return u;
  for (const auto& u : available)
    if (u == "22.04") return u;
  return *std::max_element(available.begin(), available.end(),
                           [](const std::string& a, const std::string& b) { return *Version::parse(a) < *Version::parse(b); });
}

}  // namespace

bool image_listed(const KnowledgeBase& kb, std::string_view repository, std::string_view tag) {
  auto fs = families(kb, repository);
  if (removed_by(fs, tag)) return false;
  return std::any_of(fs.begin(), fs.end(), [&](const ImageFamily* f) {
    return std::find(f->known_tags.begin(), f->known_tags.end(), tag) != f->known_tags.end();
  });
}

std::string python_slim_image(const Version& python) {
  // Debian bookworm images exist for Python 3.7 and newer; older ones end with bullseye.
  std::string suite = python < Version({3, 7}) ? "bullseye" : "bookworm";
  return fmt::format("python:{}-slim-{}", major_minor(python), suite);
}

namespace {

// The tags of nvidia/cuda for one CUDA major.minor, as runtime tags: the listed ones, the
// removed ones, and the image families they came from.
struct CudaTags {
  std::vector<CudaTag> listed;
  std::vector<CudaTag> gone;
  std::vector<const ImageFamily*> used;
};

CudaTags cuda_tags(const std::vector<const ImageFamily*>& fs, const Version& mm) {
  CudaTags tags;
  auto& [listed, gone, used] = tags;
  for (const auto* f : fs)
    for (const auto& t : f->known_tags) {
      auto parsed = parse_cuda_tag(t);
      if (!parsed || parsed->cuda.truncated(2) != mm) continue;
      const ImageFamily* gone_by = removed_by(fs, t);
      if (!gone_by) gone_by = removed_by(fs, runtime_tag(*parsed));
      auto& into = gone_by ? gone : listed;
      if (std::find(used.begin(), used.end(), f) == used.end()) used.push_back(f);
      if (gone_by && std::find(used.begin(), used.end(), gone_by) == used.end()) used.push_back(gone_by);
      bool dup = std::any_of(into.begin(), into.end(), [&](const CudaTag& x) {
        return x.cuda == parsed->cuda && x.cudnn == parsed->cudnn && x.ubuntu == parsed->ubuntu;
      });
      if (!dup) into.push_back(*parsed);
    }
  return tags;
}

// Warns about each unconfirmed family fact the choice used.
void warn_unconfirmed(const std::vector<const ImageFamily*>& used, CudaImage& img) {
  for (const auto* f : used)
    if (!f->provenance.confirmed)
      img.warnings.push_back(fmt::format("unconfirmed fact used: {} tags of the form {} ({})", kCudaRepository,
                                         f->tag_form, provenance_text(f->provenance)));
}

// The cuDNN runtime form of a listed tag of the newest known patch.
CudaImage listed_cuda_image(const Context& ctx, const Version& mm, const CudaTags& tags, const std::optional<Version>& python) {
  CudaImage img;
  const auto& listed = tags.listed;
  std::vector<Version> patches;
  for (const auto& t : listed)
    if (std::find(patches.begin(), patches.end(), t.cuda) == patches.end()) patches.push_back(t.cuda);
  img.release = pick_release(ctx, mm, patches);
  Version patch = img.release ? img.release->version : *std::max_element(patches.begin(), patches.end());
  std::vector<std::string> ubuntus;
  std::string cudnn;
  for (const auto& t : listed)
    if (t.cuda == patch) {
      ubuntus.push_back(t.ubuntu);
      cudnn = t.cudnn;
    }
  CudaTag chosen{patch, cudnn, choose_ubuntu(ubuntus, python)};
  img.reference = fmt::format("{}:{}", kCudaRepository, runtime_tag(chosen));
  img.cudnn = cudnn.empty() ? Version({cudnn_tag_part(patch).second}) : *Version::parse(cudnn);
  img.listed = true;
  img.notes.push_back(fmt::format("base image {}: CUDA {} with cuDNN {} on Ubuntu {} (cuDNN runtime form of a listed "
                                  "{} tag)",
                                  img.reference, patch.str(), img.cudnn->str(), chosen.ubuntu, kCudaRepository));
  if (!tags.gone.empty())
    img.notes.push_back(fmt::format("skipped {} tag(s) of CUDA {} known to be removed", tags.gone.size(), major_minor(mm)));
  warn_unconfirmed(tags.used, img);
  return img;
}

// No listed tag: one formed from the tag pattern (unconfirmed, maybe removed).
CudaImage formed_cuda_image(const Context& ctx, const Version& mm, CudaTags& tags, const std::vector<const ImageFamily*>& fs,
                            const std::optional<Version>& python) {
  CudaImage img;
  auto& used = tags.used;
  img.release = pick_release(ctx, mm);
  Version patch = img.release ? img.release->version : mm;
  auto [cudnn, cudnn_major] = cudnn_tag_part(patch);
  img.cudnn = Version({cudnn_major});
  std::string tag;
  if (mm < Version({11, 0})) {
    // Before CUDA 11 the tags were short ("10.0-cudnn7-runtime-ubuntu18.04").
    tag = fmt::format("{}-cudnn{}-runtime-ubuntu18.04", major_minor(mm), cudnn);
  } else {
    std::vector<std::string> ubuntus;
    if (mm < Version({11, 7})) ubuntus = {"20.04"};
    else if (mm < Version({12, 6})) ubuntus = {"22.04"};
    else if (mm < Version({13, 0})) ubuntus = {"22.04", "24.04"};
    else ubuntus = {"22.04", "24.04"};
    tag = fmt::format("{}-cudnn{}-runtime-ubuntu{}", patch.str(), cudnn, choose_ubuntu(ubuntus, python));
  }
  img.reference = fmt::format("{}:{}", kCudaRepository, tag);
  const ImageFamily* gone_by = removed_by(fs, tag);
  img.removed = gone_by || !tags.gone.empty();  // the tag, or every listed tag of this CUDA, is gone
  if (gone_by && std::find(used.begin(), used.end(), gone_by) == used.end()) used.push_back(gone_by);
  warn_unconfirmed(used, img);
  img.notes.push_back(fmt::format("base image {}: formed from nvidia/cuda's tag pattern", img.reference));
  img.warnings.push_back(fmt::format("base image {} is not in the knowledge base's tag list; its existence is "
                                     "unconfirmed",
                                     img.reference));
  if (img.removed)
    img.warnings.push_back(fmt::format("base image {} is known to be removed from Docker Hub (NVIDIA deletes tags of "
                                       "end-of-life CUDA versions); it can only be used from a local copy",
                                       img.reference));
  return img;
}

}  // namespace

CudaImage choose_cuda_image(const Context& ctx, const Version& cuda, const std::optional<Version>& python) {
  const Version mm = cuda.truncated(2);
  auto fs = families(ctx.kb, kCudaRepository);
  CudaTags tags = cuda_tags(fs, mm);
  if (!tags.listed.empty()) return listed_cuda_image(ctx, mm, tags, python);
  return formed_cuda_image(ctx, mm, tags, fs, python);
}

}  // namespace dlenv::compat::detail
