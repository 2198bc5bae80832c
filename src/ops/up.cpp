#include "ops/up.hpp"

#include <functional>
#include <thread>

#include <fmt/format.h>

#include "ops/env_views.hpp"
#include "host/gpu_probe.hpp"
#include "ops/gpu_placement.hpp"
#include "ops/gpu_selection.hpp"
#include "ops/image_builder.hpp"
#include "ops/isolation.hpp"
#include "ops/plan_env.hpp"
#include "ops/locks.hpp"
#include "ops/mount_policy.hpp"
#include "ops/ls.hpp"
#include "ops/ssh_access.hpp"
#include "ops/ownership.hpp"
#include "ops/port_checker.hpp"
#include "ops/project_lookup.hpp"
#include "ops/secrets.hpp"
#include "plan/env_plan.hpp"
#include "util/file_lock.hpp"
#include "util/files.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

constexpr int kStartAttempts = 6;

Status check_interrupt() {
  if (interrupted())
    return fail(ErrorCode::interrupted, "interrupted", "run 'dlenv up' again to finish; 'dlenv ls' shows what exists");
  return {};
}

// `network_id`: the user's network (ensure_user_network), joined by id: after a race of
// creates its name may for a moment name two networks.
engine::ContainerSpec container_spec(const plan::RunPlan& run, const std::map<std::string, int>& ports,
                                     const GpuPlacement& gpus, const std::string& network_id) {
  engine::ContainerSpec spec;
  spec.name = run.container_name;
  spec.image = run.image;
  spec.user = run.user;
  spec.workdir = run.workdir;
  spec.hostname = run.hostname;
  spec.env = run.env;
  spec.labels = run.labels;
  for (const auto& [service, port] : ports) spec.labels[plan::label::port_prefix + service] = std::to_string(port);
  for (const auto& m : run.mounts) spec.mounts.push_back({m.source, m.target, m.read_only});
  for (const auto& p : run.ports) spec.ports.push_back({fmt::format("{}/tcp", p.container_port), p.host_ip, ports.at(p.service)});
  spec.shm_size = run.shm_size;
  spec.init = true;
  spec.security_opt = run.security_opt;
  spec.cap_drop = run.cap_drop;
  spec.pids_limit = run.pids_limit;
  spec.memory = run.memory;
  spec.nano_cpus = run.nano_cpus;
  spec.network = network_id;
  spec.gpus = gpus.assignment;
  spec.mounts.insert(spec.mounts.end(), gpus.mounts.begin(), gpus.mounts.end());
  return spec;
}

// True when the existing container was made from this plan, image and ports.
bool matches(const engine::ContainerInfo& c, const plan::EnvPlan& plan, const std::string& image_id,
             const std::map<std::string, int>& ports) {
  if (c.image_id != image_id) return false;
  auto hash = c.labels.find(plan::label::spec_hash);
  if (hash == c.labels.end() || hash->second != plan.spec_hash) return false;
  for (const auto& [service, port] : ports) {
    auto it = c.labels.find(plan::label::port_prefix + service);
    if (it == c.labels.end() || it->second != std::to_string(port)) return false;
  }
  return true;
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

// Drops the record and port leases of an environment whose container is not known to exist
// (its first `up` failed before or at create, or the engine stopped answering). Labels are
// the truth: a create the engine finished late shows up in `ls`, which adopts its ports
// again. Best effort: the error being reported matters more.
void forget_if_never_created(Context& ctx, store::Store& store, const std::string& key, const std::string& container) {
  auto info = ctx.engine().inspect_container(container);
  if (info && *info) return;
  (void)store.remove_env(key);
}

// Waits until `answers()` says the service (`what`, at `where`) is ready, or the container
// stops (its last log lines, with `secret` redacted, go into the error), or `timeout` passes.
Status wait_until_ready(Context& ctx, const std::string& env_name, const std::string& container, std::string_view what,
                        const std::string& where, const std::string& secret, const std::function<bool()>& answers,
                        std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ctx.progress().phase(env_name, fmt::format("waiting for {}", what));
  for (int attempt = 0;; ++attempt) {
    DLENV_TRY_VOID(check_interrupt());
    if (answers()) return {};
    if (attempt % 10 == 9) {
      auto info = DLENV_TRY(ctx.engine().inspect_container(container));
      if (!info || !info->running()) {
        std::string tail;
        (void)ctx.engine().logs(container, false, 20, [&](engine::StreamKind, std::string_view s) { tail += s; });
        for (auto pos = secret.empty() ? std::string::npos : tail.find(secret); pos != std::string::npos; pos = tail.find(secret))
          tail.replace(pos, secret.size(), "***");
        return fail(Error(ErrorCode::engine_api,
                          fmt::format("the container of '{}' stopped before {} answered (exit code {})", env_name, what,
                                      info ? info->exit_code : -1),
                          fmt::format("see 'dlenv logs {}'; its last lines were:\n{}", env_name, trim(tail))));
      }
    }
    if (std::chrono::steady_clock::now() > deadline)
      return fail(ErrorCode::io, fmt::format("{} in '{}' did not answer on {} within {} s", what, env_name, where, timeout.count()),
                  fmt::format("see 'dlenv logs {}'", env_name));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Jupyter answers /api/status with the token (200); sshd greets on its port.
Status wait_for_services(Context& ctx, const spec::EnvSpec& env, const plan::RunPlan& run, const std::map<std::string, int>& ports,
                         const std::string& token, std::chrono::seconds timeout) {
  if (env.jupyter) {
    const std::string url = fmt::format("http://127.0.0.1:{}{}api/status", ports.at("jupyter"), run.jupyter_base_url);
    auto answers = [&] {
      auto status = ctx.http_probe()(url, {"Authorization: token " + token});
      return status && *status == 200;
    };
    DLENV_TRY_VOID(wait_until_ready(ctx, env.name, run.container_name, "Jupyter", url, token, answers, timeout));
  }
  if (env.ssh) {
    const int port = ports.at("ssh");
    auto answers = [&] { return ctx.ssh_probe()(port); };
    DLENV_TRY_VOID(wait_until_ready(ctx, env.name, run.container_name, "sshd", fmt::format("127.0.0.1:{}", port), "",
                                    answers, timeout));
  }
  return {};
}

Result<EnvView> up_one(Context& ctx, const spec::ProjectSpec& project, const spec::EnvSpec& as_written, const UpOptions& options) {
  DLENV_TRY_VOID(check_interrupt());
  // Sensitive mounts need the user's word before anything is built; the engine then gets the
  // real paths that were checked.
  DLENV_TRY_VOID(check_mounts(ctx, project, as_written, engine::resolve_endpoint().unix_socket, options.trust));
  const spec::EnvSpec env = DLENV_TRY(with_real_mount_sources(ctx, as_written));
  const auto& host = ctx.host();
  auto& engine = ctx.engine();

  // GPUs, then the framework build for them, then the base image that build runs on.
  auto facts = DLENV_TRY(gpu_facts_for({}));
  std::optional<FileLock> gpu_lock;  // N free GPUs: choose and create under one lock
  if (env.gpus.kind == spec::GpuRequest::Kind::count) gpu_lock.emplace(DLENV_TRY(lock_named(ctx, "gpu-selection")));
  const auto name_of_container = plan::container_name(host.user.uid, project.dir.string(), env.name);
  auto containers = DLENV_TRY(engine.list_containers({{plan::label::managed, "1"}}));
  auto choice = DLENV_TRY(select_gpus(env.gpus, facts, gpu_use_of(containers, name_of_container)));
  auto resolution = DLENV_TRY(resolve_env(env, facts, choice.gpus));
  if (!resolution.ok) {
    std::string hint;
    for (const auto& alternative : resolution.alternatives) hint += fmt::format("{}: {}\n", alternative.description, alternative.change);
    hint += fmt::format("'dlenv plan {}' shows every rule that decided", env.name);
    return fail(Error(ErrorCode::incompatible,
                      fmt::format("env '{}' cannot run on this host: {}", env.name, resolution.failed_constraint), hint)
                    .at(env.framework_where.value_or(env.where)));
  }
  const std::string base_ref = resolution.base_image;
  auto base = DLENV_TRY(engine.inspect_image(base_ref));
  if (!base && !starts_with(base_ref, "dlenv/")) {
    ctx.progress().phase(env.name, fmt::format("pulling {}", base_ref));
    auto pulled = engine.pull_image(base_ref, [&](std::string_view line) { ctx.progress().detail(env.name, line); });
    if (!pulled)
      return fail(Error(ErrorCode::not_found, fmt::format("base image '{}' of env '{}' could not be pulled", base_ref, env.name),
                        fmt::format("{}\nload it with 'docker load', or choose another base in {}", pulled.error().message,
                                    project.file.string()))
                      .at(env.where));
    base = DLENV_TRY(engine.inspect_image(base_ref));
  }
  if (!base) {
    std::string hint = starts_with(base_ref, "dlenv/debian:")
                           ? fmt::format("create it offline with 'dlenv base bootstrap debian:{}'", base_ref.substr(13))
                           : fmt::format("choose another base in {}", project.file.string());
    return fail(Error(ErrorCode::not_found, fmt::format("base image '{}' of env '{}' is not present", base_ref, env.name), hint)
                    .at(env.where));
  }
  plan::PlanInputs inputs;
  inputs.base_image = base_ref;
  inputs.base_image_id = base->id;
  inputs.resolution = env.framework ? &resolution : nullptr;
  inputs.gpus = choice.gpus;
  inputs.all_gpus = choice.all;
  auto plan = DLENV_TRY(plan::make_env_plan(project, env, host, inputs));
  GpuPlacement placement;
  if (!choice.gpus.empty()) {
    auto details = DLENV_TRY(engine.details());
    placement = place_gpus(details, facts, choice.gpus, choice.all, host::probe_options_from_env().root.string());
    ctx.progress().phase(env.name, fmt::format("{} GPU{} through {}", choice.gpus.size(), choice.gpus.size() == 1 ? "" : "s", placement.how));
    for (const auto& note : placement.notes) ctx.progress().detail(env.name, note);
  }
  // One `up` of this environment at a time: a second waits and then finds it running.
  auto env_lock = DLENV_TRY(lock_named(ctx, plan.run.container_name));
  DLENV_TRY_VOID(ensure_images(ctx, env.name, plan.build));
  DLENV_TRY_VOID(check_interrupt());
  auto image = DLENV_TRY(engine.inspect_image(plan.run.image));
  if (!image) return fail(ErrorCode::engine_api, fmt::format("image {} is missing after the build", plan.run.image), "run 'dlenv up' again");

  // Host side: secrets and the directories the mounts need, owned by the user.
  std::string token;
  DLENV_TRY_VOID(make_dirs(plan.run.secrets_dir, 0700, owner_of(host.user)));
  if (env.jupyter) token = DLENV_TRY(ensure_jupyter_token(plan.run.secrets_dir, host.user));
  if (env.ssh) DLENV_TRY_VOID(prepare_ssh(ctx, env, plan.run.secrets_dir));
  for (const auto& m : plan.run.mounts)
    if (m.create) DLENV_TRY_VOID(make_dirs(m.source, 0755, owner_of(host.user)));

  const std::string network_id = DLENV_TRY(prepare_isolation(ctx, env.name, plan.run));
  auto* store = DLENV_TRY(ctx.store());
  const auto& name = plan.run.container_name;
  store::EnvRecord record{plan.env_key, project.dir.string(), env.name, name, "", plan.run.image, plan.spec_hash, "starting", 0};
  if (auto existing = DLENV_TRY(engine.inspect_container(name))) {
    DLENV_TRY_VOID(adopt_ports_from_labels(*store, plan.env_key, *existing));
    record.container_id = existing->id;
  }
  DLENV_TRY_VOID(store->put_env(record));

  // What this `up` leased for an environment it could not create goes back: a failed
  // first `up` leaves no ports held and no record behind.
  const bool had_container = !record.container_id.empty();
  auto launched = [&]() -> Status {
    const store::PortRange range{host.ports.first, host.ports.last};
    for (int attempt = 1;; ++attempt) {
      DLENV_TRY_VOID(check_interrupt());
      auto checker = DLENV_TRY(PortChecker::snapshot(engine, name));
      auto usable = [&](int port) { return checker.usable(port); };
      std::map<std::string, int> ports;
      for (const auto& p : plan.run.ports) ports[p.service] = DLENV_TRY(store->lease_port(plan.env_key, p.service, range, usable));

      auto existing = DLENV_TRY(engine.inspect_container(name));
      if (existing && !matches(*existing, plan, image->id, ports)) {
        ctx.progress().phase(env.name, "re-creating the container (its settings changed)");
        DLENV_TRY_VOID(engine.remove_container(name, true));
        existing.reset();
      }
      if (!existing) {
        ctx.progress().phase(env.name, "creating the container");
        auto created = engine.create_container(container_spec(plan.run, ports, placement, network_id));
        if (!created && created.error().code != ErrorCode::conflict) return fail(std::move(created.error()));
        // conflict: a concurrent `dlenv up` of the same environment created it first.
        existing = DLENV_TRY(engine.inspect_container(name));
        if (!existing) return fail(ErrorCode::engine_api, fmt::format("container {} vanished while starting", name), "run 'dlenv up' again");
      }
      record.container_id = existing->id;
      if (!existing->running()) {
        ctx.progress().phase(env.name, "starting");
        auto started = engine.start_container(name);
        if (!started) {
          if (started.error().code != ErrorCode::conflict || attempt >= kStartAttempts) return fail(std::move(started.error()));
          // Someone outside dlenv holds a port: move off the ports that are visibly held (all of
          // them when none is, since the engine did not say which), then re-create.
          auto held = [&](int port) { return checker.taken_by_others(port) || !can_bind_loopback(port); };
          bool any_held = std::any_of(ports.begin(), ports.end(), [&](const auto& kv) { return held(kv.second); });
          for (const auto& [service, port] : ports)
            if (!any_held || held(port)) DLENV_TRY(store->replace_port(plan.env_key, service, port, range, usable));
          DLENV_TRY_VOID(engine.remove_container(name, true));
          continue;
        }
      }
      DLENV_TRY_VOID(wait_for_services(ctx, env, plan.run, ports, token, options.ready_timeout));
      return {};
    }
  }();
  if (!launched) {
    if (!had_container) forget_if_never_created(ctx, *store, plan.env_key, name);
    return fail(std::move(launched.error()));
  }

  auto info = DLENV_TRY(engine.inspect_container(name));
  if (!info) return fail(ErrorCode::engine_api, fmt::format("container {} vanished", name), "run 'dlenv up' again");
  record.state = info->running() ? "running" : "stopped";
  record.container_id = info->id;
  DLENV_TRY_VOID(store->put_env(record));
  DLENV_TRY_VOID(store->record_history(plan.env_key, "up", info->id));
  return view_of_container(*info, host);
}

}  // namespace

Result<std::vector<EnvView>> up(Context& ctx, const UpOptions& options) {
  auto project = DLENV_TRY(load_project_at(options.project));
  auto envs = DLENV_TRY(select_envs(project, options.envs));
  DLENV_TRY(ctx.engine().ping());
  std::vector<EnvView> views;
  for (const auto* env : envs) {
    auto view = up_one(ctx, project, *env, options);
    if (!view) return fail(std::move(view.error()).while_(fmt::format("while bringing up '{}'", env->name)));
    views.push_back(std::move(*view));
  }
  // Editors reach the environments through ~/.ssh/dlenv/config: bring it up to date.
  if (std::any_of(envs.begin(), envs.end(), [](const spec::EnvSpec* e) { return e->ssh; })) {
    auto all = DLENV_TRY(ls(ctx, {}));
    DLENV_TRY(write_ssh_client_config(ctx, all));
  }
  return views;
}

}  // namespace dlenv::ops
