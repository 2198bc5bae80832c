#include "compat/knowledge_base.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compat/embedded_data.hpp"
#include "util/text.hpp"

namespace dlenv::compat {

namespace {

using nlohmann::json;

// The documents parse() requires, by file name stem.
constexpr const char* kDocuments[] = {"cuda", "gpus", "images", "jax", "pytorch", "sources", "tensorflow"};

// Reads one JSON object of a data file. The first problem is kept (later reads then return
// defaults), so a caller reads every field and checks ok() once. Every key it does not read
// is reported by finish(): a misspelt key is an error, not a silently missing fact.
class Reader {
 public:
  Reader(const json& node, std::string where) : node_(node), where_(std::move(where)) {
    if (!node_.is_object()) fail("is not a JSON object");
  }

  const std::string& where() const { return where_; }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  // Appends the value of `key` to the entry's name for messages: releases[3] (12.1.0).
  void identify(const char* key) {
    if (!node_.is_object()) return;
    auto it = node_.find(key);
    if (it != node_.end() && it->is_string()) where_ += fmt::format(" ({})", it->get<std::string>());
  }

  void label(const std::string& text) { where_ += fmt::format(" ({})", text); }

  bool has(const char* key) const { return node_.is_object() && node_.contains(key); }

  const json* field(const char* key, bool required) {
    seen_.insert(key);
    if (!node_.is_object()) return nullptr;
    auto it = node_.find(key);
    if (it == node_.end() || it->is_null()) {
      if (required) fail(fmt::format("\"{}\" is missing", key));
      return nullptr;
    }
    return &*it;
  }

  std::string text(const char* key, bool required = true) {
    const json* j = field(key, required);
    if (!j) return {};
    if (!j->is_string()) {
      fail(fmt::format("\"{}\" is not a string", key));
      return {};
    }
    auto s = j->get<std::string>();
    if (required && trim(s).empty()) fail(fmt::format("\"{}\" is empty", key));
    return s;
  }

  std::optional<Version> version(const char* key, bool required = true) {
    std::string s = text(key, required);
    if (s.empty()) return std::nullopt;
    auto v = Version::parse(s);
    if (!v) fail(fmt::format("\"{}\": \"{}\" is not a version", key, s));
    return v;
  }

  std::vector<Version> versions(const char* key, bool required = true) {
    std::vector<Version> out;
    const json* j = field(key, required);
    if (!j) return out;
    if (!j->is_array()) {
      fail(fmt::format("\"{}\" is not an array", key));
      return out;
    }
    for (const auto& item : *j) {
      auto v = item.is_string() ? Version::parse(item.get<std::string>()) : std::nullopt;
      if (!v) {
        fail(fmt::format("\"{}\": {} is not a version", key, item.dump()));
        return out;
      }
      out.push_back(*v);
    }
    if (!std::is_sorted(out.begin(), out.end()) || std::adjacent_find(out.begin(), out.end()) != out.end())
      fail(fmt::format("\"{}\" is not strictly ascending", key));
    return out;
  }

  std::vector<std::string> texts(const char* key, bool required = false) {
    std::vector<std::string> out;
    const json* j = field(key, required);
    if (!j) return out;
    if (!j->is_array()) {
      fail(fmt::format("\"{}\" is not an array", key));
      return out;
    }
    for (const auto& item : *j) {
      if (!item.is_string() || item.get<std::string>().empty()) {
        fail(fmt::format("\"{}\": {} is not a non-empty string", key, item.dump()));
        return out;
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  bool flag(const char* key, bool required, bool fallback = false) {
    const json* j = field(key, required);
    if (!j) return fallback;
    if (!j->is_boolean()) {
      fail(fmt::format("\"{}\" is not true or false", key));
      return fallback;
    }
    return j->get<bool>();
  }

  int integer(const char* key) {
    const json* j = field(key, true);
    if (!j) return 0;
    if (!j->is_number_integer()) {
      fail(fmt::format("\"{}\" is not an integer", key));
      return 0;
    }
    return j->get<int>();
  }

  VersionSpec spec(const char* key) {
    std::string s = text(key, true);
    auto v = VersionSpec::parse(s);
    if (!v) {
      fail(fmt::format("\"{}\": \"{}\" is not a version requirement", key, s));
      return {};
    }
    return *v;
  }

  // "source", "confirmed" (both required) and "note". The source is a key of sources.json
  // or a URL.
  Provenance provenance(const std::map<std::string, std::string>& sources) {
    Provenance p;
    p.source = text("source", true);
    p.confirmed = flag("confirmed", true, false);
    p.note = text("note", false);
    if (!p.source.empty() && !sources.contains(p.source) && !starts_with(p.source, "https://") &&
        !starts_with(p.source, "http://"))
      fail(fmt::format("source \"{}\" is neither a key of sources.json nor a URL", p.source));
    return p;
  }

  // Call after reading every field: an unread key is an error.
  void finish() {
    if (!ok() || !node_.is_object()) return;
    for (const auto& [key, value] : node_.items())
      if (!seen_.contains(key)) fail(fmt::format("unknown key \"{}\"", key));
  }

 private:
  const json& node_;
  std::string where_;
  std::string error_;
  std::set<std::string> seen_;
};

Error data_error(const std::string& file, const std::string& where, const std::string& message) {
  std::string text = where.empty() ? fmt::format("compatibility data {}.json: {}", file, message)
                                   : fmt::format("compatibility data {}.json, {}: {}", file, where, message);
  return Error(ErrorCode::internal, std::move(text),
               fmt::format("data/compat/{}.json is malformed; the knowledge base cannot be loaded", file));
}

// Checks `reader` after an entry: its error becomes the file's error.
#define KB_CHECK(file, reader)                                            \
  do {                                                                    \
    (reader).finish();                                                    \
    if (!(reader).ok()) return fail(data_error((file), (reader).where(), (reader).error())); \
  } while (0)

// The array `key` of a document's top-level object.
Result<const json*> top_array(const std::string& file, Reader& top, const char* key, bool required = true) {
  const json* j = top.field(key, required);
  if (!top.ok()) return fail(data_error(file, "", top.error()));
  if (!j) return nullptr;
  if (!j->is_array()) return fail(data_error(file, key, "is not an array"));
  return j;
}

std::string item_name(const char* array, size_t i) { return fmt::format("{}[{}]", array, i); }

// --- product names ----------------------------------------------------------------------

bool is_noise_word(const std::string& w) {
  static const std::set<std::string> words = {"gb", "hbm", "hbm2", "hbm2e", "hbm3", "hbm3e", "pcie",
                                              "sxm", "sxm2", "sxm3", "sxm4", "sxm5"};
  if (words.contains(w)) return true;
  // "80gb", "16g", "512mb"
  size_t digits = 0;
  while (digits < w.size() && std::isdigit(static_cast<unsigned char>(w[digits]))) ++digits;
  if (digits == 0) return false;
  std::string rest = w.substr(digits);
  return rest == "gb" || rest == "g" || rest == "mb";
}

// "NVIDIA A100-SXM4-40GB" -> {"a100"}; "NVIDIA GeForce RTX 4090" -> {"rtx", "4090"}.
std::vector<std::string> product_words(std::string_view name) {
  std::string s = to_lower(name);
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = ' ';
  std::vector<std::string> words;
  for (auto& w : split(s, ' '))
    if (!w.empty()) words.push_back(w);
  static const std::set<std::string> brands = {"nvidia", "geforce", "tesla", "quadro"};
  size_t first = 0;
  while (first < words.size() && brands.contains(words[first])) ++first;
  std::vector<std::string> out;
  for (size_t i = first; i < words.size(); ++i) {
    // "80 GB": a number followed by a unit word
    if (i + 1 < words.size() && words[i + 1] == "gb" &&
        std::all_of(words[i].begin(), words[i].end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      continue;
    if (!out.empty() && is_noise_word(words[i])) continue;
    out.push_back(words[i]);
  }
  return out;
}

// --- documents --------------------------------------------------------------------------

Status parse_sources(const json& doc, KnowledgeBase& kb) {
  const std::string file = "sources";
  Reader top(doc, "");
  auto arr = DLENV_TRY(top_array(file, top, "sources"));
  KB_CHECK(file, top);
  std::string previous;
  for (size_t i = 0; i < arr->size(); ++i) {
    Reader r((*arr)[i], item_name("sources", i));
    r.identify("key");
    std::string key = r.text("key");
    std::string description = r.text("description");
    std::string url = r.text("url", false);
    if (!url.empty() && !starts_with(url, "https://") && !starts_with(url, "http://"))
      r.fail(fmt::format("url \"{}\" is not an http(s) URL", url));
    if (r.ok() && kb.sources.contains(key)) r.fail("duplicate key");
    if (r.ok() && key <= previous) r.fail("keys are not in ascending order");
    KB_CHECK(file, r);
    previous = key;
    kb.sources[key] = url.empty() ? description : fmt::format("{} ({})", description, url);
  }
  return {};
}

Status parse_cuda(const json& doc, KnowledgeBase& kb) {
  const std::string file = "cuda";
  Reader top(doc, "");
  auto releases = DLENV_TRY(top_array(file, top, "releases"));
  auto families = DLENV_TRY(top_array(file, top, "minor_version_families"));
  auto caveats = DLENV_TRY(top_array(file, top, "minor_version_caveats"));
  KB_CHECK(file, top);

  for (size_t i = 0; i < releases->size(); ++i) {
    Reader r((*releases)[i], item_name("releases", i));
    r.identify("version");
    CudaRelease c;
    c.version = r.version("version").value_or(Version{});
    c.min_driver_text = r.text("min_driver", false);
    if (!c.min_driver_text.empty()) c.min_driver = r.version("min_driver").value_or(Version{});
    c.driver_branch = r.text("driver_branch", false);
    c.provenance = r.provenance(kb.sources);
    if (r.ok() && c.min_driver_text.empty() == c.driver_branch.empty())
      r.fail("needs exactly one of \"min_driver\" and \"driver_branch\"");
    if (r.ok() && !c.driver_branch.empty() &&
        (c.driver_branch.size() < 2 || c.driver_branch[0] != 'R' || !Version::parse(c.driver_branch.substr(1))))
      r.fail(fmt::format("driver_branch \"{}\" is not like R580", c.driver_branch));
    if (r.ok() && !kb.cuda_releases.empty() && !(kb.cuda_releases.back().version < c.version))
      r.fail("releases are not in ascending order");
    KB_CHECK(file, r);
    kb.cuda_releases.push_back(std::move(c));
  }

  std::vector<std::string> general;
  for (size_t i = 0; i < caveats->size(); ++i) {
    Reader r((*caveats)[i], item_name("minor_version_caveats", i));
    std::string text = r.text("text");
    r.provenance(kb.sources);
    KB_CHECK(file, r);
    general.push_back(std::move(text));
  }

  for (size_t i = 0; i < families->size(); ++i) {
    Reader r((*families)[i], item_name("minor_version_families", i));
    MinorVersionFamily f;
    f.cuda_major = r.integer("cuda_major");
    r.label(fmt::format("CUDA {}.x", f.cuda_major));
    f.min_driver_text = r.text("min_driver");
    f.min_driver = r.version("min_driver").value_or(Version{});
    f.driver_below = r.version("driver_below", false);
    f.caveats = r.texts("caveats");
    f.provenance = r.provenance(kb.sources);
    if (r.ok() && f.driver_below && !(f.min_driver < *f.driver_below)) r.fail("driver_below is not above min_driver");
    if (r.ok() && !kb.minor_version_families.empty() && kb.minor_version_families.back().cuda_major >= f.cuda_major)
      r.fail("families are not in ascending order");
    KB_CHECK(file, r);
    f.caveats.insert(f.caveats.end(), general.begin(), general.end());
    kb.minor_version_families.push_back(std::move(f));
  }
  return {};
}

Status parse_gpus(const json& doc, KnowledgeBase& kb) {
  const std::string file = "gpus";
  Reader top(doc, "");
  auto archs = DLENV_TRY(top_array(file, top, "architectures"));
  auto products = DLENV_TRY(top_array(file, top, "products"));
  KB_CHECK(file, top);

  std::set<std::vector<int>> seen_cc;
  for (size_t i = 0; i < archs->size(); ++i) {
    Reader r((*archs)[i], item_name("architectures", i));
    r.identify("name");
    Architecture a;
    a.name = r.text("name");
    a.compute_capabilities = r.versions("compute_capabilities");
    a.first_cuda = r.version("first_cuda").value_or(Version{});
    a.last_cuda = r.version("last_cuda", false);
    a.last_driver_branch = r.text("last_driver_branch", false);
    a.provenance = r.provenance(kb.sources);
    if (r.ok() && a.compute_capabilities.empty()) r.fail("\"compute_capabilities\" is empty");
    if (r.ok() && a.last_cuda && *a.last_cuda < a.first_cuda) r.fail("last_cuda is before first_cuda");
    for (const auto& cc : a.compute_capabilities) {
      std::vector<int> k{cc.major(), cc.minor()};
      if (r.ok() && !seen_cc.insert(k).second)
        r.fail(fmt::format("compute capability {} belongs to another architecture too", cc.str()));
    }
    if (r.ok() && !kb.architectures.empty() &&
        !(kb.architectures.back().compute_capabilities.front() < a.compute_capabilities.front()))
      r.fail("architectures are not in ascending order of compute capability");
    KB_CHECK(file, r);
    kb.architectures.push_back(std::move(a));
  }

  std::map<std::vector<std::string>, std::string> seen_names;
  std::optional<std::pair<Version, std::string>> previous;
  for (size_t i = 0; i < products->size(); ++i) {
    Reader r((*products)[i], item_name("products", i));
    r.identify("name");
    GpuProduct p;
    p.name = r.text("name");
    p.compute_capability = r.version("compute_capability").value_or(Version{});
    auto aliases = r.texts("aliases");
    p.provenance = r.provenance(kb.sources);
    if (r.ok() && previous && !(*previous < std::pair(p.compute_capability, p.name)))
      r.fail("products are not in ascending order of compute capability, then name");
    std::vector<std::string> names{p.name};
    names.insert(names.end(), aliases.begin(), aliases.end());
    for (const auto& n : names) {
      auto words = product_words(n);
      if (!r.ok()) break;
      if (words.empty()) r.fail(fmt::format("name \"{}\" has no distinguishing words", n));
      else if (auto [it, fresh] = seen_names.emplace(words, n); !fresh)
        r.fail(fmt::format("name \"{}\" matches the same words as \"{}\"", n, it->second));
    }
    KB_CHECK(file, r);
    previous = std::pair(p.compute_capability, p.name);
    for (const auto& alias : aliases) {
      GpuProduct a = p;
      a.name = alias;
      a.provenance.note = fmt::format("another name for {}", p.name);
      kb.gpu_products.push_back(std::move(a));
    }
    kb.gpu_products.push_back(std::move(p));
  }
  return {};
}

std::string expand_tag(std::string form, const std::string& tag) {
  auto at = form.find("{tag}");
  if (at != std::string::npos) form.replace(at, 5, tag);
  return form;
}

Status parse_pytorch(const json& doc, KnowledgeBase& kb) {
  const std::string file = "pytorch";
  Reader top(doc, "");
  std::string index_form = top.text("index_url_form");
  std::string links_form = top.text("find_links_form");
  auto releases = DLENV_TRY(top_array(file, top, "releases"));
  if (top.ok() && index_form.find("{tag}") == std::string::npos) top.fail("\"index_url_form\" has no {tag}");
  KB_CHECK(file, top);

  static const std::set<std::string> styles = {"index-url", "extra-index-url", "find-links"};
  for (size_t i = 0; i < releases->size(); ++i) {
    Reader r((*releases)[i], item_name("releases", i));
    r.identify("version");
    TorchRelease t;
    t.version = r.version("version").value_or(Version{});
    t.python = r.spec("python");
    t.torchvision = r.text("torchvision", false);
    t.torchaudio = r.text("torchaudio", false);
    t.install_style = r.text("install");
    std::string release_index = r.has("index_url_form") ? r.text("index_url_form") : index_form;
    std::string release_links = r.has("find_links_form") ? r.text("find_links_form") : links_form;
    t.provenance = r.provenance(kb.sources);
    const json* variants = r.field("variants", true);
    if (r.ok() && !styles.contains(t.install_style))
      r.fail(fmt::format("install \"{}\" is not one of index-url, extra-index-url, find-links", t.install_style));
    if (r.ok() && !t.torchvision.empty() && !Version::parse(t.torchvision))
      r.fail(fmt::format("torchvision \"{}\" is not a version", t.torchvision));
    if (r.ok() && !t.torchaudio.empty() && !Version::parse(t.torchaudio))
      r.fail(fmt::format("torchaudio \"{}\" is not a version", t.torchaudio));
    if (r.ok() && !variants->is_array()) r.fail("\"variants\" is not an array");
    if (r.ok() && !kb.torch_releases.empty() && !(kb.torch_releases.back().version < t.version))
      r.fail("releases are not in ascending order");
    KB_CHECK(file, r);

    int defaults = 0;
    for (size_t k = 0; k < variants->size(); ++k) {
      Reader v((*variants)[k], fmt::format("{}, variants[{}]", r.where(), k));
      v.identify("tag");
      TorchVariant tv;
      tv.tag = v.text("tag");
      tv.cuda = v.version("cuda", false);
      tv.sass = v.versions("sass");
      tv.ptx = v.version("ptx", false);
      tv.pypi_default = v.flag("pypi_default", false);
      tv.provenance = v.provenance(kb.sources);
      tv.index_url = expand_tag(release_index, tv.tag);
      if (t.install_style == "find-links") tv.find_links = expand_tag(release_links, tv.tag);
      if (v.ok()) {
        if (tv.tag == "cpu") {
          if (tv.cuda || !tv.sass.empty() || tv.ptx) v.fail("a cpu build has no cuda, sass or ptx");
        } else if (!tv.cuda) {
          v.fail("\"cuda\" is missing");
        } else if (tv.tag != fmt::format("cu{}{}", tv.cuda->major(), tv.cuda->minor()) || tv.cuda->size() != 2) {
          v.fail(fmt::format("tag \"{}\" does not match cuda {}", tv.tag, tv.cuda->str()));
        } else if (tv.sass.empty() && !tv.ptx) {
          v.fail("a CUDA build needs \"sass\" or \"ptx\"");
        }
      }
      if (v.ok() && t.variant(tv.tag)) v.fail("duplicate tag");
      if (v.ok() && tv.pypi_default && ++defaults > 1) v.fail("more than one pypi_default build");
      if (v.ok() && !t.variants.empty() && tv.cuda &&
          t.variants.back().cuda && !(*t.variants.back().cuda < *tv.cuda))
        v.fail("builds are not in ascending order of CUDA");
      if (v.ok() && tv.tag == "cpu" && !t.variants.empty()) v.fail("the cpu build is not first");
      KB_CHECK(file, v);
      t.variants.push_back(std::move(tv));
    }
    kb.torch_releases.push_back(std::move(t));
  }
  return {};
}

Status parse_tensorflow(const json& doc, KnowledgeBase& kb) {
  const std::string file = "tensorflow";
  Reader top(doc, "");
  auto configs = DLENV_TRY(top_array(file, top, "configs"));
  auto images = DLENV_TRY(top_array(file, top, "ngc_tf1_images"));
  KB_CHECK(file, top);

  for (size_t i = 0; i < configs->size(); ++i) {
    Reader r((*configs)[i], item_name("configs", i));
    r.identify("version");
    TensorflowConfig c;
    c.version = r.version("version").value_or(Version{});
    c.python = r.spec("python");
    c.cuda = r.version("cuda", false);
    c.cudnn = r.version("cudnn", false);
    c.pip_package = r.text("pip_package");
    c.and_cuda_extra = r.flag("and_cuda_extra", false);
    c.provenance = r.provenance(kb.sources);
    if (r.ok() && c.cuda.has_value() != c.cudnn.has_value()) r.fail("needs both or neither of \"cuda\" and \"cudnn\"");
    if (r.ok() && c.and_cuda_extra && !c.cuda) r.fail("and_cuda_extra without cuda");
    if (r.ok() && !kb.tensorflow_configs.empty() && !(kb.tensorflow_configs.back().version < c.version))
      r.fail("configs are not in ascending order");
    KB_CHECK(file, r);
    kb.tensorflow_configs.push_back(std::move(c));
  }

  for (size_t i = 0; i < images->size(); ++i) {
    Reader r((*images)[i], item_name("ngc_tf1_images", i));
    r.identify("tag");
    NgcTf1Image n;
    n.tag = r.text("tag");
    n.tensorflow = r.version("tensorflow").value_or(Version{});
    n.cuda = r.version("cuda").value_or(Version{});
    n.python = r.version("python").value_or(Version{});
    n.min_driver = r.version("min_driver").value_or(Version{});
    n.compute_capabilities = r.versions("compute_capabilities");
    n.provenance = r.provenance(kb.sources);
    if (r.ok() && n.compute_capabilities.empty()) r.fail("\"compute_capabilities\" is empty");
    if (r.ok() && !kb.ngc_tf1_images.empty() && !(kb.ngc_tf1_images.back().tag < n.tag))
      r.fail("images are not in ascending order of tag");
    KB_CHECK(file, r);
    kb.ngc_tf1_images.push_back(std::move(n));
  }
  return {};
}

Status parse_jax(const json& doc, KnowledgeBase& kb) {
  const std::string file = "jax";
  Reader top(doc, "");
  auto extras = DLENV_TRY(top_array(file, top, "extras"));
  KB_CHECK(file, top);
  for (size_t i = 0; i < extras->size(); ++i) {
    Reader r((*extras)[i], item_name("extras", i));
    r.identify("extra");
    JaxExtra x;
    x.extra = r.text("extra");
    x.cuda_major = r.integer("cuda_major");
    x.min_jax = r.version("min_jax", false);
    x.min_driver = r.version("min_driver").value_or(Version{});
    x.min_compute_capability = r.version("min_compute_capability", false);
    x.provenance = r.provenance(kb.sources);
    if (r.ok() && !starts_with(x.extra, fmt::format("cuda{}", x.cuda_major)))
      r.fail(fmt::format("extra \"{}\" does not match cuda_major {}", x.extra, x.cuda_major));
    if (r.ok() && !kb.jax_extras.empty() && !(kb.jax_extras.back().extra < x.extra))
      r.fail("extras are not in ascending order");
    KB_CHECK(file, r);
    kb.jax_extras.push_back(std::move(x));
  }
  return {};
}

Status parse_images(const json& doc, KnowledgeBase& kb) {
  const std::string file = "images";
  Reader top(doc, "");
  auto families = DLENV_TRY(top_array(file, top, "families"));
  KB_CHECK(file, top);
  for (size_t i = 0; i < families->size(); ++i) {
    Reader r((*families)[i], item_name("families", i));
    r.identify("repository");
    ImageFamily f;
    f.repository = r.text("repository");
    f.tag_form = r.text("tag_form");
    f.known_tags = r.texts("known_tags");
    f.removed_tags = r.texts("removed_tags");
    f.provenance = r.provenance(kb.sources);
    for (const auto& tag : f.removed_tags) {
      auto star = tag.find('*');
      if (r.ok() && star != std::string::npos && star + 1 != tag.size())
        r.fail(fmt::format("removed tag \"{}\": '*' may only end a tag", tag));
    }
    for (const auto& tag : f.known_tags)
      if (r.ok() && tag.find('*') != std::string::npos) r.fail(fmt::format("known tag \"{}\" has a '*'", tag));
    KB_CHECK(file, r);
    kb.image_families.push_back(std::move(f));
  }
  return {};
}

#undef KB_CHECK

}  // namespace

Result<KnowledgeBase> KnowledgeBase::parse(const std::map<std::string, std::string>& documents) {
  std::map<std::string, json> parsed;
  for (const char* name : kDocuments) {
    auto it = documents.find(name);
    if (it == documents.end()) return fail(data_error(name, "", "the document is missing"));
    try {
      parsed[name] = json::parse(it->second);
    } catch (const json::parse_error& e) {
      return fail(data_error(name, "", fmt::format("not valid JSON: {}", e.what())));
    }
  }
  for (const auto& [name, text] : documents)
    if (std::find_if(std::begin(kDocuments), std::end(kDocuments), [&](const char* d) { return name == d; }) ==
        std::end(kDocuments))
      return fail(data_error(name, "", "is not a knowledge base document"));

  KnowledgeBase kb;
  DLENV_TRY_VOID(parse_sources(parsed["sources"], kb));  // first: the others cite it
  DLENV_TRY_VOID(parse_cuda(parsed["cuda"], kb));
  DLENV_TRY_VOID(parse_gpus(parsed["gpus"], kb));
  DLENV_TRY_VOID(parse_pytorch(parsed["pytorch"], kb));
  DLENV_TRY_VOID(parse_tensorflow(parsed["tensorflow"], kb));
  DLENV_TRY_VOID(parse_jax(parsed["jax"], kb));
  DLENV_TRY_VOID(parse_images(parsed["images"], kb));
  return kb;
}

std::map<std::string, std::string> KnowledgeBase::builtin_documents() {
  std::map<std::string, std::string> out;
  for (const auto& f : detail::embedded_files()) out.emplace(std::string(f.stem), std::string(f.text));
  return out;
}

const KnowledgeBase& KnowledgeBase::builtin() {
  static const KnowledgeBase kb = [] {
    auto parsed = parse(builtin_documents());
    if (!parsed) {
      // The data is compiled in and covered by the unit tests: this is a build defect.
      std::fprintf(stderr, "dlenv: internal error: the built-in compatibility data is malformed: %s\n",
                   parsed.error().describe().c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return kb;
}

const CudaRelease* KnowledgeBase::cuda_release(const Version& v) const {
  // Version("12.1") == Version("12.1.0"), so a major.minor query skips the exact match.
  const CudaRelease* newest = nullptr;
  for (const auto& c : cuda_releases) {
    if (v.size() > 2 && c.version == v) return &c;
    if (c.version.truncated(2) == v.truncated(2)) newest = &c;  // ascending: the last one wins
  }
  return newest;
}

const MinorVersionFamily* KnowledgeBase::minor_version_family(int cuda_major) const {
  for (const auto& f : minor_version_families)
    if (f.cuda_major == cuda_major) return &f;
  return nullptr;
}

const Architecture* KnowledgeBase::architecture_of(const Version& cc) const {
  for (const auto& a : architectures)
    for (const auto& c : a.compute_capabilities)
      if (c == cc) return &a;
  return nullptr;
}

std::optional<Version> KnowledgeBase::compute_capability_of(std::string_view product_name) const {
  auto query = product_words(product_name);
  if (query.empty()) return std::nullopt;
  const GpuProduct* best = nullptr;
  size_t best_len = 0;
  for (const auto& p : gpu_products) {
    auto words = product_words(p.name);
    if (words.size() > query.size() || words.size() <= best_len) continue;
    if (std::equal(words.begin(), words.end(), query.begin())) {
      best = &p;
      best_len = words.size();
    }
  }
  if (!best) return std::nullopt;
  return best->compute_capability;
}

const TorchRelease* KnowledgeBase::torch_release(const Version& v) const {
  for (const auto& t : torch_releases)
    if (t.version == v) return &t;
  return nullptr;
}

const TensorflowConfig* KnowledgeBase::tensorflow_config(const Version& v) const {
  const TensorflowConfig* same_minor = nullptr;
  for (const auto& c : tensorflow_configs) {
    if (c.version == v) return &c;
    if (c.version.truncated(2) == v.truncated(2)) same_minor = &c;
  }
  return same_minor;
}

const TorchVariant* TorchRelease::variant(std::string_view tag) const {
  for (const auto& v : variants)
    if (v.tag == tag) return &v;
  return nullptr;
}

}  // namespace dlenv::compat
