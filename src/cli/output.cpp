#include "cli/output.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/table.hpp"

namespace dlenv::cli {
namespace {

nlohmann::json to_json(const ops::EnvView& e) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& [service, port] : e.ports) ports[service] = port;
  nlohmann::json j = {
      {"name", e.name},
      {"project", e.project},
      {"state", e.state},
      {"container", e.container},
      {"container_id", e.container_id},
      {"image", e.image},
      {"user", {{"uid", e.uid}, {"gid", e.gid}}},
      {"ports", ports},
      {"owned", e.owned},
  };
  j["jupyter"] = e.jupyter_url.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"url", e.jupyter_url}};
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
  std::string out = fmt::format("{} is {}\n", e.name, e.state);
  if (!e.jupyter_url.empty()) out += fmt::format("  Jupyter:   {}\n", e.jupyter_url);
  for (const auto& [service, port] : e.ports) out += fmt::format("  port:      {} on 127.0.0.1:{}\n", service, port);
  out += fmt::format("  container: {} ({})\n", e.container, e.image);
  out += fmt::format("  project:   {}\n", e.project);
  return out;
}

std::string envs_table(const std::vector<ops::EnvView>& envs) {
  if (envs.empty()) return "no environments; 'dlenv init' and 'dlenv up' create one\n";
  TextTable table({"NAME", "STATE", "PORTS", "USER", "CONTAINER", "PROJECT"});
  for (const auto& e : envs) {
    std::string ports;
    for (const auto& [service, port] : e.ports) ports += fmt::format("{}{}:{}", ports.empty() ? "" : ",", service, port);
    table.add_row({e.name, e.state, ports.empty() ? "-" : ports, fmt::format("{}:{}", e.uid, e.gid), e.container, e.project});
  }
  return table.render();
}

std::string error_human(const Error& error) {
  std::string out = fmt::format("error: {}\n", error.describe());
  if (!error.hint.empty()) out += fmt::format("hint: {}\n", error.hint);
  return out;
}

}  // namespace dlenv::cli
