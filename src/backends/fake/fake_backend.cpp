#include "backends/fake/fake_backend.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "backend/recreate_guard.hpp"
#include "plan/env_plan.hpp"

namespace dlenv::fake {

using backend::EnvState;
using backend::EnvView;

Status FakeBackend::require_reachable() const {
  if (!reachable) return fail(ErrorCode::engine_unavailable, "the fake back-end is switched off", "set reachable = true");
  return {};
}

Result<EnvView*> FakeBackend::known(const backend::EnvRef& env) {
  DLENV_TRY_VOID(require_reachable());
  auto it = envs.find(env.container);
  if (it == envs.end()) return fail(ErrorCode::not_found, fmt::format("no environment {}", env.container), "");
  return &it->second;
}

Result<backend::GpuInventory> FakeBackend::gpu_inventory(const std::string& env) {
  DLENV_TRY_VOID(require_reachable());
  backend::GpuInventory inventory;
  for (const auto& [container, uuids] : gpus_) {
    if (container == env) {
      inventory.held = uuids;
      continue;
    }
    const bool running = envs.count(container) && envs.at(container).state == EnvState::running;
    for (const auto& uuid : uuids) {
      inventory.use_by_uuid[uuid].total++;
      if (running) inventory.use_by_uuid[uuid].running++;
    }
  }
  return inventory;
}

Result<std::optional<std::string>> FakeBackend::image_id(const std::string& ref) {
  DLENV_TRY_VOID(require_reachable());
  auto it = images.find(ref);
  if (it == images.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status FakeBackend::import_image(const std::filesystem::path&, const std::string& repo, const std::string& tag,
                                 const std::vector<std::string>&, const backend::LineSink& progress) {
  DLENV_TRY_VOID(require_reachable());
  images[repo + ":" + tag] = fmt::format("sha256:fake{}", next_id_++);
  progress("imported");
  return {};
}

int FakeBackend::lease_port(const std::string& container, const std::string& service) {
  auto& mine = ports_[container];
  if (auto it = mine.find(service); it != mine.end()) return it->second;
  std::set<int> taken;
  for (const auto& [_, services] : ports_)
    for (const auto& [__, port] : services) taken.insert(port);
  int port = host_.ports.first;
  while (taken.count(port)) ++port;
  return mine[service] = port;
}

Result<EnvView> FakeBackend::deploy(const backend::PreparedEnv& prepared, const backend::DeployOptions& options) {
  DLENV_TRY_VOID(require_reachable());
  if (fail_deploy) return fail(Error(*fail_deploy));
  deployed.push_back(prepared);
  const auto& run = prepared.plan.run;
  for (const auto& layer : prepared.plan.build.layers)
    if (!images.count(layer.tag)) images[layer.tag] = fmt::format("sha256:fake{}", next_id_++);
  auto& view = envs[run.container_name];
  const bool same = spec_hash_[run.container_name] == prepared.plan.spec_hash && !view.container_id.empty();
  if (!same && !view.container_id.empty() && view.state == EnvState::running)
    DLENV_TRY_VOID(backend::allow_recreate(prepared.env.name, {"the container's settings"}, options));
  if (!same) view.container_id = fmt::format("fake{}", next_id_++);
  spec_hash_[run.container_name] = prepared.plan.spec_hash;
  view.name = prepared.env.name;
  view.project = prepared.project.dir.string();
  view.state = EnvState::running;
  view.container = run.container_name;
  view.image = run.image;
  view.uid = host_.user.uid;
  view.gid = host_.user.gid;
  view.workdir = run.workdir;
  view.owned = true;
  view.ports.clear();
  for (const auto& p : run.ports) view.ports[p.service] = lease_port(run.container_name, p.service);
  gpus_[run.container_name] = run.gpu_uuids;
  return view;
}

Result<std::vector<EnvView>> FakeBackend::list(bool) {
  DLENV_TRY_VOID(require_reachable());
  std::vector<EnvView> out;
  for (const auto& [_, view] : envs) out.push_back(view);
  std::sort(out.begin(), out.end(), [](const EnvView& a, const EnvView& b) { return std::tie(a.project, a.name) < std::tie(b.project, b.name); });
  return out;
}

Result<std::optional<EnvView>> FakeBackend::find(const backend::EnvRef& env) {
  DLENV_TRY_VOID(require_reachable());
  auto it = envs.find(env.container);
  if (it == envs.end()) return std::optional<EnvView>();
  return std::optional<EnvView>(it->second);
}

Status FakeBackend::remove(const backend::EnvRef& env, std::string_view) {
  DLENV_TRY_VOID(require_reachable());
  envs.erase(env.container);
  ports_.erase(env.container);
  gpus_.erase(env.container);
  spec_hash_.erase(env.container);
  return {};
}

Result<int> FakeBackend::exec(const backend::EnvRef& env, const backend::Command& command) {
  auto* view = DLENV_TRY(known(env));
  if (view->state != EnvState::running) return fail(ErrorCode::conflict, fmt::format("{} is not running", env.container), "");
  executed.push_back(command.argv);
  return exec_exit_code;
}

Result<std::vector<backend::Endpoint>> FakeBackend::endpoints(const backend::EnvRef& env) {
  auto view = DLENV_TRY(find(env));
  std::vector<backend::Endpoint> out;
  if (!view) return out;
  for (const auto& [service, port] : view->ports) out.push_back({service, fmt::format("127.0.0.1:{}", port)});
  return out;
}

backend::BackendReport FakeBackend::report() {
  backend::BackendReport r;
  r.backend = "fake";
  r.endpoint = endpoint();
  r.reachable = reachable;
  if (!reachable) r.error = "switched off";
  return r;
}

}  // namespace dlenv::fake
