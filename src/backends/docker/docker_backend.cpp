#include "backends/docker/docker_backend.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "backend/ownership.hpp"
#include "backend/secrets.hpp"
#include "backends/docker/container_view.hpp"
#include "backends/docker/docker_checks.hpp"
#include "backends/docker/port_checker.hpp"
#include "engine/http_probe.hpp"
#include "host/gpu_facts_json.hpp"
#include "plan/env_plan.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::docker {
namespace {

using backend::EnvState;
using backend::EnvView;

engine::Endpoint endpoint_of(const spec::Settings& settings) {
  const auto* engine = settings.find("engine");
  auto endpoint = engine::resolve_endpoint(engine ? engine->text : "", engine ? engine->where : "");
  endpoint.timeout_scale = engine::parse_timeout_scale(settings.get("engine_timeout_scale").value_or(""));
  return endpoint;
}

}  // namespace

DockerBackend::DockerBackend(std::unique_ptr<engine::Engine> engine, host::HostFacts host, spec::Settings settings,
                             backend::Progress& progress)
    : DockerBackend(*engine, std::move(host), std::move(settings), progress) {
  owned_engine_ = std::move(engine);
}

DockerBackend::DockerBackend(engine::Engine& engine, host::HostFacts host, spec::Settings settings, backend::Progress& progress)
    : engine_(engine), host_(std::move(host)), settings_(std::move(settings)), progress_(progress) {
  http_probe_ = [](const std::string& url, const std::vector<std::string>& headers) {
    return engine::http_get_status(url, headers, std::chrono::milliseconds(2000));
  };
  ssh_probe_ = [](int port) { return ssh_greets(port, std::chrono::milliseconds(1000)); };
}

Result<store::Store*> DockerBackend::store() {
  if (!store_) {
    DLENV_TRY_VOID(make_dirs(host_.paths.data_dir, 0700, backend::owner_of(host_.user)));
    auto opened = store::Store::open(host_.paths.state_db());
    if (!opened) return fail(std::move(opened.error()));
    store_ = std::move(*opened);
    backend::chown_to_user(host_.paths.state_db(), host_.user);
    if (const auto& aside = store_->moved_aside()) {
      progress_.notice(fmt::format(
          "the state database {} was damaged: moved it aside to {} and started a new one (it is only a cache; "
          "environments are rebuilt from their containers' labels)",
          host_.paths.state_db().string(), aside->string()));
    }
  }
  return store_.get();
}

std::string DockerBackend::endpoint() const { return endpoint_of(settings_).describe(); }

Status DockerBackend::check_reachable() {
  DLENV_TRY(engine_.ping());
  return {};
}

std::vector<std::filesystem::path> DockerBackend::control_paths() {
  auto socket = endpoint_of(settings_).unix_socket;
  if (socket.empty()) return {};
  return {socket};
}

// Probed once per process: nvidia-smi may take seconds, and the GPUs do not change meanwhile.
Result<host::GpuFacts> DockerBackend::gpu_facts() {
  if (!gpu_facts_) gpu_facts_ = host::gpu_facts_for_host(settings_);
  return *gpu_facts_;
}

Result<backend::GpuInventory> DockerBackend::gpu_inventory(const std::string& env) {
  auto containers = DLENV_TRY(engine_.list_containers({{plan::label::managed, "1"}}));
  backend::GpuInventory inventory;
  inventory.use_by_uuid = gpu_use_of(containers, env);
  for (const auto& c : containers) {
    if (c.name != env) continue;
    for (const auto& uuid : split(label_or(c.labels, plan::label::gpus), ','))
      if (!uuid.empty()) inventory.held.push_back(uuid);
  }
  return inventory;
}

Result<std::optional<std::string>> DockerBackend::image_id(const std::string& ref) {
  auto image = DLENV_TRY(engine_.inspect_image(ref));
  if (!image) return std::optional<std::string>();
  return std::optional<std::string>(image->id);
}

Status DockerBackend::fetch_image(const std::string& ref, const backend::LineSink& progress) {
  return engine_.pull_image(ref, progress);
}

Status DockerBackend::import_image(const std::filesystem::path& tarball, const std::string& repo, const std::string& tag,
                                   const std::vector<std::string>& changes, const backend::LineSink& progress) {
  return engine_.import_image(tarball, repo, tag, changes, progress);
}

// Labels are the truth: the store is brought in line with the containers (a deleted or
// stale database is rebuilt here), and records without a container are an `up` that has not
// made it yet (shown as incomplete) or were removed behind dlenv's back (forgotten).
Result<std::vector<EnvView>> DockerBackend::list(bool all_users) {
  const auto uid = std::to_string(host_.user.uid);
  engine::Labels filter = {{plan::label::managed, "1"}};
  if (!all_users) filter[plan::label::owner] = uid;
  auto containers = DLENV_TRY(engine_.list_containers(filter));
  auto* store = DLENV_TRY(this->store());
  std::set<std::tuple<int, std::string, std::string>> leased;
  for (const auto& l : DLENV_TRY(store->all_ports())) leased.insert({l.port, l.env_key, l.service});

  std::vector<EnvView> views;
  std::set<std::string> live_keys;
  for (const auto& c : containers) {
    auto view = view_of_container(c, host_);
    if (view.owned) {
      auto key = plan::env_key(view.project, view.name);
      live_keys.insert(key);
      auto previous = DLENV_TRY(store->get_env(key));
      store::EnvRecord record{key, view.project, view.name, c.name, c.id, c.image, label_or(c.labels, plan::label::spec_hash),
                              std::string(backend::to_string(view.state)), 0};
      if (!previous || previous->state != record.state || previous->container_id != record.container_id)
        DLENV_TRY_VOID(store->put_env(record));
      for (const auto& [service, port] : view.ports)
        if (!leased.count({port, key, service})) DLENV_TRY_VOID(store->adopt_port({port, key, service}));
    }
    views.push_back(std::move(view));
  }
  for (const auto& record : DLENV_TRY(store->list_envs())) {
    if (live_keys.count(record.key)) continue;
    if (record.state != "starting") {
      DLENV_TRY_VOID(store->remove_env(record.key));
      continue;
    }
    EnvView v;
    v.name = record.name;
    v.project = record.project;
    v.state = EnvState::incomplete;
    v.container = record.container_name;
    v.image = record.image;
    v.uid = host_.user.uid;
    v.gid = host_.user.gid;
    for (const auto& lease : DLENV_TRY(store->ports_of(record.key))) v.ports[lease.service] = lease.port;
    views.push_back(std::move(v));
  }
  std::sort(views.begin(), views.end(), [](const EnvView& a, const EnvView& b) {
    return std::tie(a.project, a.name) < std::tie(b.project, b.name);
  });
  return views;
}

Result<std::optional<EnvView>> DockerBackend::find(const backend::EnvRef& env) {
  auto info = DLENV_TRY(engine_.inspect_container(env.container));
  if (!info) return std::optional<EnvView>();
  return std::optional<EnvView>(view_of_container(*info, host_));
}

Status DockerBackend::stop(const backend::EnvRef& env) {
  DLENV_TRY_VOID(engine_.stop_container(env.container, 10));
  auto* store = DLENV_TRY(this->store());
  if (auto record = DLENV_TRY(store->get_env(env.env_key))) {
    record->state = "stopped";
    DLENV_TRY_VOID(store->put_env(*record));
  }
  return store->record_history(env.env_key, "down", env.container);
}

Status DockerBackend::remove(const backend::EnvRef& env, std::string_view why) {
  DLENV_TRY_VOID(engine_.remove_container(env.container, true));
  auto* store = DLENV_TRY(this->store());
  DLENV_TRY_VOID(store->remove_env(env.env_key));
  return store->record_history(env.env_key, std::string(why), env.container);
}

Status DockerBackend::logs(const backend::EnvRef& env, bool follow, const backend::OutputSink& sink) {
  return engine_.logs(env.container, follow, std::nullopt, [&](engine::StreamKind kind, std::string_view text) {
    sink(kind == engine::StreamKind::out ? backend::Stream::out : backend::Stream::err, text);
  });
}

Result<int> DockerBackend::exec(const backend::EnvRef& env, const backend::Command& command) {
  auto info = DLENV_TRY(engine_.inspect_container(env.container));
  if (!info)
    return fail(ErrorCode::not_found, fmt::format("environment '{}' has no container", env.name),
                fmt::format("'dlenv up {}' creates it", env.name));
  engine::ExecRequest request;
  request.cmd = command.argv;
  request.user = label_or(info->labels, plan::label::user);
  request.workdir = label_or(info->labels, plan::label::workdir);
  request.tty = command.tty;
  return engine_.exec_attached(env.container, request);
}

Result<std::vector<backend::Endpoint>> DockerBackend::endpoints(const backend::EnvRef& env) {
  auto view = DLENV_TRY(find(env));
  std::vector<backend::Endpoint> out;
  if (!view) return out;
  for (const auto& [service, port] : view->ports) {
    if (service == "jupyter" && !view->jupyter_url.empty()) out.push_back({service, view->jupyter_url});
    else out.push_back({service, fmt::format("127.0.0.1:{}", port)});
  }
  return out;
}

std::vector<backend::Check> DockerBackend::diagnose(bool probe_gpus) {
  return engine_checks(engine_, gpu_facts(), settings_, probe_gpus);
}

backend::BackendReport DockerBackend::report() {
  backend::BackendReport report;
  report.backend = "docker";
  report.endpoint = endpoint();
  auto info = engine_.ping();
  if (!info) {
    report.error = info.error().message;
    return report;
  }
  report.reachable = true;
  report.version = info->version;
  report.api_version = info->api_version;
  report.podman = info->podman;
  if (auto details = engine_.details()) {
    report.described = true;
    report.runtimes = details->runtimes;
    report.default_runtime = details->default_runtime;
    report.nvidia_runtime = std::find(details->runtimes.begin(), details->runtimes.end(), "nvidia") != details->runtimes.end();
    report.cdi_spec_dirs = details->cdi_spec_dirs;
    report.runc_version = details->runc_version;
  }
  return report;
}

std::unique_ptr<backend::Backend> make_docker_backend(const host::HostFacts& host, const spec::Settings& settings,
                                                      backend::Progress& progress) {
  return std::make_unique<DockerBackend>(engine::make_docker_engine(endpoint_of(settings)), host, settings, progress);
}

}  // namespace dlenv::docker
