#include "host/gpu_facts_json.hpp"

#include <cstdlib>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/gpu_probe.hpp"
#include "util/files.hpp"

namespace dlenv::host {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr const char* kExample =
    R"({"driver_version": "580.65.06", "cuda_driver_version": "13.0", "gpus": [{"index": 0, )"
    R"("name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-...", "compute_capability": "9.0", "memory_mib": 81559}]})";

std::string kind_of(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return fmt::format("the string \"{}\"", v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return fmt::format("the number {}", v.dump());
  if (v.is_array()) return "a list";
  return "an object";
}

class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  Error bad(std::string_view key, std::string_view expected, const json& got, std::string hint) const {
    return Error(ErrorCode::config,
                 fmt::format("{}: \"{}\" must be {}, not {}", origin_, key, expected, kind_of(got)),
                 std::move(hint))
        .at(SourceLocation{origin_, 0, 0});
  }

  // A version string ("580.65.06"), or null when allowed. nullopt: null.
  Result<std::optional<std::string>> version(const json& obj, const std::string& key, const std::string& path,
                                             std::string_view example) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string() || !Version::parse(it->get<std::string>()))
      return fail(bad(path, "a dotted version string or null", *it,
                      fmt::format("write it like \"{}\" (digits and dots); null when unknown", example)));
    return std::optional<std::string>(it->get<std::string>());
  }

  Result<std::string> string(const json& obj, const std::string& key, const std::string& path,
                             std::string fallback) const {
    auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    if (!it->is_string()) return fail(bad(path, "a string", *it, "put the value in double quotes"));
    return it->get<std::string>();
  }

 private:
  const std::string& origin_;
};

std::pair<int, int> line_col(std::string_view text, size_t byte) {
  int line = 1, col = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

Result<Gpu> read_gpu(const Reader& r, const json& g, size_t i) {
  std::string at = fmt::format("gpus[{}]", i);
  if (!g.is_object())
    return fail(r.bad(at, "an object", g, fmt::format("each GPU is an object, like {}", kExample)));
  Gpu gpu;
  auto idx = g.find("index");
  if (idx == g.end() || !idx->is_number_integer() || idx->get<long long>() < 0 ||
      idx->get<long long>() > 1'000'000)
    return fail(r.bad(at + ".index", "a whole number >= 0", idx == g.end() ? json() : *idx,
                      "give each GPU its index as nvidia-smi numbers it: \"index\": 0"));
  gpu.index = static_cast<int>(idx->get<long long>());
  gpu.name = DLENV_TRY(r.string(g, "name", at + ".name", ""));
  gpu.uuid = DLENV_TRY(r.string(g, "uuid", at + ".uuid", ""));
  auto cc = DLENV_TRY(r.version(g, "compute_capability", at + ".compute_capability", "9.0"));
  if (cc) gpu.compute_capability = *Version::parse(*cc);
  if (auto mem = g.find("memory_mib"); mem != g.end() && !mem->is_null()) {
    if (!mem->is_number_integer() || mem->get<long long>() < 0)
      return fail(r.bad(at + ".memory_mib", "a whole number of MiB >= 0", *mem,
                        "write the size in MiB without a unit, like \"memory_mib\": 81559"));
    gpu.memory_mib = mem->get<long long>();
  }
  gpu.source = DLENV_TRY(r.string(g, "source", at + ".source", "file"));
  return gpu;
}

}  // namespace

std::string gpu_facts_to_json(const GpuFacts& facts, bool pretty) {
  ojson j;
  if (facts.driver) {
    j["driver_version"] = facts.driver->version_string();
    j["cuda_driver_version"] =
        facts.driver->cuda_driver_version.empty() ? ojson() : ojson(facts.driver->cuda_driver_version.str());
  } else {
    j["driver_version"] = nullptr;
    j["cuda_driver_version"] = nullptr;
  }
  j["gpus"] = ojson::array();
  for (const auto& g : facts.gpus) {
    ojson o;
    o["index"] = g.index;
    o["name"] = g.name;
    o["uuid"] = g.uuid;
    o["compute_capability"] = g.compute_capability.empty() ? ojson() : ojson(g.compute_capability.str());
    o["memory_mib"] = g.memory_mib;
    o["source"] = g.source;
    j["gpus"].push_back(std::move(o));
  }
  ojson sources = ojson::object();
  if (facts.driver) {
    sources["driver_version"] = facts.driver->version_source;
    sources["cuda_driver_version"] = facts.driver->cuda_source;
  }
  j["sources"] = std::move(sources);
  j["notes"] = facts.notes;
  return pretty ? j.dump(2) : j.dump();
}

Result<GpuFacts> gpu_facts_from_json(std::string_view text, std::string origin) {
  const std::string hint = fmt::format("a facts file is what `dlenv host --json` writes, like {}", kExample);
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    auto [line, col] = line_col(text, e.byte);
    std::string what = e.what();
    if (auto colon = what.rfind(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return fail(Error(ErrorCode::config, fmt::format("{}: not valid JSON: {}", origin, what), hint)
                    .at(SourceLocation{origin, line, col}));
  }
  Reader r(origin);
  if (!j.is_object()) return fail(r.bad("(top level)", "an object", j, hint));

  GpuFacts facts;
  facts.origin = origin;
  auto driver = DLENV_TRY(r.version(j, "driver_version", "driver_version", "580.65.06"));
  auto cuda = DLENV_TRY(r.version(j, "cuda_driver_version", "cuda_driver_version", "13.0"));
  json sources = json::object();
  if (auto s = j.find("sources"); s != j.end() && !s->is_null()) {
    if (!s->is_object())
      return fail(r.bad("sources", "an object", *s,
                        "write it like \"sources\": {\"driver_version\": \"nvml\", \"cuda_driver_version\": \"nvml\"}"));
    sources = *s;
  }
  if (driver) {
    GpuDriver d;
    d.version = *Version::parse(*driver);
    d.version_text = *driver;
    d.version_source = DLENV_TRY(r.string(sources, "driver_version", "sources.driver_version", "file"));
    if (cuda) {
      d.cuda_driver_version = *Version::parse(*cuda);
      d.cuda_source = DLENV_TRY(r.string(sources, "cuda_driver_version", "sources.cuda_driver_version", "file"));
    } else {
      d.cuda_source = DLENV_TRY(r.string(sources, "cuda_driver_version", "sources.cuda_driver_version", ""));
    }
    facts.driver = std::move(d);
  } else if (cuda) {
    return fail(Error(ErrorCode::config,
                      fmt::format("{}: \"cuda_driver_version\" is {} but \"driver_version\" is null", origin, *cuda),
                      "a CUDA level comes from a driver: give \"driver_version\" too, or make both null")
                    .at(SourceLocation{origin, 0, 0}));
  }

  if (auto g = j.find("gpus"); g != j.end() && !g->is_null()) {
    if (!g->is_array()) return fail(r.bad("gpus", "a list", *g, hint));
    std::set<int> seen;
    for (size_t i = 0; i < g->size(); ++i) {
      auto gpu = DLENV_TRY(read_gpu(r, (*g)[i], i));
      if (!seen.insert(gpu.index).second)
        return fail(Error(ErrorCode::config,
                          fmt::format("{}: \"gpus[{}].index\" is {}, which an earlier GPU has", origin, i, gpu.index),
                          "each GPU has its own index (0, 1, ...)")
                        .at(SourceLocation{origin, 0, 0}));
      facts.gpus.push_back(std::move(gpu));
    }
  }
  if (auto n = j.find("notes"); n != j.end() && !n->is_null()) {
    if (!n->is_array()) return fail(r.bad("notes", "a list of strings", *n, "write it like \"notes\": [\"...\"]"));
    for (size_t i = 0; i < n->size(); ++i) {
      const auto& note = (*n)[i];
      if (!note.is_string())
        return fail(r.bad(fmt::format("notes[{}]", i), "a string", note, "put each note in double quotes"));
      facts.notes.push_back(note.get<std::string>());
    }
  }
  return facts;
}

Result<GpuFacts> load_gpu_facts(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text)
    return fail(std::move(text.error())
                    .with_hint("save the facts with `dlenv host --json > FILE` on the machine with the GPUs"));
  return gpu_facts_from_json(*text, path.string());
}

Status save_gpu_facts(const GpuFacts& facts, const std::filesystem::path& path) {
  return write_file_atomic(path, gpu_facts_to_json(facts, true) + "\n");
}

Result<GpuFacts> gpu_facts_for_host(const spec::Settings& settings) {
  if (auto file = settings.get("host_facts"); file && !file->empty()) {
    auto facts = load_gpu_facts(*file);
    if (!facts) return fail(std::move(facts.error()).while_("reading " + settings.where("host_facts")));
    return facts;
  }
  return probe_gpus(probe_options(settings));
}

}  // namespace dlenv::host
