#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "compat/jupyter_uis.hpp"
#include "plan/env_plan.hpp"
#include "util/digest.hpp"
#include "util/files.hpp"

namespace dlenv::plan {
namespace {

constexpr const char* kCacheRoot = spec::kCacheMountRoot;

// Canonical, unambiguous serialization of a layer's inputs: "key=value\n" with lists joined
// by NUL, hashed together with the parent's identity and the recipe version.
std::string hash_inputs(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string text = fmt::format("recipe={}\n", kRecipeVersion);
  for (const auto& [k, v] : fields) text += fmt::format("{}={}\n", k, v);
  return sha256_hex(text);
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + '\0';
  return out;
}

ImageLayer finish(ImageLayer layer, std::vector<std::pair<std::string, std::string>> fields) {
  fields.insert(fields.begin(), {"kind", std::string(to_string(layer.kind))});
  layer.content_hash = hash_inputs(fields);
  layer.tag = fmt::format("dlenv/{}:{}", to_string(layer.kind), layer.content_hash.substr(0, 16));
  return layer;
}

}  // namespace

std::string_view to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::system: return "system";
    case LayerKind::framework: return "framework";
    case LayerKind::project: return "project";
    case LayerKind::user: return "user";
  }
  return "system";
}

NetworkPlan user_network(unsigned uid) {
  return {fmt::format("dlenv-u{}", uid), {{label::managed, "1"}, {label::owner, std::to_string(uid)}}, false};
}

std::string env_key(const std::string& project_dir, const std::string& env_name) {
  return project_dir + "#" + env_name;
}

std::string container_name(unsigned uid, const std::string& project_dir, const std::string& env_name) {
  return fmt::format("dlenv-{}-{}", env_name, sha256_hex(fmt::format("{}\n{}\n{}", uid, project_dir, env_name)).substr(0, 8));
}

namespace {

// The Jupyter front end: the user's choice, refused when a base dlenv knows does not package it;
// "best" made concrete where the base is known (a Debian release, or Jupyter from pip beside a
// pip framework: JupyterLab), else left to the build, which picks from the base's packages.
Result<spec::JupyterUi> choose_jupyter_ui(const spec::EnvSpec& env, const PlanInputs& inputs) {
  using spec::JupyterUi;
  if (!env.jupyter) return env.jupyter_ui;
  if (auto debian = compat::packaged_jupyter(inputs.base_image)) {
    if (env.jupyter_ui == JupyterUi::lab && !debian->lab)
      return fail(ErrorCode::config, fmt::format("env '{}': JupyterLab is not packaged for Debian {} ({})", env.name, debian->release,
                                                 inputs.base_image),
                  "use jupyter = \"notebook\" for the classic notebook, or base = \"dlenv/debian:trixie\" for JupyterLab");
    if (env.jupyter_ui == JupyterUi::notebook && !debian->notebook)
      return fail(ErrorCode::config, fmt::format("env '{}': the classic notebook is not packaged for Debian {}", env.name, debian->release),
                  "use jupyter = \"lab\" or jupyter = \"server\"");
    if (env.jupyter_ui != JupyterUi::best) return env.jupyter_ui;
    return debian->lab ? JupyterUi::lab : debian->notebook ? JupyterUi::notebook : JupyterUi::server;
  }
  const bool pip_framework = inputs.resolution && !inputs.resolution->distribution_framework;
  if (env.jupyter_ui == JupyterUi::best && pip_framework) return JupyterUi::lab;
  return env.jupyter_ui;
}

// Where the UI lives under Jupyter's base URL; empty: the root, which redirects to it.
std::string ui_path(spec::JupyterUi ui) {
  switch (ui) {
    case spec::JupyterUi::lab: return "lab";
    case spec::JupyterUi::notebook: return "tree";
    case spec::JupyterUi::server:
    case spec::JupyterUi::best: break;
  }
  return "";
}

// system -> framework (when the resolution installs one with pip).
void add_base_layers(BuildPlan& build, const spec::EnvSpec& env, spec::JupyterUi jupyter_ui, const PlanInputs& inputs) {
  const compat::Resolution* resolution = inputs.resolution;
  ImageLayer system;
  system.kind = LayerKind::system;
  system.parent = inputs.base_image;
  system.apt = env.apt;
  if (resolution && resolution->distribution_framework)
    system.apt.insert(system.apt.end(), resolution->apt_packages.begin(), resolution->apt_packages.end());
  std::sort(system.apt.begin(), system.apt.end());
  system.apt.erase(std::unique(system.apt.begin(), system.apt.end()), system.apt.end());
  system.jupyter = env.jupyter;
  system.jupyter_ui = jupyter_ui;
  system = finish(std::move(system), {{"parent", inputs.base_image + "@" + inputs.base_image_id},
                                      {"apt", joined(system.apt)},
                                      {"jupyter", env.jupyter ? std::string(spec::to_string(jupyter_ui)) : "0"}});
  build.layers.push_back(system);

  if (resolution && !resolution->distribution_framework && !resolution->packages.empty()) {
    ImageLayer framework;
    framework.kind = LayerKind::framework;
    framework.parent = build.layers.back().tag;
    framework.pip = resolution->packages;
    framework.index_urls = resolution->index_urls;
    framework.find_links = resolution->find_links;
    framework = finish(std::move(framework), {{"parent", framework.parent},
                                              {"pip", joined(framework.pip)},
                                              {"index", joined(framework.index_urls)},
                                              {"find-links", joined(framework.find_links)}});
    build.layers.push_back(framework);
  }
}

// project (only when it has something to install) -> user.
Status add_project_and_user_layers(BuildPlan& build, const spec::EnvSpec& env, const host::UserIdentity& user) {
  std::optional<std::string> requirements;
  if (env.requirements) {
    auto text = read_file(*env.requirements);
    if (!text)
      return fail(std::move(text.error()).while_(fmt::format("while reading the requirements of env '{}'", env.name)));
    requirements = *text;
  }
  if (!env.pip.empty() || requirements) {
    ImageLayer proj;
    proj.kind = LayerKind::project;
    proj.parent = build.layers.back().tag;
    proj.pip = env.pip;
    proj.requirements_text = requirements;
    proj = finish(std::move(proj), {{"parent", proj.parent},
                                    {"pip", joined(proj.pip)},
                                    {"requirements", requirements ? "1" + *requirements : "0"}});
    build.layers.push_back(proj);
  }

  ImageLayer user_layer;
  user_layer.kind = LayerKind::user;
  user_layer.parent = build.layers.back().tag;
  user_layer.user.uid = user.uid;
  user_layer.user.gid = user.gid;
  user_layer.user.name = host::container_login(user);
  user_layer.user.home = user.uid == 0 ? "/root" : "/home/" + user_layer.user.name;
  user_layer = finish(std::move(user_layer), {{"parent", user_layer.parent},
                                              {"uid", std::to_string(user.uid)},
                                              {"gid", std::to_string(user.gid)},
                                              {"name", user_layer.user.name},
                                              {"home", user_layer.user.home}});
  build.layers.push_back(user_layer);
  return {};
}

// The environment variables of the container, in name order.
std::vector<std::string> container_env(const spec::EnvSpec& env, const RunPlan& run, const ImageUser& image_user,
                                       const PlanInputs& inputs) {
  const compat::Resolution* resolution = inputs.resolution;
  std::map<std::string, std::string> vars = {
      {"HOME", image_user.home},
      {"USER", image_user.name},
      {"PIP_CACHE_DIR", fmt::format("{}/pip", kCacheRoot)},
      {"HF_HOME", fmt::format("{}/huggingface", kCacheRoot)},
      {"TORCH_HOME", fmt::format("{}/torch", kCacheRoot)},
      {"DLENV_ENV", env.name},
      {"DLENV_WORKDIR", env.workdir},
      {"DLENV_JUPYTER", env.jupyter ? "1" : "0"},
      {"DLENV_SSH", env.ssh ? "1" : "0"},
  };
  if (env.jupyter) vars["DLENV_JUPYTER_BASE_URL"] = run.jupyter_base_url;
  // What the resolved build needs set in the container (NVIDIA_DISABLE_REQUIRE=true when
  // minor-version compatibility is what makes an nvidia/cuda image run on this driver).
  if (resolution)
    for (const auto& [k, v] : resolution->container_env) vars[k] = v;
  if (!inputs.gpus.empty()) vars["NVIDIA_DRIVER_CAPABILITIES"] = "compute,utility";
  for (const auto& [k, v] : env.env) vars[k] = v;

  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

// Mounts, ports, GPUs and labels of the run.
void add_mounts_ports_and_labels(RunPlan& run, const spec::EnvSpec& env, const host::HostFacts& host,
                                 const std::string& project_dir, const std::string& container_home, const PlanInputs& inputs) {
  const auto& user = host.user;
  run.mounts.push_back({project_dir, env.workdir, false, false});
  for (const auto& m : env.mounts) run.mounts.push_back({m.host.string(), m.container, m.read_only, false});
  for (const char* cache : spec::kCacheNames)
    run.mounts.push_back({(host.paths.cache_dir / cache).string(), fmt::format("{}/{}", kCacheRoot, cache), false, true});
  run.mounts.push_back({run.secrets_dir, kSecretsMountPoint, true, false});
  // The home outlives the container: ~/.vscode-server, `pip install --user`, kernels installed
  // with --user and shell history survive rm/up and rebuilt images. Not when the project or
  // one of its mounts is the home itself: that folder is what the user asked for there.
  const bool home_taken = env.workdir == container_home ||
                          std::any_of(env.mounts.begin(), env.mounts.end(), [&](const auto& m) { return m.container == container_home; });
  if (!home_taken) run.mounts.push_back({run.home_dir, container_home, false, true});

  if (env.jupyter) run.ports.push_back({"jupyter", kJupyterContainerPort, "127.0.0.1"});
  if (env.ssh) run.ports.push_back({"ssh", kSshContainerPort, "127.0.0.1"});
  run.all_gpus = inputs.all_gpus;
  for (const auto& gpu : inputs.gpus) run.gpu_uuids.push_back(gpu.uuid);

  run.labels = {
      {label::managed, "1"},
      {label::env, env.name},
      {label::project, project_dir},
      {label::owner, std::to_string(user.uid)},
      {label::user, run.user},
      {label::workdir, env.workdir},
  };
  if (env.jupyter) run.labels[label::jupyter_base_url] = run.jupyter_base_url;
  if (!run.jupyter_ui_path.empty()) run.labels[label::jupyter_ui_path] = run.jupyter_ui_path;
}

// Covers everything that requires re-creating the container.
std::string run_spec_hash(const RunPlan& run) {
  std::string run_text = fmt::format("image={}\nuser={}\nworkdir={}\nshm={}\n", run.image, run.user, run.workdir, run.shm_size);
  for (const auto& e : run.env) run_text += "env=" + e + "\n";
  for (const auto& m : run.mounts) run_text += fmt::format("mount={}:{}:{}\n", m.source, m.target, m.read_only);
  for (const auto& p : run.ports) run_text += fmt::format("port={}:{}:{}\n", p.service, p.host_ip, p.container_port);
  for (const auto& uuid : run.gpu_uuids) run_text += "gpu=" + uuid + "\n";
  for (const auto& cap : run.cap_drop) run_text += "cap-drop=" + cap + "\n";
  run_text += fmt::format("pids={}\nmemory={}\nnano-cpus={}\nnetwork={}\n", run.pids_limit, run.memory, run.nano_cpus,
                          run.network.name);
  // Absent from the text when "no" (the engine's default), so containers made before the key
  // existed with that default are not re-created for it.
  if (run.restart_policy != "no" && !run.restart_policy.empty()) run_text += fmt::format("restart={}\n", run.restart_policy);
  if (run.all_gpus) run_text += "gpus=all\n";
  return sha256_hex(run_text).substr(0, 16);
}

}  // namespace

Result<EnvPlan> make_env_plan(const spec::ProjectSpec& project, const spec::EnvSpec& env,
                              const host::HostFacts& host, const PlanInputs& inputs) {
  EnvPlan plan;
  const std::string project_dir = project.dir.string();
  plan.env_key = env_key(project_dir, env.name);
  const auto& user = host.user;

  // --- build: system -> framework -> project (each only when it has something to install) -> user
  const spec::JupyterUi jupyter_ui = DLENV_TRY(choose_jupyter_ui(env, inputs));
  add_base_layers(plan.build, env, jupyter_ui, inputs);
  DLENV_TRY_VOID(add_project_and_user_layers(plan.build, env, user));
  const ImageUser& image_user = plan.build.layers.back().user;

  // --- run
  RunPlan& run = plan.run;
  run.container_name = container_name(user.uid, project_dir, env.name);
  run.image = plan.build.final_image();
  run.user = fmt::format("{}:{}", user.uid, user.gid);
  run.workdir = env.workdir;
  run.hostname = env.name;
  run.shm_size = env.shm_size;
  run.security_opt = {"no-new-privileges"};
  run.cap_drop = {"ALL"};
  run.pids_limit = env.pids_limit;
  run.memory = env.memory.value_or(0);
  run.nano_cpus = env.cpus ? static_cast<int64_t>(std::llround(*env.cpus * 1e9)) : 0;
  run.restart_policy = env.restart;
  run.network = user_network(user.uid);
  run.secrets_dir = (host.paths.secrets_dir() / run.container_name).string();
  run.home_dir = host.paths.home_of(run.container_name).string();
  if (env.jupyter) {
    run.jupyter_base_url = fmt::format("/dlenv/{}/", env.name);
    run.jupyter_ui_path = ui_path(jupyter_ui);
  }

  run.env = container_env(env, run, image_user, inputs);
  add_mounts_ports_and_labels(run, env, host, project_dir, image_user.home, inputs);
  plan.spec_hash = run_spec_hash(run);

  if (!run.gpu_uuids.empty()) {
    std::string joined_uuids;
    for (const auto& uuid : run.gpu_uuids) joined_uuids += (joined_uuids.empty() ? "" : ",") + uuid;
    run.labels[label::gpus] = joined_uuids;
  }
  run.labels[label::spec_hash] = plan.spec_hash;
  return plan;
}

}  // namespace dlenv::plan
