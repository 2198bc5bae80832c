#include "render/devcontainer.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace dlenv::render {
namespace {

using ordered_json = nlohmann::ordered_json;

// One field of a `docker --mount` value, which Docker reads as CSV: a field holding a comma
// or a double quote is quoted, with quotes doubled.
std::string mount_field(std::string_view key, std::string_view value) {
  std::string field = fmt::format("{}={}", key, value);
  if (field.find_first_of(",\"") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string mount_string(std::string_view source, std::string_view target, bool read_only, bool volume = false) {
  std::string s = fmt::format("{},{},type={}", mount_field("source", source), mount_field("target", target), volume ? "volume" : "bind");
  if (read_only) s += ",readonly";
  return s;
}

std::string gpus_arg(const DevcontainerInputs& in) {
  if (in.gpus == DevcontainerInputs::Gpus::all) return "--gpus=all";
  std::string ids;
  for (const auto& uuid : in.gpu_uuids) ids += (ids.empty() ? "" : ",") + uuid;
  // The quotes are part of the value: Docker reads --gpus as CSV, and the device list has commas.
  return fmt::format("--gpus=\"device={}\"", ids);
}

}  // namespace

std::string devcontainer_json(const DevcontainerInputs& in) {
  ordered_json doc = ordered_json::object();
  doc[kDevcontainerMarkerKey] = fmt::format(
      "{} for env '{}' (image {}, user {}); 'dlenv export devcontainer {}' rewrites it, edits are lost",
      kDevcontainerMarker, in.env_name, in.image, in.user, in.env_name);
  if (in.left_out_mounts > 0)
    doc[kDevcontainerMarkerKey] = doc[kDevcontainerMarkerKey].get<std::string>() +
                                  fmt::format("; {} mount(s) from outside the project left out", in.left_out_mounts);
  doc["name"] = fmt::format("dlenv {}", in.env_name);
  if (in.build_dir.empty()) {
    doc["image"] = in.image;
  } else {
    doc["build"] = {{"dockerfile", in.build_dir + "/Dockerfile"}, {"context", in.build_dir}};
  }
  // The image's user layer has the exporting user's uid:gid and HOME: the same user needs no
  // rewrite; on a teammate's machine the editor gives that user the local uid.
  doc["containerUser"] = in.user_name;
  doc["remoteUser"] = in.user_name;
  doc["updateRemoteUserUID"] = !in.build_dir.empty();
  doc["workspaceFolder"] = in.workspace_folder;
  doc["workspaceMount"] = mount_string("${localWorkspaceFolder}", in.workspace_folder, false);

  ordered_json mounts = ordered_json::array();
  for (const auto& m : in.mounts) mounts.push_back(mount_string(m.source, m.target, m.read_only, m.volume));
  doc["mounts"] = std::move(mounts);

  ordered_json env = ordered_json::object();
  for (const auto& kv : in.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) env[kv] = "";
    else env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  doc["containerEnv"] = std::move(env);

  // The image's entrypoint (Jupyter, or a wait when Jupyter is off) keeps running, as under
  // `dlenv up`; tini reaps children like `docker run --init`.
  if (!in.initialize_command.empty()) doc["initializeCommand"] = in.initialize_command;
  doc["overrideCommand"] = false;
  doc["init"] = true;

  ordered_json run_args = ordered_json::array();
  if (in.shm_size > 0) run_args.push_back(fmt::format("--shm-size={}", in.shm_size));
  run_args.push_back("--security-opt=no-new-privileges");
  const bool gpus = in.gpus == DevcontainerInputs::Gpus::all ||
                    (in.gpus == DevcontainerInputs::Gpus::devices && !in.gpu_uuids.empty());
  if (gpus) run_args.push_back(gpus_arg(in));
  doc["runArgs"] = std::move(run_args);
  // Only for every GPU: with hostRequirements.gpu set, the devcontainers CLI adds its own
  // `--gpus all` wherever the nvidia runtime is registered, which would widen a device list.
  if (in.gpus == DevcontainerInputs::Gpus::all) doc["hostRequirements"] = {{"gpu", true}};

  ordered_json forward = ordered_json::array();
  ordered_json attributes = ordered_json::object();
  for (const auto& p : in.ports) {
    forward.push_back(p.port);
    attributes[std::to_string(p.port)] = {{"label", p.label}, {"onAutoForward", "silent"}};
  }
  doc["forwardPorts"] = std::move(forward);
  doc["portsAttributes"] = std::move(attributes);
  return doc.dump(2) + "\n";
}

bool is_dlenv_devcontainer(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (!doc.is_object()) return false;
  auto it = doc.find(kDevcontainerMarkerKey);
  return it != doc.end() && it->is_string() && it->get<std::string>().starts_with(kDevcontainerMarker);
}

}  // namespace dlenv::render
