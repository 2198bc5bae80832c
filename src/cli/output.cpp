#include "cli/output.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/gpu_facts_json.hpp"
#include "util/table.hpp"
#include "util/text.hpp"

namespace dlenv::cli {
namespace {

nlohmann::json to_json(const ops::EnvView& e) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& [service, port] : e.ports) ports[service] = port;
  nlohmann::json j = {
      {"name", e.name},
      {"project", e.project},
      {"state", std::string(backend::to_string(e.state))},
      {"container", e.container},
      {"container_id", e.container_id},
      {"image", e.image},
      {"user", {{"uid", e.uid}, {"gid", e.gid}}},
      {"ports", ports},
      {"owned", e.owned},
  };
  j["jupyter"] = e.jupyter_url.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"url", e.jupyter_url}};
  j["home"] = e.home.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"path", e.home}, {"bytes", e.home_bytes.value_or(0)}};
  return j;
}

}  // namespace

std::string env_json(const ops::EnvView& env) { return to_json(env).dump(); }

std::string envs_json(const std::vector<ops::EnvView>& envs) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : envs) arr.push_back(to_json(e));
  return arr.dump(2);
}

std::string error_json(const Error& error) {
  nlohmann::json j = {{"code", std::string(to_string(error.code))}, {"message", error.message}, {"hint", error.hint}};
  if (error.where) j["location"] = {{"file", error.where->file}, {"line", error.where->line}, {"column", error.where->column}};
  if (!error.context.empty()) j["context"] = error.context;
  return nlohmann::json{{"error", j}}.dump();
}

std::string env_human(const ops::EnvView& e) {
  std::string out = fmt::format("{} is {}\n", e.name, backend::to_string(e.state));
  if (!e.jupyter_url.empty()) out += fmt::format("  Jupyter:   {}\n", e.jupyter_url);
  for (const auto& [service, port] : e.ports) out += fmt::format("  port:      {} on 127.0.0.1:{}\n", service, port);
  out += fmt::format("  container: {} ({})\n", e.container, e.image);
  out += fmt::format("  project:   {}\n", e.project);
  return out;
}

std::string envs_table(const std::vector<ops::EnvView>& envs) {
  if (envs.empty()) return "no environments; 'dlenv init' and 'dlenv up' create one\n";
  TextTable table({"NAME", "STATE", "PORTS", "USER", "HOME", "CONTAINER", "PROJECT"});
  for (const auto& e : envs) {
    std::string ports;
    for (const auto& [service, port] : e.ports) ports += fmt::format("{}{}:{}", ports.empty() ? "" : ",", service, port);
    table.add_row({e.name, std::string(backend::to_string(e.state)), ports.empty() ? "-" : ports, fmt::format("{}:{}", e.uid, e.gid),
                   e.home_bytes ? format_bytes(*e.home_bytes) : "-", e.container, e.project});
  }
  return table.render();
}

std::string error_human(const Error& error) {
  std::string out = fmt::format("error: {}\n", error.describe());
  if (!error.hint.empty()) out += fmt::format("hint: {}\n", error.hint);
  return out;
}

namespace {

nlohmann::json version_or_null(const std::optional<Version>& v) {
  return v ? nlohmann::json(v->str()) : nlohmann::json(nullptr);
}

}  // namespace

std::string plan_json(const ops::PlanView& plan) {
  const auto& r = plan.resolution;
  nlohmann::json alternatives = nlohmann::json::array();
  for (const auto& a : r.alternatives) alternatives.push_back({{"description", a.description}, {"change", a.change}});
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : plan.layers)
    layers.push_back({{"kind", l.kind},
                      {"tag", l.tag},
                      {"hash", l.content_hash},
                      {"parent", l.parent},
                      {"exists", l.exists ? nlohmann::json(*l.exists) : nlohmann::json(nullptr)}});
  nlohmann::json gpus = nlohmann::json::array();
  for (const auto& g : plan.gpus) gpus.push_back({{"index", g.index}, {"name", g.name}, {"uuid", g.uuid}});
  nlohmann::json mounts = nlohmann::json::array();
  for (const auto& m : plan.sensitive_mounts)
    mounts.push_back({{"host", m.host},
                      {"target", m.target},
                      {"reason", m.reason},
                      {"allowed_by", m.allowed_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.allowed_by)},
                      {"refused", m.never || m.allowed_by.empty()}});
  nlohmann::json j = {
      {"env", plan.env},
      {"ok", r.ok},
      {"sensitive_mounts", mounts},
      {"framework", r.framework == compat::Framework::none
                        ? nlohmann::json(nullptr)
                        : nlohmann::json{{"name", std::string(compat::to_string(r.framework))}, {"version", version_or_null(r.framework_version)}}},
      {"cuda", version_or_null(r.cuda)},
      {"cudnn", version_or_null(r.cudnn)},
      {"python", version_or_null(r.python)},
      {"base_image", r.base_image},
      {"variant", r.variant},
      {"packages", r.packages},
      {"apt_packages", r.apt_packages},
      {"index_urls", r.index_urls},
      {"reasons", r.reasons},
      {"warnings", r.warnings},
      {"alternatives", alternatives},
      {"layers", layers},
      {"gpus", gpus},
      {"all_gpus", plan.all_gpus},
      {"host", plan.host_origin},
      {"notes", plan.notes},
  };
  if (!r.ok) j["failed_constraint"] = r.failed_constraint;
  return j.dump();
}

std::string plan_human(const ops::PlanView& plan) {
  const auto& r = plan.resolution;
  std::string out;
  if (r.ok) {
    out += fmt::format("{}: {}", plan.env, r.framework == compat::Framework::none ? "no framework" : compat::to_string(r.framework));
    if (r.framework_version) out += " " + r.framework_version->str();
    out += r.cuda ? fmt::format(" with CUDA {}", r.cuda->str()) : std::string(r.framework == compat::Framework::none ? "" : " (CPU)");
    if (r.python) out += fmt::format(", Python {}", r.python->str());
    out += fmt::format("\n  base image: {}\n", r.base_image);
    if (!r.packages.empty()) out += fmt::format("  packages:   {}\n", join(r.packages, " "));
    if (!r.index_urls.empty()) out += fmt::format("  index:      {}\n", join(r.index_urls, " "));
  } else {
    out += fmt::format("{}: cannot run here: {}\n", plan.env, r.failed_constraint);
  }
  if (!plan.gpus.empty()) {
    std::vector<std::string> names;
    for (const auto& g : plan.gpus) names.push_back(fmt::format("{} ({})", g.index, g.name));
    out += fmt::format("  GPUs:       {}\n", join(names, ", "));
  }
  if (!r.reasons.empty()) {
    out += "  because:\n";
    for (const auto& reason : r.reasons) out += fmt::format("    - {}\n", reason);
  }
  for (const auto& w : r.warnings) out += fmt::format("  warning: {}\n", w);
  if (!r.alternatives.empty()) {
    out += "  ways out:\n";
    for (const auto& a : r.alternatives) out += fmt::format("    - {}: {}\n", a.description, a.change);
  }
  for (const auto& m : plan.sensitive_mounts)
    out += fmt::format("  sensitive mount: {} -> {} ({}): {}\n", m.host, m.target, m.reason,
                       m.never ? "refused always" : m.allowed_by.empty() ? "refused without allow = true or --trust"
                                                                          : "allowed by " + m.allowed_by);
  for (const auto& l : plan.layers)
    out += fmt::format("  layer {:<9} {} {}\n", l.kind, l.tag, !l.exists ? "(unknown)" : (*l.exists ? "(exists)" : "(to build)"));
  for (const auto& n : plan.notes) out += fmt::format("  note: {}\n", n);
  return out;
}

std::string doctor_json(const std::vector<ops::Check>& checks) {
  nlohmann::json list = nlohmann::json::array();
  bool ok = true;
  for (const auto& c : checks) {
    list.push_back({{"name", c.name}, {"status", std::string(backend::to_string(c.status))}, {"detail", c.detail}, {"remedy", c.remedy}});
    ok = ok && c.status != ops::Check::Status::fail;
  }
  return nlohmann::json{{"ok", ok}, {"checks", list}}.dump(2);
}

std::string doctor_human(const std::vector<ops::Check>& checks) {
  std::string out;
  for (const auto& c : checks) {
    out += fmt::format("{:<5} {:<17} {}\n", backend::to_string(c.status), c.name, c.detail);
    if (!c.remedy.empty() && c.status != backend::Check::Status::ok) out += fmt::format("{:<23} -> {}\n", "", c.remedy);
  }
  return out;
}

std::string host_json(const host::GpuFacts& facts, const backend::BackendReport& engine) {
  auto j = nlohmann::json::parse(host::gpu_facts_to_json(facts, false));
  nlohmann::json e = {{"backend", engine.backend}, {"endpoint", engine.endpoint}};
  if (engine.reachable) {
    e["version"] = engine.version;
    e["api_version"] = engine.api_version;
    e["podman"] = engine.podman;
  }
  if (engine.described) {
    e["runtimes"] = engine.runtimes;
    e["default_runtime"] = engine.default_runtime;
    e["nvidia_runtime"] = engine.nvidia_runtime;
    e["cdi_spec_dirs"] = engine.cdi_spec_dirs;
    e["runc_version"] = engine.runc_version;
  }
  if (!engine.error.empty()) e["error"] = engine.error;
  j["engine"] = e;
  return j.dump(2);
}

std::string host_human(const host::GpuFacts& facts, const backend::BackendReport& engine) {
  std::string out;
  if (facts.driver) {
    out += fmt::format("NVIDIA driver {} (from {}), CUDA driver level {} (from {})\n", facts.driver->version.str(),
                       facts.driver->version_source, facts.driver->cuda_driver_version.str(), facts.driver->cuda_source);
  } else {
    out += "no NVIDIA driver found\n";
  }
  if (!facts.gpus.empty()) {
    TextTable table({"INDEX", "NAME", "CC", "MEMORY", "UUID", "SOURCE"});
    for (const auto& g : facts.gpus)
      table.add_row({std::to_string(g.index), g.name, g.compute_capability.str(), fmt::format("{} MiB", g.memory_mib), g.uuid, g.source});
    out += table.render();
  }
  for (const auto& n : facts.notes) out += fmt::format("note: {}\n", n);
  if (engine.reachable) {
    out += fmt::format("engine: {} {} at {}", engine.podman ? "Podman" : "Docker", engine.version, engine.endpoint);
    if (engine.described)
      out += fmt::format(", runtimes {}{}", join(engine.runtimes, ", "),
                         engine.cdi_spec_dirs.empty() ? "" : ", CDI in " + join(engine.cdi_spec_dirs, ", "));
    out += "\n";
  } else {
    out += fmt::format("engine: not reachable at {} ({})\n", engine.endpoint, engine.error);
  }
  out += fmt::format("facts from: {}\n", facts.origin);
  return out;
}

std::string bootstrap_json(const ops::BootstrapResult& result) {
  return nlohmann::json{{"image", result.image}, {"id", result.id}, {"created", result.created}}.dump();
}

std::string settings_json(const std::vector<ops::SettingView>& settings) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : settings)
    list.push_back({{"key", s.key}, {"value", s.value}, {"origin", s.origin}, {"where", s.where}, {"variable", s.variable},
                    {"description", s.description}});
  return list.dump(2);
}

std::string settings_human(const std::vector<ops::SettingView>& settings) {
  TextTable table({"SETTING", "VALUE", "FROM"});
  for (const auto& s : settings) table.add_row({s.key, s.value.empty() ? "-" : s.value, s.where.empty() ? s.origin : s.origin + " (" + s.where + ")"});
  return table.render();
}

}  // namespace dlenv::cli
