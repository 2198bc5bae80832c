#include "engine/fake_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <deque>

#include "util/digest.hpp"
#include "util/text.hpp"

namespace dlenv::engine {
namespace {

constexpr int64_t kDefaultShmSize = 64 * 1024 * 1024;  // what Docker reports when none is asked
constexpr size_t kBuildErrorTailLines = 20;

// "busybox" → "busybox:latest"; references with a tag or digest are kept.
std::string normalized_ref(const std::string& ref) {
  if (ref.find('@') != std::string::npos) return ref;
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) return ref;
  return ref + ":latest";
}

// Networks every engine has; a container names them without creating them.
bool builtin_network(const std::string& name) {
  return name.empty() || name == "default" || name == "bridge" || name == "host" || name == "none" ||
         starts_with(name, "container:");
}

std::string normalized_port(const std::string& container_port) {
  return container_port.find('/') == std::string::npos ? container_port + "/tcp" : container_port;
}

bool has_labels(const Labels& have, const Labels& wanted) {
  for (const auto& [key, value] : wanted) {
    const auto it = have.find(key);
    if (it == have.end() || (!value.empty() && it->second != value)) return false;
  }
  return true;
}

bool same_host_address(const std::string& a, const std::string& b) {
  auto wildcard = [](const std::string& ip) { return ip.empty() || ip == "0.0.0.0" || ip == "::"; };
  return wildcard(a) || wildcard(b) || a == b;
}

// Dockerfile instructions, continuation lines joined, comments and blank lines dropped.
std::vector<std::string> dockerfile_instructions(const std::string& text) {
  std::vector<std::string> out;
  std::string pending;
  for (const auto& raw_line : split(text, '\n')) {
    std::string line = trim(raw_line);
    if (pending.empty() && (line.empty() || line.front() == '#')) continue;
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      pending += line + " ";
      continue;
    }
    pending += line;
    if (!trim(pending).empty()) out.push_back(trim(pending));
    pending.clear();
  }
  if (!trim(pending).empty()) out.push_back(trim(pending));
  return out;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  for (auto& word : split(text, ' ')) {
    if (!word.empty()) out.push_back(std::move(word));
  }
  return out;
}

bool context_has(const std::vector<BuildFile>& files, const std::string& source) {
  std::string path = source;
  while (starts_with(path, "./")) path.erase(0, 2);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.empty() || path == ".") return true;
  return std::any_of(files.begin(), files.end(), [&](const BuildFile& file) {
    return file.path == path || starts_with(file.path, path + "/");
  });
}

}  // namespace

// ---- knobs and observations ----------------------------------------------------------------

void FakeEngine::set_exec_result(const std::vector<std::string>& cmd, FakeExecResult result) {
  exec_results_[cmd] = std::move(result);
}

void FakeEngine::set_logs(const std::string& name_or_id, std::string out, std::string err) {
  logs_[name_or_id] = {std::move(out), std::move(err)};
}

std::string FakeEngine::add_image(const std::string& ref, const Labels& labels) { return store_image(ref, labels); }

size_t FakeEngine::count_calls(std::string_view method) const {
  return static_cast<size_t>(
      std::count_if(calls.begin(), calls.end(), [&](const FakeCall& call) { return call.method == method; }));
}

std::optional<ContainerSpec> FakeEngine::spec_of(const std::string& name_or_id) const {
  auto* container = const_cast<FakeEngine*>(this)->find_container(name_or_id);
  if (!container) return std::nullopt;
  return container->spec;
}

// ---- internals -----------------------------------------------------------------------------

Status FakeEngine::enter(std::string method, std::vector<std::string> args) {
  calls.push_back(FakeCall{method, std::move(args)});
  if (!available) {
    return fail(Error(ErrorCode::engine_unavailable,
                      "cannot reach the container engine at fake://engine: connection refused",
                      "start the fake engine (FakeEngine::available = true)")
                    .retry());
  }
  if (const auto it = failures.find(method); it != failures.end()) return fail(it->second);
  if (const auto it = before.find(method); it != before.end()) {
    auto hook = std::move(it->second);
    before.erase(it);
    if (hook) hook();
  }
  return {};
}

std::string FakeEngine::next_id(std::string_view kind) {
  return sha256_hex(fmt::format("fake-{}-{}", kind, ++id_counter_));
}

ImageInfo* FakeEngine::find_image(const std::string& ref) {
  const std::string wanted = normalized_ref(ref);
  for (auto& [id, image] : images_) {
    if (id == ref || id == "sha256:" + ref || (ref.size() >= 12 && starts_with(id, "sha256:" + ref))) return &image;
    if (std::find(image.tags.begin(), image.tags.end(), wanted) != image.tags.end()) return &image;
  }
  return nullptr;
}

FakeEngine::FakeContainer* FakeEngine::find_container(const std::string& id_or_name) {
  if (id_or_name.empty()) return nullptr;
  for (auto& container : containers_) {
    if (container.id == id_or_name || container.spec.name == id_or_name) return &container;
  }
  FakeContainer* by_prefix = nullptr;
  for (auto& container : containers_) {
    if (starts_with(container.id, id_or_name)) {
      if (by_prefix) return nullptr;  // ambiguous
      by_prefix = &container;
    }
  }
  return by_prefix;
}

const NetworkInfo* FakeEngine::find_network(const std::string& id_or_name) const {
  if (id_or_name.empty()) return nullptr;
  for (const auto& network : networks_)
    if (network.id == id_or_name || network.name == id_or_name) return &network;
  for (const auto& network : networks_)
    if (starts_with(network.id, id_or_name)) return &network;
  return nullptr;
}

std::string FakeEngine::store_image(const std::string& ref, Labels labels) {
  const std::string tag = normalized_ref(ref);
  for (auto& [id, image] : images_) {  // the tag moves to the new image
    std::erase(image.tags, tag);
  }
  ImageInfo image;
  image.id = "sha256:" + next_id("image");
  image.tags = {tag};
  image.labels = std::move(labels);
  image.size = 1024 * 1024;
  images_[image.id] = image;
  return image.id;
}

ContainerInfo FakeEngine::info_of(const FakeContainer& container) const {
  ContainerInfo info;
  info.id = container.id;
  info.name = container.spec.name;
  info.image = container.spec.image;
  info.image_id = container.image_id;
  info.state = container.state;
  info.labels = container.spec.labels;
  if (container.state == "running") {
    info.ports = container.live_ports;
  } else {
    for (const auto& port : container.spec.ports) {
      PortBinding requested = port;
      requested.container_port = normalized_port(port.container_port);
      info.ports.push_back(std::move(requested));
    }
  }
  info.exit_code = container.exit_code;
  info.user = container.spec.user;
  info.env = container.spec.env;
  info.cmd = container.spec.cmd;
  info.shm_size = container.spec.shm_size > 0 ? container.spec.shm_size : kDefaultShmSize;
  info.security_opt = container.spec.security_opt;
  info.cap_drop = container.spec.cap_drop;
  info.pids_limit = container.spec.pids_limit > 0 ? container.spec.pids_limit : 0;
  info.memory = container.spec.memory;
  info.nano_cpus = container.spec.nano_cpus;
  info.restart_policy = container.spec.restart_policy.empty() ? "no" : container.spec.restart_policy;
  info.network_mode = container.spec.network.empty() ? "default" : container.spec.network;
  if (const NetworkInfo* network = find_network(container.spec.network)) {
    info.networks = {network->name};
  } else if (container.spec.network != "none" && !starts_with(container.spec.network, "container:")) {
    info.networks = {container.spec.network.empty() || container.spec.network == "default" ? "bridge" : container.spec.network};
  }
  return info;
}

const FakeExecResult& FakeEngine::exec_result_for(const std::vector<std::string>& cmd) const {
  const auto it = exec_results_.find(cmd);
  return it == exec_results_.end() ? default_exec_result : it->second;
}

// ---- Engine ----------------------------------------------------------------------------------

Result<EngineInfo> FakeEngine::ping() {
  DLENV_TRY_VOID(enter("ping", {}));
  return EngineInfo{"fake://engine", "0.0.0-fake", "1.41", "linux", false};
}

Result<EngineDetails> FakeEngine::details() {
  DLENV_TRY_VOID(enter("details", {}));
  return engine_details;
}

Result<std::optional<ImageInfo>> FakeEngine::inspect_image(const std::string& ref) {
  DLENV_TRY_VOID(enter("inspect_image", {ref}));
  const ImageInfo* image = find_image(ref);
  if (!image) return std::optional<ImageInfo>{};
  return std::optional<ImageInfo>{*image};
}

Result<std::vector<ImageInfo>> FakeEngine::list_images(const Labels& labels) {
  DLENV_TRY_VOID(enter("list_images", {}));
  std::vector<ImageInfo> out;
  for (const auto& [id, image] : images_) {
    if (has_labels(image.labels, labels)) out.push_back(image);
  }
  return out;
}

Status FakeEngine::build_image(const BuildRequest& request, const ProgressFn& progress) {
  DLENV_TRY_VOID(enter("build_image", {request.tag}));
  builds.push_back(request);

  std::deque<std::string> tail;
  auto emit = [&](const std::string& line) {
    tail.push_back(line);
    if (tail.size() > kBuildErrorTailLines) tail.pop_front();
    if (progress) progress(line);
  };
  auto build_failure = [&](const std::string& message) {
    std::string text = message;
    if (!tail.empty()) {
      text += fmt::format("\nlast {} lines of output:", tail.size());
      for (const auto& line : tail) text += "\n  " + line;
    }
    return fail(ErrorCode::engine_api, text);
  };

  const auto dockerfile = std::find_if(request.files.begin(), request.files.end(),
                                       [&](const BuildFile& file) { return file.path == request.dockerfile; });
  if (dockerfile == request.files.end()) {
    return fail(ErrorCode::internal, fmt::format("the build context has no '{}'", request.dockerfile));
  }

  Labels labels;
  const auto instructions = dockerfile_instructions(dockerfile->content);
  for (size_t step = 0; step < instructions.size(); ++step) {
    const std::string& instruction = instructions[step];
    emit(fmt::format("Step {}/{} : {}", step + 1, instructions.size(), instruction));
    const auto words = words_of(instruction);
    const std::string keyword = upper(words.front());
    if (keyword == "FROM" && words.size() >= 2) {
      if (words[1] != "scratch") {
        const ImageInfo* base = find_image(words[1]);
        if (!base) {
          return build_failure(fmt::format(
              "pull access denied for {}, repository does not exist or may require 'docker login'", words[1]));
        }
        labels = base->labels;
      }
    } else if ((keyword == "COPY" || keyword == "ADD") && words.size() >= 3) {
      const bool from_stage = std::any_of(words.begin(), words.end(),
                                          [](const std::string& word) { return starts_with(word, "--from"); });
      for (size_t i = 1; !from_stage && i + 1 < words.size(); ++i) {
        if (starts_with(words[i], "--")) continue;
        if (!context_has(request.files, words[i])) {
          return build_failure(fmt::format(
              "{} failed: file not found in build context or excluded by .dockerignore: stat {}: file does not exist",
              keyword, words[i]));
        }
      }
    }
  }
  if (build_error) return build_failure(*build_error);

  for (const auto& [key, value] : request.labels) labels[key] = value;
  const std::string id = store_image(request.tag, std::move(labels));
  emit(fmt::format("Successfully built {}", id.substr(7, 12)));
  emit(fmt::format("Successfully tagged {}", normalized_ref(request.tag)));
  return {};
}

Status FakeEngine::import_image(const std::filesystem::path& tarball, const std::string& repo,
                                const std::string& tag, const std::vector<std::string>& changes,
                                const ProgressFn& progress) {
  std::vector<std::string> args = {tarball.string(), repo, tag};
  args.insert(args.end(), changes.begin(), changes.end());
  DLENV_TRY_VOID(enter("import_image", std::move(args)));
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(tarball, ignored)) {
    return fail(ErrorCode::not_found, fmt::format("no such root filesystem tarball: {}", tarball.string()));
  }
  const std::string id = store_image(repo + ":" + (tag.empty() ? "latest" : tag), {});
  if (progress) progress(id);
  return {};
}

Status FakeEngine::pull_image(const std::string& ref, const ProgressFn& progress) {
  DLENV_TRY_VOID(enter("pull_image", {ref}));
  if (!pullable.count(ref))
    return fail(ErrorCode::engine_api, fmt::format("pull access denied for {}, repository does not exist or may require 'docker login'", ref));
  if (progress) progress(fmt::format("Pulled {}", ref));
  add_image(ref);
  return {};
}

Status FakeEngine::remove_image(const std::string& ref) {
  DLENV_TRY_VOID(enter("remove_image", {ref}));
  ImageInfo* image = find_image(ref);
  if (!image) return fail(ErrorCode::not_found, fmt::format("No such image: {}", ref));
  const std::string tag = normalized_ref(ref);
  const bool by_tag = std::find(image->tags.begin(), image->tags.end(), tag) != image->tags.end();
  if (by_tag && image->tags.size() > 1) {
    std::erase(image->tags, tag);  // untag only
    return {};
  }
  for (const auto& container : containers_) {
    if (container.image_id == image->id) {
      return fail(ErrorCode::conflict,
                  fmt::format("conflict: unable to remove repository reference \"{}\" (must force) - container {} "
                              "is using its referenced image {}",
                              ref, container.id.substr(0, 12), image->id.substr(7, 12)));
    }
  }
  images_.erase(image->id);
  return {};
}

Result<std::string> FakeEngine::create_container(const ContainerSpec& spec) {
  DLENV_TRY_VOID(enter("create_container", {spec.name, spec.image}));
  if (!spec.name.empty()) {
    if (const auto* existing = find_container(spec.name); existing && existing->spec.name == spec.name) {
      return fail(ErrorCode::conflict,
                  fmt::format("Conflict. The container name \"/{}\" is already in use by container \"{}\". You have "
                              "to remove (or rename) that container to be able to reuse that name.",
                              spec.name, existing->id));
    }
  }
  const ImageInfo* image = find_image(spec.image);
  if (!image) return fail(ErrorCode::not_found, fmt::format("No such image: {}", spec.image));

  FakeContainer container;
  container.spec = spec;
  container.id = next_id("container");
  if (container.spec.name.empty()) container.spec.name = "fake_" + container.id.substr(0, 12);
  container.image_id = image->id;
  containers_.push_back(container);
  return container.id;
}

Status FakeEngine::start_container(const std::string& id_or_name) {
  DLENV_TRY_VOID(enter("start_container", {id_or_name}));
  FakeContainer* container = find_container(id_or_name);
  if (!container) return fail(ErrorCode::not_found, fmt::format("No such container: {}", id_or_name));
  if (container->state == "running") return {};
  // Like Docker 20.10: the network is looked up when the container starts, not when it is created.
  if (!builtin_network(container->spec.network) && !find_network(container->spec.network))
    return fail(ErrorCode::not_found, fmt::format("network {} not found", container->spec.network));

  for (const auto& wanted : container->spec.ports) {
    if (wanted.host_port <= 0) continue;
    for (const auto& other : containers_) {
      if (&other == container || other.state != "running") continue;
      for (const auto& held : other.live_ports) {
        if (held.host_port == wanted.host_port && same_host_address(held.host_ip, wanted.host_ip)) {
          return fail(Error(ErrorCode::conflict,
                            fmt::format("driver failed programming external connectivity on endpoint {}: Bind for "
                                        "{}:{} failed: port is already allocated",
                                        container->spec.name, wanted.host_ip.empty() ? "0.0.0.0" : wanted.host_ip,
                                        wanted.host_port))
                          .retry());
        }
      }
    }
  }
  container->live_ports.clear();
  for (const auto& wanted : container->spec.ports) {
    PortBinding live = wanted;
    live.container_port = normalized_port(wanted.container_port);
    if (live.host_ip.empty()) live.host_ip = "0.0.0.0";
    if (live.host_port <= 0) live.host_port = next_ephemeral_port_++;
    container->live_ports.push_back(std::move(live));
  }
  container->state = "running";
  container->exit_code = 0;
  return {};
}

Status FakeEngine::stop_container(const std::string& id_or_name, int timeout_seconds) {
  DLENV_TRY_VOID(enter("stop_container", {id_or_name, std::to_string(timeout_seconds)}));
  FakeContainer* container = find_container(id_or_name);
  if (!container) return fail(ErrorCode::not_found, fmt::format("No such container: {}", id_or_name));
  if (container->state == "running") {
    container->state = "exited";
    container->live_ports.clear();
  }
  return {};
}

Status FakeEngine::remove_container(const std::string& id_or_name, bool force) {
  DLENV_TRY_VOID(enter("remove_container", {id_or_name, force ? "force" : "no-force"}));
  FakeContainer* container = find_container(id_or_name);
  if (!container) return {};
  if (container->state == "running" && !force) {
    return fail(ErrorCode::conflict,
                fmt::format("You cannot remove a running container {}. Stop the container before attempting "
                            "removal or force remove",
                            container->id));
  }
  std::erase_if(containers_, [&](const FakeContainer& c) { return &c == container; });
  return {};
}

Result<std::optional<ContainerInfo>> FakeEngine::inspect_container(const std::string& id_or_name) {
  DLENV_TRY_VOID(enter("inspect_container", {id_or_name}));
  const FakeContainer* container = find_container(id_or_name);
  if (!container) return std::optional<ContainerInfo>{};
  return std::optional<ContainerInfo>{info_of(*container)};
}

Result<std::vector<ContainerInfo>> FakeEngine::list_containers(const Labels& labels) {
  DLENV_TRY_VOID(enter("list_containers", {}));
  std::vector<ContainerInfo> out;
  for (const auto& container : containers_) {
    if (!has_labels(container.spec.labels, labels)) continue;
    ContainerInfo info = info_of(container);
    // Like the engine's list: no inspect-only fields, only live port bindings.
    info.user.clear();
    info.env.clear();
    info.cmd.clear();
    info.shm_size = 0;
    info.security_opt.clear();
    info.cap_drop.clear();
    info.pids_limit = info.memory = info.nano_cpus = 0;
    info.restart_policy.clear();
    info.network_mode.clear();
    info.networks.clear();
    if (container.state != "running") info.ports.clear();
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> FakeEngine::create_network(const NetworkSpec& spec) {
  DLENV_TRY_VOID(enter("create_network", {spec.name}));
  if (spec.name.empty()) return fail(ErrorCode::engine_api, "a network needs a name");
  if (builtin_network(spec.name))
    return fail(ErrorCode::engine_api, fmt::format("operation is not permitted on predefined {} network", spec.name));
  if (check_network_names && find_network(spec.name) && find_network(spec.name)->name == spec.name)
    return fail(ErrorCode::conflict, fmt::format("network with name {} already exists", spec.name));
  NetworkInfo network;
  network.id = next_id("network");
  network.name = spec.name;
  network.driver = spec.driver.empty() ? "bridge" : spec.driver;
  network.labels = spec.labels;
  network.inter_container = spec.inter_container;
  network.created = fmt::format("2024-01-01T00:00:00.{:09}Z", id_counter_);
  networks_.push_back(network);
  return network.id;
}

Result<std::vector<NetworkInfo>> FakeEngine::find_networks(const std::string& name) {
  DLENV_TRY_VOID(enter("find_networks", {name}));
  std::vector<NetworkInfo> out;
  for (const auto& network : networks_)
    if (network.name == name) out.push_back(network);
  return out;
}

Status FakeEngine::remove_network(const std::string& id) {
  DLENV_TRY_VOID(enter("remove_network", {id}));
  const NetworkInfo* network = find_network(id);
  if (!network) return {};
  for (const auto& container : containers_) {
    if (container.state != "running") continue;
    const NetworkInfo* joined = find_network(container.spec.network);
    if (joined && joined->id == network->id)
      return fail(ErrorCode::conflict,
                  fmt::format("error while removing network: network {} id {} has active endpoints", network->name, network->id));
  }
  const std::string gone = network->id;
  std::erase_if(networks_, [&](const NetworkInfo& n) { return n.id == gone; });
  return {};
}

Status FakeEngine::logs(const std::string& id_or_name, bool follow, std::optional<int> tail, const OutputFn& sink) {
  DLENV_TRY_VOID(enter("logs", {id_or_name, follow ? "follow" : "no-follow", tail ? std::to_string(*tail) : "all"}));
  const FakeContainer* container = find_container(id_or_name);
  if (!container) return fail(ErrorCode::not_found, fmt::format("No such container: {}", id_or_name));
  auto it = logs_.find(container->id);
  if (it == logs_.end()) it = logs_.find(container->spec.name);
  if (it == logs_.end() || !sink) return {};

  auto last_lines = [&](const std::string& text) {
    if (!tail) return text;
    std::vector<std::string> lines = split(text, '\n');
    const bool ends_with_newline = !text.empty() && text.back() == '\n';
    if (ends_with_newline) lines.pop_back();
    const size_t keep = std::min(lines.size(), static_cast<size_t>(std::max(0, *tail)));
    std::vector<std::string> kept(lines.end() - static_cast<std::ptrdiff_t>(keep), lines.end());
    std::string out = join(kept, "\n");
    if (!kept.empty() && ends_with_newline) out += "\n";
    return out;
  };
  const std::string out = last_lines(it->second.first);
  const std::string err = last_lines(it->second.second);
  if (!out.empty()) sink(StreamKind::out, out);
  if (!err.empty()) sink(StreamKind::err, err);
  return {};
}

Result<int> FakeEngine::exec(const std::string& id_or_name, const ExecRequest& request, const OutputFn& sink) {
  DLENV_TRY_VOID(enter("exec", {id_or_name, join(request.cmd, " ")}));
  const FakeContainer* container = find_container(id_or_name);
  if (!container) return fail(ErrorCode::not_found, fmt::format("No such container: {}", id_or_name));
  if (container->state != "running") {
    return fail(ErrorCode::engine_api, fmt::format("Container {} is not running", container->id));
  }
  execs.emplace_back(id_or_name, request);
  const FakeExecResult& result = exec_result_for(request.cmd);
  if (sink && !result.out.empty()) sink(StreamKind::out, result.out);
  // With a TTY both streams arrive merged on stdout, as from the engine.
  if (sink && !result.err.empty()) sink(request.tty ? StreamKind::out : StreamKind::err, result.err);
  return result.exit_code;
}

Result<int> FakeEngine::exec_attached(const std::string& id_or_name, const ExecRequest& request) {
  DLENV_TRY_VOID(enter("exec_attached", {id_or_name, join(request.cmd, " ")}));
  const FakeContainer* container = find_container(id_or_name);
  if (!container) return fail(ErrorCode::not_found, fmt::format("No such container: {}", id_or_name));
  if (container->state != "running") {
    return fail(ErrorCode::engine_api, fmt::format("Container {} is not running", container->id));
  }
  execs.emplace_back(id_or_name, request);
  return exec_result_for(request.cmd).exit_code;
}

}  // namespace dlenv::engine
