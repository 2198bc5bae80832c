// DockerBackend::deploy: build what is missing, put the host side in place (secrets, mount
// folders, the user's network), lease ports, create or reuse the container, start it, wait
// until its services answer.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "backend/ownership.hpp"
#include "backend/recreate_guard.hpp"
#include "backend/secrets.hpp"
#include "backend/ssh_keys.hpp"
#include "backends/docker/container_spec.hpp"
#include "backends/docker/container_view.hpp"
#include "backends/docker/docker_backend.hpp"
#include "backends/docker/gpu_placement.hpp"
#include "backends/docker/image_builder.hpp"
#include "backends/docker/isolation.hpp"
#include "backends/docker/port_checker.hpp"
#include "backends/docker/readiness.hpp"
#include "host/gpu_probe.hpp"
#include "plan/env_plan.hpp"
#include "util/files.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"

namespace dlenv::docker {
namespace {

constexpr int kStartAttempts = 6;

Status check_interrupt() {
  if (interrupted())
    return fail(ErrorCode::interrupted, "interrupted", "run 'dlenv up' again to finish; 'dlenv ls' shows what exists");
  return {};
}

// The ports the container recorded in its labels go back into the store when it lost them
// (a deleted database must not move an environment's ports).
Status adopt_ports_from_labels(store::Store& store, const std::string& key, const engine::ContainerInfo& c) {
  auto leased = DLENV_TRY(store.ports_of(key));
  for (const auto& [label, value] : c.labels) {
    if (!starts_with(label, plan::label::port_prefix)) continue;
    std::string service = label.substr(std::string_view(plan::label::port_prefix).size());
    bool known = std::any_of(leased.begin(), leased.end(), [&](const auto& l) { return l.service == service; });
    if (known) continue;
    if (auto port = port_of_label(value)) DLENV_TRY_VOID(store.adopt_port({*port, key, service}));
  }
  return {};
}

// Whether re-creating the container ends processes: running, paused or restarting.
bool has_live_processes(const engine::ContainerInfo& c) {
  return c.state == "running" || c.state == "paused" || c.state == "restarting";
}

}  // namespace

// One deploy of one prepared environment.
class Deployment {
 public:
  Deployment(DockerBackend& backend, const backend::PreparedEnv& prepared, const backend::DeployOptions& options)
      : b_(backend), engine_(backend.engine_), prepared_(prepared), env_(prepared.env), plan_(prepared.plan),
        name_(prepared.plan.run.container_name), options_(options) {}

  Result<backend::EnvView> run() {
    DLENV_TRY_VOID(place_gpus_for_env());
    DLENV_TRY_VOID(confirm_recreate_before_build());
    DLENV_TRY_VOID(ensure_images(engine_, b_.host_, b_.progress_, env_.name, plan_.build));
    DLENV_TRY_VOID(check_interrupt());
    auto image = DLENV_TRY(engine_.inspect_image(plan_.run.image));
    if (!image) return fail(ErrorCode::engine_api, fmt::format("image {} is missing after the build", plan_.run.image), "run 'dlenv up' again");
    image_id_ = image->id;
    DLENV_TRY_VOID(prepare_host_side());
    network_id_ = DLENV_TRY(prepare_isolation(engine_, b_.host_, b_.progress_, env_.name, plan_.run));
    store_ = DLENV_TRY(b_.store());
    DLENV_TRY_VOID(record_starting());
    // What this `up` leased for an environment it could not create goes back: a failed
    // first `up` leaves no ports held and no record behind.
    const bool had_container = !record_.container_id.empty();
    if (auto launched = launch(); !launched) {
      if (!had_container) forget_if_never_created();
      return fail(std::move(launched.error()));
    }
    return record_running();
  }

 private:
  // A live container made from another plan will be re-created: the user's word is asked
  // before a build that may take minutes (a rebuild under the same tag is caught after it).
  Status confirm_recreate_before_build() {
    auto existing = DLENV_TRY(engine_.inspect_container(name_));
    if (!existing || !has_live_processes(*existing)) return {};
    auto changes = container_differences(*existing, plan_, existing->image_id, {});
    if (changes.empty()) return {};
    DLENV_TRY_VOID(backend::allow_recreate(env_.name, changes, options_));
    recreate_agreed_ = true;
    return {};
  }

  Status place_gpus_for_env() {
    if (prepared_.gpus.empty()) return {};
    auto details = DLENV_TRY(engine_.details());
    placement_ = place_gpus(details, prepared_.facts, prepared_.gpus, prepared_.all_gpus,
                            host::probe_options(b_.settings_).root.string());
    const auto n = prepared_.gpus.size();
    b_.progress_.phase(env_.name, fmt::format("{} GPU{} through {}", n, n == 1 ? "" : "s", placement_.how));
    for (const auto& note : placement_.notes) b_.progress_.detail(env_.name, note);
    return {};
  }

  // Secrets and the directories the mounts need, owned by the user.
  Status prepare_host_side() {
    const auto& user = b_.host_.user;
    DLENV_TRY_VOID(make_dirs(plan_.run.secrets_dir, 0700, backend::owner_of(user)));
    if (env_.jupyter) token_ = DLENV_TRY(backend::ensure_jupyter_token(plan_.run.secrets_dir, user));
    if (env_.ssh) DLENV_TRY_VOID(backend::prepare_ssh_keys(user, env_, plan_.run.secrets_dir));
    for (const auto& m : plan_.run.mounts)
      if (m.create) DLENV_TRY_VOID(make_dirs(m.source, m.source == plan_.run.home_dir ? 0700 : 0755, backend::owner_of(user)));
    return {};
  }

  Status record_starting() {
    record_ = {plan_.env_key, prepared_.project.dir.string(), env_.name, name_, "", plan_.run.image, plan_.spec_hash, "starting", 0};
    if (auto existing = DLENV_TRY(engine_.inspect_container(name_))) {
      DLENV_TRY_VOID(adopt_ports_from_labels(*store_, plan_.env_key, *existing));
      record_.container_id = existing->id;
    }
    return store_->put_env(record_);
  }

  // Leases ports, makes the container when it is missing or stale, starts it, waits for it.
  Status launch() {
    const store::PortRange range{b_.host_.ports.first, b_.host_.ports.last};
    for (int attempt = 1;; ++attempt) {
      DLENV_TRY_VOID(check_interrupt());
      auto checker = DLENV_TRY(PortChecker::snapshot(engine_, name_));
      auto usable = [&](int port) { return checker.usable(port); };
      std::map<std::string, int> ports;
      for (const auto& p : plan_.run.ports) ports[p.service] = DLENV_TRY(store_->lease_port(plan_.env_key, p.service, range, usable));
      auto existing = DLENV_TRY(current_container(ports));
      record_.container_id = existing.id;
      if (!existing.running()) {
        b_.progress_.phase(env_.name, "starting");
        auto started = engine_.start_container(name_);
        if (!started) {
          if (started.error().code != ErrorCode::conflict || attempt >= kStartAttempts) return fail(std::move(started.error()));
          DLENV_TRY_VOID(move_off_held_ports(checker, ports, range, usable));
          continue;
        }
      }
      return wait_for_services(ReadinessProbes{b_.http_probe_, b_.ssh_probe_}, engine_, b_.progress_, env_, plan_.run, ports,
                               token_, options_.ready_timeout);
    }
  }

  // The container as this plan, image and ports want it: the existing one, or a new one.
  Result<engine::ContainerInfo> current_container(const std::map<std::string, int>& ports) {
    auto existing = DLENV_TRY(engine_.inspect_container(name_));
    const auto changes = existing ? container_differences(*existing, plan_, image_id_, ports) : std::vector<std::string>{};
    if (existing && !changes.empty()) {
      if (has_live_processes(*existing) && !recreate_agreed_) DLENV_TRY_VOID(backend::allow_recreate(env_.name, changes, options_));
      b_.progress_.phase(env_.name, "re-creating the container (its settings changed)");
      DLENV_TRY_VOID(engine_.remove_container(name_, true));
      existing.reset();
    }
    if (existing) return *existing;
    b_.progress_.phase(env_.name, "creating the container");
    auto created = engine_.create_container(container_spec(plan_.run, ports, placement_, network_id_));
    if (!created && created.error().code != ErrorCode::conflict) return fail(std::move(created.error()));
    // conflict: a concurrent `dlenv up` of the same environment created it first.
    existing = DLENV_TRY(engine_.inspect_container(name_));
    if (!existing) return fail(ErrorCode::engine_api, fmt::format("container {} vanished while starting", name_), "run 'dlenv up' again");
    return *existing;
  }

  // Someone outside dlenv holds a port: move off the ports that are visibly held (all of them
  // when none is, since the engine did not say which), then re-create.
  Status move_off_held_ports(const PortChecker& checker, const std::map<std::string, int>& ports, const store::PortRange& range,
                             const std::function<bool(int)>& usable) {
    auto held = [&](int port) { return checker.taken_by_others(port) || !can_bind_loopback(port); };
    bool any_held = std::any_of(ports.begin(), ports.end(), [&](const auto& kv) { return held(kv.second); });
    for (const auto& [service, port] : ports)
      if (!any_held || held(port)) DLENV_TRY(store_->replace_port(plan_.env_key, service, port, range, usable));
    return engine_.remove_container(name_, true);
  }

  // Drops the record and port leases of an environment whose container is not known to exist
  // (its first `up` failed before or at create, or the engine stopped answering). Labels are
  // the truth: a create the engine finished late shows up in `ls`, which adopts its ports
  // again. Best effort: the error being reported matters more.
  void forget_if_never_created() {
    auto info = engine_.inspect_container(name_);
    if (info && *info) return;
    (void)store_->remove_env(plan_.env_key);
  }

  Result<backend::EnvView> record_running() {
    auto info = DLENV_TRY(engine_.inspect_container(name_));
    if (!info) return fail(ErrorCode::engine_api, fmt::format("container {} vanished", name_), "run 'dlenv up' again");
    record_.state = info->running() ? "running" : "stopped";
    record_.container_id = info->id;
    DLENV_TRY_VOID(store_->put_env(record_));
    DLENV_TRY_VOID(store_->record_history(plan_.env_key, "up", info->id));
    return view_of_container(*info, b_.host_);
  }

  DockerBackend& b_;
  engine::Engine& engine_;
  const backend::PreparedEnv& prepared_;
  const spec::EnvSpec& env_;
  const plan::EnvPlan& plan_;
  const std::string& name_;
  const backend::DeployOptions& options_;
  GpuPlacement placement_;
  std::string image_id_, network_id_, token_;
  bool recreate_agreed_ = false;
  store::Store* store_ = nullptr;
  store::EnvRecord record_;
};

Result<backend::EnvView> DockerBackend::deploy(const backend::PreparedEnv& prepared, const backend::DeployOptions& options) {
  DLENV_TRY_VOID(check_interrupt());
  return Deployment(*this, prepared, options).run();
}

}  // namespace dlenv::docker
