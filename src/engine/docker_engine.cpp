#include "engine/docker_engine.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/build_context.hpp"
#include "util/interrupt.hpp"
#include "util/poll.hpp"
#include "util/text.hpp"

namespace dlenv::engine {
namespace {

using nlohmann::json;
using detail::HttpRequest;
using detail::HttpResponse;
using detail::url_encode;

constexpr size_t kBuildErrorTailLines = 20;

// ---- deadlines ---------------------------------------------------------------------------
// Every engine call has one, so that an engine that stops answering ends the command with an
// error naming the call instead of hanging it. Each is multiplied by the endpoint's
// timeout_scale (the engine_timeout_scale setting, applied in the HTTP client).
using namespace std::chrono_literals;
using std::chrono::milliseconds;
// Requests answered from the engine's own state: a whole-exchange limit.
constexpr milliseconds kPingLimit = 10s;              // /_ping, /version, /info
constexpr milliseconds kQuickLimit = 30s;             // inspect, list, tag, exec create/inspect/resize
constexpr milliseconds kCreateLimit = 60s;            // container create
constexpr milliseconds kStartLimit = 2min;            // start: runtime hooks (nvidia, CDI) take their time
constexpr milliseconds kStopMargin = 1min;            // stop: its own grace period plus this
constexpr milliseconds kRemoveContainerLimit = 2min;  // force removal kills, then deletes the writable layer
constexpr milliseconds kRemoveImageLimit = 5min;      // deleting an image's layers
// Streams have no total limit: their progress proves the engine alive. They end when nothing
// moves either way for this long (the upload of a context or tarball counts).
constexpr milliseconds kBuildSilence = 30min;     // a RUN step compiling (pip building a CUDA extension) prints nothing
constexpr milliseconds kTransferSilence = 10min;  // pulls and imports: the engine reports progress as it goes
constexpr milliseconds kLogsSilence = 1min;       // logs without follow: a file read out
// An exec'd command may rightly be quiet for hours: only the response head has a deadline (the
// engine sends it before the command runs). `logs -f` has none on its stream: a quiet container
// sends nothing, and some engine releases hold even the head back until the first line
// (moby#47448); the inspect before it proves the engine answers, and Ctrl-C ends it.
constexpr milliseconds kAnswerLimit = 30s;

// ---- JSON access that tolerates missing keys and nulls -------------------------------------

const json& member(const json& object, const char* key) {
  static const json null_value;
  if (!object.is_object()) return null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

std::string string_at(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

int64_t int_at(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_number() ? value.get<int64_t>() : 0;
}

bool bool_at(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_boolean() && value.get<bool>();
}

std::vector<std::string> strings_at(const json& object, const char* key) {
  std::vector<std::string> out;
  const json& value = member(object, key);
  if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  } else if (value.is_string()) {
    out.push_back(value.get<std::string>());  // e.g. Cmd given as a string by some engines
  }
  return out;
}

Labels labels_at(const json& object, const char* key) {
  Labels out;
  const json& value = member(object, key);
  if (value.is_object()) {
    for (const auto& [name, text] : value.items()) {
      if (text.is_string()) out[name] = text.get<std::string>();
    }
  }
  return out;
}

std::optional<json> parse_json(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// A request that must be answered in full within `limit`.
HttpRequest within(HttpRequest request, milliseconds limit) {
  request.timeout = limit;
  return request;
}

// A stream that fails when it stays silent for `silence`.
HttpRequest while_alive(HttpRequest request, milliseconds silence) {
  request.idle_timeout = silence;
  return request;
}

// A stream whose response head must arrive within `limit`, then with no limit (or `silence`).
HttpRequest answered_within(HttpRequest request, milliseconds limit, milliseconds silence = milliseconds(0)) {
  request.answer_timeout = limit;
  request.idle_timeout = silence;
  return request;
}

// ---- errors ------------------------------------------------------------------------------

// The engine's own words: the JSON `message`, else the body text, else the HTTP status.
std::string engine_message(const HttpResponse& response) {
  if (auto parsed = parse_json(response.body)) {
    const std::string message = string_at(*parsed, "message");
    if (!message.empty()) return message;
  }
  std::string text = trim(response.body);
  return text.empty() ? fmt::format("the engine answered HTTP {}", response.status) : text;
}

// 404 → not_found; everything else → engine_api (gateway-style statuses retryable).
Error api_error(const HttpResponse& response) {
  const ErrorCode code = response.status == 404 ? ErrorCode::not_found : ErrorCode::engine_api;
  const bool transient = response.status == 502 || response.status == 503 || response.status == 504;
  return Error(code, engine_message(response)).retry(transient);
}

Error unexpected_answer(std::string_view what) {
  return Error(ErrorCode::engine_api, fmt::format("the container engine sent an unexpected answer to {}", what));
}

Result<json> parse_body(const HttpResponse& response, std::string_view what) {
  auto parsed = parse_json(response.body);
  if (!parsed) return fail(unexpected_answer(what));
  return std::move(*parsed);
}

bool mentions_port_in_use(std::string_view message) {
  const std::string lower = to_lower(message);
  return lower.find("port is already allocated") != std::string::npos ||
         lower.find("address already in use") != std::string::npos;
}

// ---- query strings -----------------------------------------------------------------------

std::string path_segment(const std::string& name) { return url_encode(name); }
// Image references keep '/', ':' and '@' (the engine routes /images/{name:.*}/json).
std::string image_segment(const std::string& ref) { return url_encode(ref, "/:@"); }

std::string label_filters(const Labels& labels) {
  json filter = json::array();
  for (const auto& [key, value] : labels) filter.push_back(value.empty() ? key : key + "=" + value);
  return json{{"label", filter}}.dump();
}

std::string normalized_port(const std::string& container_port) {
  return container_port.find('/') == std::string::npos ? container_port + "/tcp" : container_port;
}

// ---- incremental stream decoding ---------------------------------------------------------

// Splits text arriving in pieces into lines (without "\n" / "\r").
class LineSplitter {
 public:
  template <class Emit>
  void feed(std::string_view text, Emit&& emit) {
    for (const char c : text) {
      if (c == '\n') {
        emit_line(emit);
      } else {
        partial_.push_back(c);
      }
    }
  }
  template <class Emit>
  void flush(Emit&& emit) {
    if (!partial_.empty()) emit_line(emit);
  }

 private:
  template <class Emit>
  void emit_line(Emit& emit) {
    while (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    std::string line = std::exchange(partial_, {});
    emit(line);
  }
  std::string partial_;
};

// Decodes a stream of JSON messages separated by newlines (build, import, pull progress).
class JsonMessageReader {
 public:
  template <class Handle>
  void feed(std::string_view chunk, Handle&& handle) {
    lines_.feed(chunk, [&](const std::string& line) { decode(line, handle); });
  }
  template <class Handle>
  void finish(Handle&& handle) {
    lines_.flush([&](const std::string& line) { decode(line, handle); });
  }

 private:
  template <class Handle>
  static void decode(const std::string& line, Handle& handle) {
    if (trim(line).empty()) return;
    if (auto message = parse_json(line)) handle(*message);
  }
  LineSplitter lines_;
};

// Splits the engine's multiplexed stream (8-byte frame headers: stream id, 0, 0, 0, length
// big-endian) into stdout/stderr pieces. Payloads are forwarded as they arrive.
class StreamDemuxer {
 public:
  void feed(std::string_view data, const std::function<void(StreamKind, std::string_view)>& sink) {
    while (!data.empty()) {
      if (remaining_ == 0) {
        const size_t take = std::min(data.size(), sizeof header_ - header_length_);
        std::memcpy(header_ + header_length_, data.data(), take);
        header_length_ += take;
        data.remove_prefix(take);
        if (header_length_ < sizeof header_) return;
        header_length_ = 0;
        kind_ = header_[0] == 2 ? StreamKind::err : StreamKind::out;
        remaining_ = (size_t{header_[4]} << 24) | (size_t{header_[5]} << 16) | (size_t{header_[6]} << 8) |
                     size_t{header_[7]};
        continue;
      }
      const size_t take = std::min(remaining_, data.size());
      if (sink) sink(kind_, data.substr(0, take));
      remaining_ -= take;
      data.remove_prefix(take);
    }
  }

 private:
  unsigned char header_[8] = {};
  size_t header_length_ = 0;
  size_t remaining_ = 0;
  StreamKind kind_ = StreamKind::out;
};

// Drops terminal escape sequences (the engine colours a RUN step's stderr).
std::string without_escape_sequences(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\x1b') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '[') {  // CSI: parameters, intermediates, final byte
      i += 2;
      while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7E)) ++i;
    } else {
      ++i;  // a two-byte escape
    }
  }
  return out;
}

// Collects progress lines from JSON messages: `stream` text line by line, `status` lines
// without progress bars, and the first error.
class ProgressCollector {
 public:
  explicit ProgressCollector(const ProgressFn& progress) : progress_(progress) {}

  void handle(const json& message) {
    const json& detail = member(message, "errorDetail");
    std::string error_text = string_at(detail, "message");
    if (error_text.empty()) error_text = string_at(message, "error");
    if (!error_text.empty()) {
      if (!error_) error_ = error_text;
      return;
    }
    if (const json& text = member(message, "stream"); text.is_string()) {
      stream_lines_.feed(text.get<std::string>(), [&](const std::string& line) { emit(line); });
      return;
    }
    const std::string status = string_at(message, "status");
    const json& progress_detail = member(message, "progressDetail");
    const bool is_progress_bar = progress_detail.is_object() && !progress_detail.empty();
    if (!status.empty() && !is_progress_bar) {
      const std::string id = string_at(message, "id");
      emit(id.empty() ? status : id + ": " + status);
    }
  }

  void finish() {
    stream_lines_.flush([&](const std::string& line) { emit(line); });
  }

  const std::optional<std::string>& error() const { return error_; }

  // The error followed by the last lines of output, for the user to see what failed.
  std::string error_with_output() const {
    std::string message = error_.value_or("unknown error");
    if (!tail_.empty()) {
      message += fmt::format("\nlast {} lines of output:", tail_.size());
      for (const auto& line : tail_) message += "\n  " + line;
    }
    return message;
  }

 private:
  void emit(const std::string& raw_line) {
    std::string line = without_escape_sequences(raw_line);
    tail_.push_back(line);
    if (tail_.size() > kBuildErrorTailLines) tail_.pop_front();
    if (progress_) progress_(line);
  }

  const ProgressFn& progress_;
  LineSplitter stream_lines_;
  std::deque<std::string> tail_;
  std::optional<std::string> error_;
};

// ---- container JSON ----------------------------------------------------------------------

// {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8888"}], "22/tcp": null}
std::vector<PortBinding> parse_port_map(const json& ports) {
  std::vector<PortBinding> out;
  if (!ports.is_object()) return out;
  for (const auto& [container_port, bindings] : ports.items()) {
    if (!bindings.is_array()) continue;
    for (const auto& binding : bindings) {
      PortBinding port;
      port.container_port = container_port;
      port.host_ip = string_at(binding, "HostIp");
      const std::string host_port = string_at(binding, "HostPort");
      port.host_port = host_port.empty() ? 0 : std::atoi(host_port.c_str());
      out.push_back(std::move(port));
    }
  }
  return out;
}

ContainerInfo parse_container_inspect(const json& body) {
  ContainerInfo info;
  const json& config = member(body, "Config");
  const json& host_config = member(body, "HostConfig");
  const json& state = member(body, "State");
  info.id = string_at(body, "Id");
  info.name = string_at(body, "Name");
  if (starts_with(info.name, "/")) info.name.erase(0, 1);
  info.image = string_at(config, "Image");
  info.image_id = string_at(body, "Image");
  info.state = string_at(state, "Status");
  info.exit_code = static_cast<int>(int_at(state, "ExitCode"));
  info.labels = labels_at(config, "Labels");
  info.user = string_at(config, "User");
  info.env = strings_at(config, "Env");
  info.cmd = strings_at(config, "Cmd");
  info.shm_size = int_at(host_config, "ShmSize");
  info.security_opt = strings_at(host_config, "SecurityOpt");
  info.cap_drop = strings_at(host_config, "CapDrop");
  info.pids_limit = std::max<int64_t>(0, int_at(host_config, "PidsLimit"));  // null or -1: unlimited
  info.memory = int_at(host_config, "Memory");
  info.nano_cpus = int_at(host_config, "NanoCpus");
  info.restart_policy = string_at(member(host_config, "RestartPolicy"), "Name");
  if (info.restart_policy.empty()) info.restart_policy = "no";  // engines answer "" or "no" for none
  info.network_mode = string_at(host_config, "NetworkMode");
  if (const json& networks = member(member(body, "NetworkSettings"), "Networks"); networks.is_object())
    for (const auto& [name, endpoint] : networks.items()) info.networks.push_back(name);
  info.ports = parse_port_map(member(member(body, "NetworkSettings"), "Ports"));
  // A container that is not running has no live bindings: report what it asked for.
  if (info.ports.empty()) info.ports = parse_port_map(member(host_config, "PortBindings"));
  return info;
}

// "Exited (3) 5 minutes ago" → 3.
int exit_code_from_status(const std::string& status) {
  if (!starts_with(status, "Exited (")) return 0;
  return std::atoi(status.c_str() + 8);
}

ContainerInfo parse_container_summary(const json& item) {
  ContainerInfo info;
  info.id = string_at(item, "Id");
  const auto names = strings_at(item, "Names");
  if (!names.empty()) info.name = starts_with(names.front(), "/") ? names.front().substr(1) : names.front();
  info.image = string_at(item, "Image");
  info.image_id = string_at(item, "ImageID");
  info.state = string_at(item, "State");
  info.exit_code = exit_code_from_status(string_at(item, "Status"));
  info.labels = labels_at(item, "Labels");
  const json& ports = member(item, "Ports");
  if (ports.is_array()) {
    for (const auto& port : ports) {
      const int64_t public_port = int_at(port, "PublicPort");
      if (public_port == 0) continue;  // exposed, not published
      std::string type = string_at(port, "Type");
      PortBinding binding;
      binding.container_port = fmt::format("{}/{}", int_at(port, "PrivatePort"), type.empty() ? "tcp" : type);
      binding.host_ip = string_at(port, "IP");
      binding.host_port = static_cast<int>(public_port);
      info.ports.push_back(std::move(binding));
    }
  }
  return info;
}

// ---- networks ----------------------------------------------------------------------------

constexpr const char* kIccOption = "com.docker.network.bridge.enable_icc";

NetworkInfo parse_network(const json& item) {
  NetworkInfo info;
  info.id = string_at(item, "Id");
  info.name = string_at(item, "Name");
  info.driver = string_at(item, "Driver");
  info.labels = labels_at(item, "Labels");
  const Labels options = labels_at(item, "Options");
  const auto icc = options.find(kIccOption);
  info.inter_container = icc == options.end() || to_lower(icc->second) != "false";
  info.created = string_at(item, "Created");
  return info;
}

// "2024-05-01T10:00:00.5Z" → a key that sorts as the time does ("2024-05-01T10:00:00.500000000Z"):
// the engine drops trailing zeros of the fraction.
std::string created_sort_key(const std::string& created) {
  const auto dot = created.find('.');
  if (dot == std::string::npos) return created;
  size_t end = dot + 1;
  while (end < created.size() && created[end] >= '0' && created[end] <= '9') ++end;
  std::string fraction = created.substr(dot + 1, end - dot - 1);
  fraction.resize(9, '0');
  return created.substr(0, dot) + "." + fraction + created.substr(end);
}

ImageInfo parse_image(const json& body, const json& labels_holder) {
  ImageInfo info;
  info.id = string_at(body, "Id");
  for (auto& tag : strings_at(body, "RepoTags")) {
    if (tag != "<none>:<none>") info.tags.push_back(std::move(tag));
  }
  info.labels = labels_at(labels_holder, "Labels");
  info.size = int_at(body, "Size");
  return info;
}

json container_create_body(const ContainerSpec& spec) {
  json body = json::object();
  body["Image"] = spec.image;
  if (!spec.user.empty()) body["User"] = spec.user;
  if (!spec.workdir.empty()) body["WorkingDir"] = spec.workdir;
  if (!spec.hostname.empty()) body["Hostname"] = spec.hostname;
  body["Env"] = spec.env;
  body["Labels"] = spec.labels;
  if (!spec.entrypoint.empty()) body["Entrypoint"] = spec.entrypoint;
  if (!spec.cmd.empty()) body["Cmd"] = spec.cmd;

  json exposed = json::object();
  json bindings = json::object();
  for (const auto& port : spec.ports) {
    const std::string key = normalized_port(port.container_port);
    exposed[key] = json::object();
    bindings[key].push_back(
        {{"HostIp", port.host_ip}, {"HostPort", port.host_port > 0 ? std::to_string(port.host_port) : ""}});
  }
  if (!exposed.empty()) body["ExposedPorts"] = exposed;

  json host = json::object();
  if (!bindings.empty()) host["PortBindings"] = bindings;
  json mounts = json::array();
  for (const auto& mount : spec.mounts) {
    mounts.push_back({{"Type", "bind"}, {"Source", mount.source}, {"Target", mount.target}, {"ReadOnly", mount.read_only}});
  }
  if (!mounts.empty()) host["Mounts"] = mounts;
  if (spec.shm_size > 0) host["ShmSize"] = spec.shm_size;
  host["Init"] = spec.init;
  if (!spec.security_opt.empty()) host["SecurityOpt"] = spec.security_opt;
  if (!spec.cap_drop.empty()) host["CapDrop"] = spec.cap_drop;
  if (!spec.cap_add.empty()) host["CapAdd"] = spec.cap_add;
  if (spec.pids_limit > 0) host["PidsLimit"] = spec.pids_limit;
  if (spec.memory > 0) host["Memory"] = spec.memory;
  if (spec.nano_cpus > 0) host["NanoCpus"] = spec.nano_cpus;
  if (!spec.restart_policy.empty()) host["RestartPolicy"] = {{"Name", spec.restart_policy}};
  if (!spec.network.empty()) host["NetworkMode"] = spec.network;
  switch (spec.gpus.mode) {
    case GpuAssignment::Mode::none: break;
    case GpuAssignment::Mode::nvidia_runtime:
      host["DeviceRequests"] = json::array({{{"Driver", "nvidia"},
                                             {"Count", spec.gpus.device_ids == std::vector<std::string>{"all"} ? -1 : 0},
                                             {"DeviceIDs", spec.gpus.device_ids == std::vector<std::string>{"all"}
                                                               ? json::array()
                                                               : json(spec.gpus.device_ids)},
                                             {"Capabilities", json::array({json::array({"gpu"})})}}});
      break;
    case GpuAssignment::Mode::cdi:
      host["DeviceRequests"] = json::array({{{"Driver", "cdi"}, {"DeviceIDs", spec.gpus.device_ids}}});
      break;
    case GpuAssignment::Mode::direct: {
      json devices = json::array();
      for (const auto& node : spec.gpus.device_nodes)
        devices.push_back({{"PathOnHost", node}, {"PathInContainer", node}, {"CgroupPermissions", "rwm"}});
      host["Devices"] = devices;
      break;
    }
  }
  body["HostConfig"] = host;
  return body;
}

json exec_create_body(const ExecRequest& request, bool attach_stdin) {
  json body = {{"AttachStdin", attach_stdin}, {"AttachStdout", true}, {"AttachStderr", true},
               {"Tty", request.tty},          {"Cmd", request.cmd}};
  if (!request.user.empty()) body["User"] = request.user;
  if (!request.workdir.empty()) body["WorkingDir"] = request.workdir;
  if (!request.env.empty()) body["Env"] = request.env;
  return body;
}

// ---- attached exec helpers ---------------------------------------------------------------

// Puts a terminal in raw mode; restores the saved settings when destroyed.
class RawTerminalMode {
 public:
  explicit RawTerminalMode(int fd) : fd_(fd) {
    if (!::isatty(fd_) || ::tcgetattr(fd_, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd_, TCSADRAIN, &raw) == 0;
  }
  ~RawTerminalMode() {
    if (active_) ::tcsetattr(fd_, TCSADRAIN, &saved_);
  }
  RawTerminalMode(const RawTerminalMode&) = delete;
  RawTerminalMode& operator=(const RawTerminalMode&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

std::optional<std::pair<int, int>> terminal_size() {
  for (const int fd : {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO}) {
    winsize size{};
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0) {
      return std::pair<int, int>{size.ws_row, size.ws_col};
    }
  }
  return std::nullopt;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd entry{fd, POLLOUT, 0};
        ::poll(&entry, 1, 100);
        continue;
      }
      return;  // the local side went away; keep draining the connection
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

bool is_api_version(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
}

// ---- DockerEngine ------------------------------------------------------------------------

DockerEngine::DockerEngine(Endpoint endpoint) : http_(std::move(endpoint)) {}

Result<EngineInfo> DockerEngine::negotiate() {
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get("/version"), kPingLimit)));
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "GET /version"));

  EngineInfo info;
  info.endpoint = http_.endpoint().describe();
  info.version = string_at(body, "Version");
  info.api_version = string_at(body, "ApiVersion");
  info.os = string_at(body, "Os");
  const json& components = member(body, "Components");
  if (components.is_array()) {
    for (const auto& component : components) {
      if (to_lower(string_at(component, "Name")).find("podman") != std::string::npos) info.podman = true;
    }
  }
  if (to_lower(string_at(member(body, "Platform"), "Name")).find("podman") != std::string::npos) info.podman = true;

  std::lock_guard lock(negotiation_mutex_);
  api_prefix_ = is_api_version(info.api_version) ? "/v" + info.api_version : "";
  info_ = info;
  return info;
}

Result<std::string> DockerEngine::versioned(std::string_view path) {
  {
    std::lock_guard lock(negotiation_mutex_);
    if (info_ || !api_prefix_.empty()) return api_prefix_ + std::string(path);
  }
  // /_ping answers with the API version in a header and costs the engine far less than
  // /version (which asks every component); fall back to /version when the header is absent.
  auto ping = DLENV_TRY(http_.send(within(HttpRequest::get("/_ping"), kPingLimit)));
  if (ping.ok() && is_api_version(ping.api_version)) {
    std::lock_guard lock(negotiation_mutex_);
    api_prefix_ = "/v" + ping.api_version;
    return api_prefix_ + std::string(path);
  }
  DLENV_TRY_VOID(negotiate());
  std::lock_guard lock(negotiation_mutex_);
  return api_prefix_ + std::string(path);
}

Result<EngineInfo> DockerEngine::ping() {
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get("/_ping"), kPingLimit)));
  if (!response.ok()) return fail(api_error(response));
  return negotiate();
}

Result<EngineDetails> DockerEngine::details() {
  const auto target = DLENV_TRY(versioned("/info"));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kPingLimit)));
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "GET /info"));
  EngineDetails details;
  if (const json& runtimes = member(body, "Runtimes"); runtimes.is_object())
    for (const auto& [name, value] : runtimes.items()) details.runtimes.push_back(name);
  details.default_runtime = string_at(body, "DefaultRuntime");
  details.root_dir = string_at(body, "DockerRootDir");
  details.cdi_spec_dirs = strings_at(body, "CDISpecDirs");
  const auto security = strings_at(body, "SecurityOptions");
  for (const auto& option : security) {
    if (!details.security_options.empty()) details.security_options += ";";
    details.security_options += option;
    if (option.find("rootless") != std::string::npos) details.rootless = true;
  }
  details.runc_version = string_at(member(body, "RuncCommit"), "ID");
  // /version names runc's own version among its components (Docker); prefer that.
  auto version = DLENV_TRY(http_.send(within(HttpRequest::get(DLENV_TRY(versioned("/version"))), kPingLimit)));
  if (version.ok()) {
    const json v = DLENV_TRY(parse_body(version, "GET /version"));
    if (const json& components = member(v, "Components"); components.is_array())
      for (const auto& component : components)
        if (to_lower(string_at(component, "Name")) == "runc") details.runc_version = string_at(component, "Version");
  }
  return details;
}

Result<std::optional<ImageInfo>> DockerEngine::inspect_image(const std::string& ref) {
  const auto target = DLENV_TRY(versioned("/images/" + image_segment(ref) + "/json"));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kQuickLimit)));
  if (response.status == 404) return std::optional<ImageInfo>{};
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "image inspect"));
  return std::optional<ImageInfo>{parse_image(body, member(body, "Config"))};
}

Result<std::vector<ImageInfo>> DockerEngine::list_images(const Labels& labels) {
  std::string path = "/images/json";
  if (!labels.empty()) path += "?filters=" + url_encode(label_filters(labels));
  const auto target = DLENV_TRY(versioned(path));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kQuickLimit)));
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "image list"));
  if (!body.is_array()) return fail(unexpected_answer("image list"));
  std::vector<ImageInfo> images;
  for (const auto& item : body) images.push_back(parse_image(item, item));
  return images;
}

Status DockerEngine::build_image(const BuildRequest& request, const ProgressFn& progress) {
  const bool has_dockerfile = std::any_of(request.files.begin(), request.files.end(),
                                          [&](const BuildFile& file) { return file.path == request.dockerfile; });
  if (!has_dockerfile) {
    return fail(ErrorCode::internal, fmt::format("the build context has no '{}'", request.dockerfile));
  }
  std::string context = DLENV_TRY(detail::make_build_context(request.files));

  std::string path = fmt::format("/build?t={}&dockerfile={}&rm=1&forcerm=1", url_encode(request.tag),
                                 url_encode(request.dockerfile));
  if (!request.labels.empty()) path += "&labels=" + url_encode(json(request.labels).dump());
  if (!request.network_mode.empty()) path += "&networkmode=" + url_encode(request.network_mode);
  const auto target = DLENV_TRY(versioned(path));

  ProgressCollector collector(progress);
  JsonMessageReader reader;
  auto handle = [&](const json& message) { collector.handle(message); };
  const HttpRequest http_request = HttpRequest::post(target, std::move(context), "application/x-tar");
  auto response = DLENV_TRY(http_.stream(while_alive(http_request, kBuildSilence), [&](std::string_view chunk) { reader.feed(chunk, handle); }));
  reader.finish(handle);
  collector.finish();
  if (!response.ok()) return fail(api_error(response));
  if (collector.error()) {
    return fail(ErrorCode::engine_api, collector.error_with_output(),
                fmt::format("the build of {} failed; the output above ends at the failing step", request.tag));
  }
  return {};
}

Status DockerEngine::import_image(const std::filesystem::path& tarball, const std::string& repo,
                                  const std::string& tag, const std::vector<std::string>& changes,
                                  const ProgressFn& progress) {
  std::error_code exists_error;
  if (!std::filesystem::is_regular_file(tarball, exists_error)) {
    return fail(ErrorCode::not_found, fmt::format("no such root filesystem tarball: {}", tarball.string()));
  }
  std::string path = fmt::format("/images/create?fromSrc=-&repo={}", url_encode(repo));
  if (!tag.empty()) path += "&tag=" + url_encode(tag);
  for (const auto& change : changes) path += "&changes=" + url_encode(change);
  const auto target = DLENV_TRY(versioned(path));

  ProgressCollector collector(progress);
  JsonMessageReader reader;
  std::string image_id;  // the engine reports the new image's id as a "status" (or "id")
  auto handle = [&](const json& message) {
    for (const char* key : {"status", "id"})
      if (auto value = string_at(message, key); value.rfind("sha256:", 0) == 0) image_id = value;
    collector.handle(message);
  };
  HttpRequest http_request = HttpRequest::post(target, {}, "application/x-tar");
  http_request.body_file = tarball;
  auto response = DLENV_TRY(http_.stream(while_alive(http_request, kTransferSilence), [&](std::string_view chunk) { reader.feed(chunk, handle); }));
  reader.finish(handle);
  collector.finish();
  if (!response.ok()) return fail(api_error(response));
  if (collector.error()) return fail(ErrorCode::engine_api, collector.error_with_output());
  if (tag.empty() || image_id.empty()) return {};
  // Podman's compatible API ignores `tag` on import (it tags "latest"): tag explicitly.
  std::string tag_path = fmt::format("/images/{}/tag?repo={}&tag={}", image_id, url_encode(repo), url_encode(tag));
  auto tagged = DLENV_TRY(http_.send(within(HttpRequest::post(DLENV_TRY(versioned(tag_path))), kQuickLimit)));
  if (!tagged.ok()) return fail(api_error(tagged));
  return {};
}

Status DockerEngine::pull_image(const std::string& ref, const ProgressFn& progress) {
  // name[:tag][@digest] -> fromImage=name, tag=tag or digest
  std::string name = ref, tag;
  if (auto at = ref.find('@'); at != std::string::npos) {
    name = ref.substr(0, at);
    tag = ref.substr(at + 1);
  } else if (auto colon = ref.rfind(':'); colon != std::string::npos && ref.find('/', colon) == std::string::npos) {
    name = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
  }
  std::string path = "/images/create?fromImage=" + url_encode(name);
  if (!tag.empty()) path += "&tag=" + url_encode(tag);
  const auto target = DLENV_TRY(versioned(path));
  ProgressCollector collector(progress);
  JsonMessageReader reader;
  auto handle = [&](const json& message) { collector.handle(message); };
  auto response = DLENV_TRY(http_.stream(while_alive(HttpRequest::post(target), kTransferSilence), [&](std::string_view chunk) { reader.feed(chunk, handle); }));
  reader.finish(handle);
  collector.finish();
  if (!response.ok()) return fail(api_error(response));
  if (collector.error()) return fail(ErrorCode::engine_api, collector.error_with_output());
  return {};
}

Status DockerEngine::remove_image(const std::string& ref) {
  const auto target = DLENV_TRY(versioned("/images/" + image_segment(ref)));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::del(target), kRemoveImageLimit)));
  if (response.ok()) return {};
  if (response.status == 409) return fail(ErrorCode::conflict, engine_message(response));  // in use
  return fail(api_error(response));
}

Result<std::string> DockerEngine::create_container(const ContainerSpec& spec) {
  std::string path = "/containers/create";
  if (!spec.name.empty()) path += "?name=" + url_encode(spec.name);
  const auto target = DLENV_TRY(versioned(path));
  auto response = DLENV_TRY(http_.send(
      within(HttpRequest::post(target, container_create_body(spec).dump(), "application/json"), kCreateLimit)));
  if (response.status == 409) {
    return fail(ErrorCode::conflict, engine_message(response),
                fmt::format("remove the existing container (`docker rm -f {}`) or choose another name", spec.name));
  }
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "container create"));
  std::string id = string_at(body, "Id");
  if (id.empty()) return fail(unexpected_answer("container create"));
  return id;
}

Status DockerEngine::start_container(const std::string& id_or_name) {
  const auto target = DLENV_TRY(versioned("/containers/" + path_segment(id_or_name) + "/start"));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::post(target), kStartLimit)));
  if (response.ok() || response.status == 304) return {};
  const std::string message = engine_message(response);
  if (mentions_port_in_use(message)) {
    return fail(Error(ErrorCode::conflict, message,
                      "another container or process holds that host port; stop it or choose another port")
                    .retry());
  }
  return fail(api_error(response));
}

Status DockerEngine::stop_container(const std::string& id_or_name, int timeout_seconds) {
  const auto target = DLENV_TRY(versioned(
      fmt::format("/containers/{}/stop?t={}", path_segment(id_or_name), std::max(0, timeout_seconds))));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::post(target), std::chrono::seconds(std::max(0, timeout_seconds)) + kStopMargin)));
  if (response.ok() || response.status == 304) return {};
  return fail(api_error(response));
}

Status DockerEngine::remove_container(const std::string& id_or_name, bool force) {
  const auto target = DLENV_TRY(
      versioned(fmt::format("/containers/{}?force={}&v=0", path_segment(id_or_name), force ? 1 : 0)));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::del(target), kRemoveContainerLimit)));
  if (response.ok() || response.status == 404) return {};
  if (response.status == 409) return fail(ErrorCode::conflict, engine_message(response));
  return fail(api_error(response));
}

Result<std::optional<ContainerInfo>> DockerEngine::inspect_container(const std::string& id_or_name) {
  const auto target = DLENV_TRY(versioned("/containers/" + path_segment(id_or_name) + "/json"));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kQuickLimit)));
  if (response.status == 404) return std::optional<ContainerInfo>{};
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "container inspect"));
  return std::optional<ContainerInfo>{parse_container_inspect(body)};
}

Result<std::vector<ContainerInfo>> DockerEngine::list_containers(const Labels& labels) {
  std::string path = "/containers/json?all=1";
  if (!labels.empty()) path += "&filters=" + url_encode(label_filters(labels));
  const auto target = DLENV_TRY(versioned(path));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kQuickLimit)));
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "container list"));
  if (!body.is_array()) return fail(unexpected_answer("container list"));
  std::vector<ContainerInfo> containers;
  for (const auto& item : body) containers.push_back(parse_container_summary(item));
  return containers;
}

Result<std::string> DockerEngine::create_network(const NetworkSpec& spec) {
  json body = {{"Name", spec.name}, {"CheckDuplicate", true}, {"Driver", spec.driver.empty() ? "bridge" : spec.driver},
               {"Labels", spec.labels}};
  if (!spec.inter_container) body["Options"] = {{kIccOption, "false"}};
  const auto target = DLENV_TRY(versioned("/networks/create"));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::post(target, body.dump(), "application/json"), kCreateLimit)));
  if (response.status == 409) return fail(ErrorCode::conflict, engine_message(response));
  if (!response.ok()) {
    Error error = api_error(response);
    if (to_lower(error.message).find("address pool") != std::string::npos)
      error.hint = "every bridge network takes an address range from the engine's pools; remove networks nothing uses "
                   "(`docker network prune`) or widen the pools (`default-address-pools` in /etc/docker/daemon.json)";
    return fail(std::move(error));
  }
  const json created = DLENV_TRY(parse_body(response, "network create"));
  std::string id = string_at(created, "Id");
  if (id.empty()) return fail(unexpected_answer("network create"));
  return id;
}

Result<std::vector<NetworkInfo>> DockerEngine::find_networks(const std::string& name) {
  const auto target =
      DLENV_TRY(versioned("/networks?filters=" + url_encode(json{{"name", json::array({name})}}.dump())));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kQuickLimit)));
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "network list"));
  if (!body.is_array()) return fail(unexpected_answer("network list"));
  std::vector<NetworkInfo> networks;
  for (const auto& item : body) {
    NetworkInfo info = parse_network(item);
    if (info.name == name) networks.push_back(std::move(info));  // the filter matches substrings
  }
  std::sort(networks.begin(), networks.end(), [](const NetworkInfo& a, const NetworkInfo& b) {
    return std::pair(created_sort_key(a.created), a.id) < std::pair(created_sort_key(b.created), b.id);
  });
  return networks;
}

Status DockerEngine::remove_network(const std::string& id) {
  const auto target = DLENV_TRY(versioned("/networks/" + path_segment(id)));
  auto response = DLENV_TRY(http_.send(within(HttpRequest::del(target), kQuickLimit)));
  if (response.ok() || response.status == 404) return {};
  // Docker answers 403 ("has active endpoints") while a running container is attached.
  if (response.status == 403 || response.status == 409) return fail(ErrorCode::conflict, engine_message(response));
  return fail(api_error(response));
}

Status DockerEngine::logs(const std::string& id_or_name, bool follow, std::optional<int> tail,
                          const OutputFn& sink) {
  // The stream is multiplexed unless the container has a TTY.
  const auto inspect_target = DLENV_TRY(versioned("/containers/" + path_segment(id_or_name) + "/json"));
  auto inspect = DLENV_TRY(http_.send(within(HttpRequest::get(inspect_target), kQuickLimit)));
  if (!inspect.ok()) return fail(api_error(inspect));
  const json body = DLENV_TRY(parse_body(inspect, "container inspect"));
  const bool tty = bool_at(member(body, "Config"), "Tty");

  const std::string tail_value = tail ? std::to_string(std::max(0, *tail)) : "all";
  const auto target = DLENV_TRY(versioned(fmt::format("/containers/{}/logs?stdout=1&stderr=1&follow={}&tail={}",
                                                      path_segment(id_or_name), follow ? 1 : 0, tail_value)));
  StreamDemuxer demuxer;
  auto response = DLENV_TRY(http_.stream(follow ? HttpRequest::get(target) : answered_within(HttpRequest::get(target), kAnswerLimit, kLogsSilence), [&](std::string_view chunk) {
    if (tty) {
      if (sink) sink(StreamKind::out, chunk);
    } else {
      demuxer.feed(chunk, sink);
    }
  }));
  if (!response.ok()) return fail(api_error(response));
  return {};
}

Result<std::string> DockerEngine::create_exec(const std::string& id_or_name, const ExecRequest& request,
                                              bool attach_stdin) {
  if (request.cmd.empty()) return fail(ErrorCode::internal, "exec needs a command");
  const auto target = DLENV_TRY(versioned("/containers/" + path_segment(id_or_name) + "/exec"));
  auto response = DLENV_TRY(http_.send(
      within(HttpRequest::post(target, exec_create_body(request, attach_stdin).dump(), "application/json"), kQuickLimit)));
  if (!response.ok()) return fail(api_error(response));
  const json body = DLENV_TRY(parse_body(response, "exec create"));
  std::string id = string_at(body, "Id");
  if (id.empty()) return fail(unexpected_answer("exec create"));
  return id;
}

Result<int> DockerEngine::exec_exit_code(const std::string& exec_id) {
  const auto target = DLENV_TRY(versioned("/exec/" + path_segment(exec_id) + "/json"));
  // The output stream can close a moment before the engine records the exit.
  std::optional<int> code;
  auto recorded = DLENV_TRY(poll_until(std::chrono::seconds(10), {std::chrono::milliseconds(5), std::chrono::milliseconds(100)},
                                       [&]() -> Result<Poll> {
                                         auto response = DLENV_TRY(http_.send(within(HttpRequest::get(target), kQuickLimit)));
                                         if (!response.ok()) return fail(api_error(response));
                                         const json body = DLENV_TRY(parse_body(response, "exec inspect"));
                                         const json& exit_code = member(body, "ExitCode");
                                         if (bool_at(body, "Running") || !exit_code.is_number()) return Poll::again;
                                         code = exit_code.get<int>();
                                         return Poll::done;
                                       }));
  if (!recorded) return fail(Error(ErrorCode::engine_api, fmt::format("exec {} did not report an exit code", exec_id)).retry());
  return *code;
}

Result<int> DockerEngine::exec(const std::string& id_or_name, const ExecRequest& request, const OutputFn& sink) {
  const std::string exec_id = DLENV_TRY(create_exec(id_or_name, request, /*attach_stdin=*/false));
  const auto target = DLENV_TRY(versioned("/exec/" + path_segment(exec_id) + "/start"));
  const json start_body = {{"Detach", false}, {"Tty", request.tty}};
  StreamDemuxer demuxer;
  auto response = DLENV_TRY(http_.stream(
      answered_within(HttpRequest::post(target, start_body.dump(), "application/json"), kAnswerLimit),
      [&](std::string_view chunk) {
        if (request.tty) {
          if (sink) sink(StreamKind::out, chunk);
        } else {
          demuxer.feed(chunk, sink);
        }
      }));
  if (!response.ok()) return fail(api_error(response));
  return exec_exit_code(exec_id);
}

Result<int> DockerEngine::exec_attached(const std::string& id_or_name, const ExecRequest& request) {
  const std::string exec_id = DLENV_TRY(create_exec(id_or_name, request, /*attach_stdin=*/true));
  const auto target = DLENV_TRY(versioned("/exec/" + path_segment(exec_id) + "/start"));
  const json start_body = {{"Detach", false}, {"Tty", request.tty}};

  HttpResponse rejected;
  auto connection = DLENV_TRY(http_.upgrade(
      answered_within(HttpRequest::post(target, start_body.dump(), "application/json"), kAnswerLimit), rejected));
  if (!connection) return fail(api_error(rejected));

  std::optional<RawTerminalMode> raw_mode;
  if (request.tty) raw_mode.emplace(STDIN_FILENO);

  std::optional<std::pair<int, int>> last_size;
  auto sync_terminal_size = [&] {
    if (!request.tty) return;
    const auto size = terminal_size();
    if (!size || size == last_size) return;
    last_size = size;
    auto resize_target = versioned(fmt::format("/exec/{}/resize?h={}&w={}", path_segment(exec_id), size->first,
                                               size->second));
    if (resize_target) (void)http_.send(within(HttpRequest::post(*resize_target), kQuickLimit));  // best effort
  };
  sync_terminal_size();

  StreamDemuxer demuxer;
  const OutputFn to_local = [](StreamKind kind, std::string_view data) {
    write_all(kind == StreamKind::err ? STDERR_FILENO : STDOUT_FILENO, data);
  };
  auto deliver = [&](std::string_view data) {
    if (request.tty) {
      write_all(STDOUT_FILENO, data);
    } else {
      demuxer.feed(data, to_local);
    }
  };
  deliver(connection->take_buffered());

  bool stdin_open = true;
  bool server_open = true;
  char buffer[16 * 1024];
  while (server_open) {
    if (interrupted()) return fail(ErrorCode::interrupted, "interrupted while attached to a command");
    pollfd entries[2] = {{connection->socket_fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    const int ready = ::poll(entries, stdin_open ? 2 : 1, 200);
    if (ready < 0 && errno != EINTR) {
      return fail(ErrorCode::io, fmt::format("poll failed while attached to a command: {}", std::strerror(errno)));
    }
    sync_terminal_size();
    if (ready <= 0) continue;

    if (entries[0].revents != 0) {
      for (;;) {  // drain what the socket has
        auto got = DLENV_TRY(connection->receive(buffer, sizeof buffer));
        if (!got) break;
        if (*got == 0) {
          server_open = false;
          break;
        }
        deliver(std::string_view(buffer, *got));
      }
    }
    if (stdin_open && entries[1].revents != 0) {
      const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (got > 0) {
        DLENV_TRY_VOID(connection->send_all(std::string_view(buffer, static_cast<size_t>(got))));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = false;  // end of input: let the command see EOF, keep reading its output
        connection->shutdown_write();
      }
    }
  }
  raw_mode.reset();
  return exec_exit_code(exec_id);
}

std::unique_ptr<Engine> make_docker_engine(const Endpoint& endpoint) {
  return std::make_unique<DockerEngine>(endpoint);
}

}  // namespace dlenv::engine
