#include "engine/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <utility>

#include "util/interrupt.hpp"
#include "util/text.hpp"
#include "util/user_rights.hpp"

namespace dlenv::engine::detail {

void ensure_curl_initialized() {
  // dlenv speaks plain HTTP only (unix socket, tcp:// as http, loopback probes): skipping
  // the TLS initialisation keeps every command's start-up short.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_NOTHING); });
}

namespace {

constexpr long kConnectTimeoutMs = 5000;
constexpr size_t kMaxResponseHead = 64 * 1024;
constexpr size_t kMaxRejectedBody = 1024 * 1024;

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

Error interrupted_error(const Endpoint& endpoint) {
  return Error(ErrorCode::interrupted,
               fmt::format("interrupted while waiting for the container engine at {}", endpoint.describe()));
}

std::string base_url(const Endpoint& endpoint) {
  if (!endpoint.unix_socket.empty()) return "http://localhost";
  std::string url = endpoint.tcp_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Options every engine connection shares: where to connect, no proxy, abort on Ctrl-C.
void set_connection_options(CURL* curl, const Endpoint& endpoint, const std::string& url, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!endpoint.unix_socket.empty()) curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, endpoint.unix_socket.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  error_buffer[0] = '\0';
}

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What ended a transfer that outlived one of its limits.
enum class Stall { none, no_answer, unfinished, silent };

// The limits of one transfer, checked from libcurl's progress callback (called at least
// about once a second, also while nothing moves) and its header callback.
struct Watch {
  Clock::time_point start = Clock::now();
  Clock::time_point last_activity = start;
  curl_off_t last_received = 0;
  curl_off_t last_sent = 0;
  bool answered = false;  // the response head has begun
  milliseconds answer_limit{0};
  milliseconds idle_limit{0};
  Stall stall = Stall::none;
};

int check_transfer(void* user, curl_off_t, curl_off_t received, curl_off_t, curl_off_t sent) {
  if (interrupted()) return 1;
  auto* watch = static_cast<Watch*>(user);
  const auto now = Clock::now();
  if (received != watch->last_received || sent != watch->last_sent) {
    watch->last_received = received;
    watch->last_sent = sent;
    watch->last_activity = now;
  }
  if (!watch->answered && watch->answer_limit.count() > 0 && now - watch->start >= watch->answer_limit) {
    watch->stall = Stall::no_answer;
    return 1;
  }
  if (watch->idle_limit.count() > 0 && now - watch->last_activity >= watch->idle_limit) {
    watch->stall = Stall::silent;
    return 1;
  }
  return 0;
}

size_t receive_header(char*, size_t size, size_t count, void* user) {
  auto* watch = static_cast<Watch*>(user);
  watch->answered = true;
  watch->last_activity = Clock::now();
  return size * count;
}

std::string engine_check_hint(const Endpoint& endpoint) {
  const bool podman = endpoint.unix_socket.find("podman") != std::string::npos;
  return fmt::format(
      "check the engine: `{}` should answer at once; if it hangs too, restart the engine ({}); "
      "for an engine that is only slow, DLENV_ENGINE_TIMEOUT_SCALE=<factor> lengthens every deadline dlenv gives it",
      podman ? "podman info" : "docker info",
      podman ? "`systemctl restart podman.socket`, or `systemctl --user restart podman.socket`"
             : "`sudo systemctl restart docker`");
}

Error stall_error(const Endpoint& endpoint, std::string_view method, std::string_view target, Stall stall,
                  milliseconds limit) {
  const std::string call = describe_call(method, target);
  const std::string within = describe_duration(limit);
  std::string message;
  switch (stall) {
    case Stall::no_answer:
    case Stall::none:
      message = fmt::format("the container engine at {} did not answer {} within {}", endpoint.describe(), call, within);
      break;
    case Stall::unfinished:
      message = fmt::format("the container engine at {} did not finish answering {} within {}", endpoint.describe(),
                            call, within);
      break;
    case Stall::silent:
      message = fmt::format("the container engine at {} stopped answering during {}: nothing arrived for {}",
                            endpoint.describe(), call, within);
      break;
  }
  return Error(ErrorCode::engine_api, std::move(message), engine_check_hint(endpoint)).retry();
}

struct ReceiveState {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  const ChunkFn* on_chunk = nullptr;
  bool head_seen = false;
  std::exception_ptr failure;  // thrown by on_chunk; rethrown after the transfer
};

size_t receive_body(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<ReceiveState*>(user);
  const size_t length = size * count;
  if (!state->head_seen) {
    state->head_seen = true;
    curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &state->response->status);
    char* content_type = nullptr;
    curl_easy_getinfo(state->curl, CURLINFO_CONTENT_TYPE, &content_type);
    if (content_type) state->response->content_type = content_type;
  }
  if (state->on_chunk && state->response->ok()) {
    try {
      (*state->on_chunk)(std::string_view(data, length));
    } catch (...) {
      state->failure = std::current_exception();
      return 0;  // aborts the transfer
    }
  } else {
    state->response->body.append(data, length);
  }
  return length;
}

size_t read_body_file(char* buffer, size_t size, size_t count, void* user) {
  auto* file = static_cast<std::FILE*>(user);
  const size_t got = std::fread(buffer, 1, size * count, file);
  if (got == 0 && std::ferror(file)) return CURL_READFUNC_ABORT;
  return got;
}

bool is_connect_failure(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return true;
    default:
      return false;
  }
}

std::string curl_reason(CURLcode code, const char* error_buffer) {
  return error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
}

// The request's body: a file streamed from disk, or bytes from memory (POST); true when it has one.
Result<bool> set_request_body(CURL* handle, const HttpRequest& request, std::unique_ptr<std::FILE, FileCloser>& upload) {
  const bool has_body = request.body_file.has_value() || !request.body.empty() || request.method == "POST";
  if (request.body_file) {
    upload.reset(std::fopen(request.body_file->c_str(), "rb"));
    if (!upload) {
      return fail(ErrorCode::io, fmt::format("cannot read {}: {}", request.body_file->string(), std::strerror(errno)));
    }
    std::error_code size_error;
    const auto size = std::filesystem::file_size(*request.body_file, size_error);
    if (size_error) {
      return fail(ErrorCode::io, fmt::format("cannot read {}: {}", request.body_file->string(), size_error.message()));
    }
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_body_file);
    curl_easy_setopt(handle, CURLOPT_READDATA, upload.get());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(size));
  } else if (has_body) {
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  return has_body;
}

// The error for a transfer that ended with `code` (not OK, not aborted by a callback).
Error transfer_error(CURL* handle, const Endpoint& endpoint, const HttpRequest& request, CURLcode code,
                     const char* error_buffer, const Watch& watch, milliseconds total_limit) {
  long os_errno = 0;
  curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
  const std::string reason = curl_reason(code, error_buffer);
  if (is_connect_failure(code)) return unreachable_error(endpoint, reason, static_cast<int>(os_errno));
  if (code == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connected_after = 0;
    curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connected_after);
    if (connected_after == 0) return unreachable_error(endpoint, reason, ETIMEDOUT);  // never connected
    return stall_error(endpoint, request.method, request.target, watch.answered ? Stall::unfinished : Stall::no_answer,
                       total_limit);
  }
  return Error(ErrorCode::engine_api, fmt::format("lost the connection to the container engine at {} during {} {}: {}",
                                                  endpoint.describe(), request.method, request.target, reason))
      .retry();
}

// Status, the engine's API version and the content type of a finished response.
void read_response_head(CURL* handle, HttpResponse& response) {
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  curl_header* api_version = nullptr;
  if (curl_easy_header(handle, "Api-Version", 0, CURLH_HEADER, -1, &api_version) == CURLHE_OK && api_version)
    response.api_version = api_version->value;
  if (response.content_type.empty()) {
    char* content_type = nullptr;
    curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &content_type);
    if (content_type) response.content_type = content_type;
  }
}

Result<HttpResponse> perform(const Endpoint& endpoint, const HttpRequest& request, const ChunkFn* on_chunk) {
  ensure_curl_initialized();
  CurlHandle curl(curl_easy_init());
  if (!curl) return fail(ErrorCode::internal, "cannot create an HTTP handle (curl_easy_init failed)");
  CURL* handle = curl.get();

  char error_buffer[CURL_ERROR_SIZE];
  const std::string url = base_url(endpoint) + request.target;
  set_connection_options(handle, endpoint, url, error_buffer);
  const milliseconds total_limit = scaled(request.timeout, endpoint.timeout_scale);
  Watch watch;
  watch.answer_limit = scaled(request.answer_timeout, endpoint.timeout_scale);
  watch.idle_limit = scaled(request.idle_timeout, endpoint.timeout_scale);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, check_transfer);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &watch);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, receive_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &watch);
  if (total_limit.count() > 0) curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(total_limit.count()));

  HeaderList headers;
  auto add_header = [&](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  add_header("Expect:");  // no 100-continue round trip for uploads

  std::unique_ptr<std::FILE, FileCloser> upload;
  const bool has_body = DLENV_TRY(set_request_body(handle, request, upload));
  // An empty "Content-Type:" removes curl's form-urlencoded default.
  add_header("Content-Type: " + (has_body && !request.content_type.empty() ? request.content_type : std::string()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());

  HttpResponse response;
  ReceiveState state;
  state.curl = handle;
  state.response = &response;
  state.on_chunk = on_chunk;
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, receive_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &state);

  const CURLcode code = curl_easy_perform(handle);
  if (state.failure) std::rethrow_exception(state.failure);
  if (code == CURLE_ABORTED_BY_CALLBACK && interrupted()) return fail(interrupted_error(endpoint));
  if (code == CURLE_ABORTED_BY_CALLBACK && watch.stall != Stall::none) {
    const milliseconds limit = watch.stall == Stall::silent ? watch.idle_limit : watch.answer_limit;
    return fail(stall_error(endpoint, request.method, request.target, watch.stall, limit));
  }
  if (code != CURLE_OK) return fail(transfer_error(handle, endpoint, request, code, error_buffer, watch, total_limit));
  read_response_head(handle, response);
  return response;
}

// Waits until `fd` is ready for `events`, polling the interrupt flag every 200 ms; with a
// deadline, fails with `on_deadline()` once it has passed.
Status wait_for(int fd, short events, const Endpoint& endpoint, std::optional<Clock::time_point> deadline = {},
                const std::function<Error()>& on_deadline = {}) {
  for (;;) {
    if (interrupted()) return fail(interrupted_error(endpoint));
    if (deadline && Clock::now() >= *deadline) return fail(on_deadline());
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, 200);
    if (ready > 0) return {};
    if (ready < 0 && errno != EINTR) {
      return fail(ErrorCode::engine_api, fmt::format("poll on the engine connection failed: {}", std::strerror(errno)));
    }
  }
}

class CurlRawConnection final : public RawConnection {
 public:
  CurlRawConnection(CurlHandle curl, int fd, Endpoint endpoint)
      : curl_(std::move(curl)), fd_(fd), endpoint_(std::move(endpoint)) {}

  int socket_fd() const override { return fd_; }

  std::string take_buffered() override { return std::exchange(buffered_, {}); }

  Result<std::optional<size_t>> receive(char* buffer, size_t size) override {
    size_t got = 0;
    const CURLcode code = curl_easy_recv(curl_.get(), buffer, size, &got);
    if (code == CURLE_AGAIN) return std::optional<size_t>{};
    if (code != CURLE_OK) {
      return fail(Error(ErrorCode::engine_api, fmt::format("lost the connection to the container engine at {}: {}",
                                                           endpoint_.describe(), curl_easy_strerror(code)))
                      .retry());
    }
    return std::optional<size_t>{got};
  }

  Status send_all(std::string_view data) override { return send_until(data, std::nullopt, {}); }

  Status send_until(std::string_view data, std::optional<Clock::time_point> deadline,
                    const std::function<Error()>& on_deadline) {
    while (!data.empty()) {
      size_t sent = 0;
      const CURLcode code = curl_easy_send(curl_.get(), data.data(), data.size(), &sent);
      if (code == CURLE_AGAIN) {
        DLENV_TRY_VOID(wait_for(fd_, POLLOUT, endpoint_, deadline, on_deadline));
        continue;
      }
      if (code != CURLE_OK) {
        return fail(Error(ErrorCode::engine_api, fmt::format("lost the connection to the container engine at {}: {}",
                                                             endpoint_.describe(), curl_easy_strerror(code)))
                        .retry());
      }
      data.remove_prefix(sent);
    }
    return {};
  }

  void shutdown_write() override { ::shutdown(fd_, SHUT_WR); }

  void set_buffered(std::string bytes) { buffered_ = std::move(bytes); }

 private:
  CurlHandle curl_;
  int fd_;
  Endpoint endpoint_;
  std::string buffered_;
};

struct ResponseHead {
  long status = 0;
  std::string content_type;
  std::optional<size_t> content_length;
};

ResponseHead parse_response_head(std::string_view head) {
  ResponseHead parsed;
  const auto lines = split(head, '\n');
  if (!lines.empty()) {
    const auto words = split(trim(lines.front()), ' ');
    if (words.size() >= 2) parsed.status = std::strtol(words[1].c_str(), nullptr, 10);
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    const std::string name = to_lower(trim(std::string_view(lines[i]).substr(0, colon)));
    const std::string value = trim(std::string_view(lines[i]).substr(colon + 1));
    if (name == "content-type") parsed.content_type = value;
    if (name == "content-length") parsed.content_length = std::strtoull(value.c_str(), nullptr, 10);
  }
  return parsed;
}

}  // namespace

HttpClient::HttpClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

// The engine's socket is root's to open when dlenv acts for a sudo user (util/user_rights.hpp).
Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  RootFileAccess root;
  return perform(endpoint_, request, nullptr);
}

Result<HttpResponse> HttpClient::stream(const HttpRequest& request, const ChunkFn& on_chunk) const {
  RootFileAccess root;
  return perform(endpoint_, request, &on_chunk);
}

Result<std::unique_ptr<RawConnection>> HttpClient::upgrade(const HttpRequest& request, HttpResponse& rejected) const {
  RootFileAccess root;
  ensure_curl_initialized();
  CurlHandle curl(curl_easy_init());
  if (!curl) return fail(ErrorCode::internal, "cannot create an HTTP handle (curl_easy_init failed)");
  char error_buffer[CURL_ERROR_SIZE];
  const std::string url = base_url(endpoint_) + "/";
  set_connection_options(curl.get(), endpoint_, url, error_buffer);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECT_ONLY, 1L);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_OS_ERRNO, &os_errno);
    return fail(unreachable_error(endpoint_, curl_reason(code, error_buffer), static_cast<int>(os_errno)));
  }
  curl_socket_t fd = CURL_SOCKET_BAD;
  curl_easy_getinfo(curl.get(), CURLINFO_ACTIVESOCKET, &fd);
  if (fd == CURL_SOCKET_BAD) return fail(ErrorCode::internal, "the engine connection has no socket");

  auto connection = std::make_unique<CurlRawConnection>(std::move(curl), static_cast<int>(fd), endpoint_);
  // Until the response head: the request's answer limit (else its whole limit).
  const milliseconds answer_limit = scaled(request.answer_timeout.count() > 0 ? request.answer_timeout : request.timeout, endpoint_.timeout_scale);
  std::optional<Clock::time_point> deadline;
  if (answer_limit.count() > 0) deadline = Clock::now() + answer_limit;
  const std::function<Error()> on_deadline = [&] {
    return stall_error(endpoint_, request.method, request.target, Stall::no_answer, answer_limit);
  };
  std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n",
                                 request.method, request.target);
  if (!request.content_type.empty()) head += fmt::format("Content-Type: {}\r\n", request.content_type);
  head += fmt::format("Content-Length: {}\r\n\r\n", request.body.size());
  DLENV_TRY_VOID(connection->send_until(head + request.body, deadline, on_deadline));

  // Read the response head; whatever follows it already belongs to the stream.
  std::string received;
  size_t head_end = std::string::npos;
  char buffer[4096];
  while ((head_end = received.find("\r\n\r\n")) == std::string::npos) {
    if (received.size() > kMaxResponseHead) {
      return fail(ErrorCode::engine_api, "the container engine sent an oversized response head");
    }
    auto got = DLENV_TRY(connection->receive(buffer, sizeof buffer));
    if (!got) {
      DLENV_TRY_VOID(wait_for(connection->socket_fd(), POLLIN, endpoint_, deadline, on_deadline));
      continue;
    }
    if (*got == 0) {
      return fail(Error(ErrorCode::engine_api,
                        fmt::format("the container engine at {} closed the connection during {} {}",
                                    endpoint_.describe(), request.method, request.target))
                      .retry());
    }
    received.append(buffer, *got);
  }
  const ResponseHead parsed = parse_response_head(std::string_view(received).substr(0, head_end));
  std::string rest = received.substr(head_end + 4);
  if (parsed.status == 101 || parsed.status == 200) {
    connection->set_buffered(std::move(rest));
    return std::unique_ptr<RawConnection>(std::move(connection));
  }

  // Rejected: collect the (small) error body for the caller's message.
  rejected = HttpResponse{parsed.status, std::move(rest), parsed.content_type, {}};
  while (rejected.body.size() < kMaxRejectedBody &&
         (!parsed.content_length || rejected.body.size() < *parsed.content_length)) {
    auto got = DLENV_TRY(connection->receive(buffer, sizeof buffer));
    if (!got) {
      DLENV_TRY_VOID(wait_for(connection->socket_fd(), POLLIN, endpoint_, deadline, on_deadline));
      continue;
    }
    if (*got == 0) break;
    rejected.body.append(buffer, *got);
  }
  return std::unique_ptr<RawConnection>();
}

}  // namespace dlenv::engine::detail

namespace dlenv::engine {

double parse_timeout_scale(std::string_view text) {
  const std::string copy(text);
  if (copy.empty()) return 1.0;
  char* end = nullptr;
  const double factor = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || *end != '\0' || !std::isfinite(factor) || factor <= 0) return 1.0;
  return factor;
}

}  // namespace dlenv::engine

namespace dlenv::engine::detail {

milliseconds scaled(milliseconds limit, double scale) {
  if (limit.count() <= 0) return milliseconds(0);
  const double product = static_cast<double>(limit.count()) * scale;
  constexpr double kLongest = 1e12;  // about 30 years: "no practical limit", and no overflow
  return milliseconds(std::max<int64_t>(1, static_cast<int64_t>(std::llround(std::min(product, kLongest)))));
}

std::string describe_duration(milliseconds duration) {
  const auto ms = duration.count();
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms < 120'000) {
    const double seconds = std::round(static_cast<double>(ms) / 100.0) / 10.0;
    return fmt::format("{:g} s", seconds);
  }
  const double minutes = std::round(static_cast<double>(ms) / 6000.0) / 10.0;
  return fmt::format("{:g} min", minutes);
}

std::string describe_call(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  // "/v1.41/containers/json" -> "/containers/json"
  if (path.size() > 2 && path[0] == '/' && path[1] == 'v') {
    const size_t next = path.find('/', 1);
    const std::string_view version = path.substr(2, next == std::string_view::npos ? path.size() : next - 2);
    if (!version.empty() && version.find_first_not_of("0123456789.") == std::string_view::npos && next != std::string_view::npos)
      path.remove_prefix(next);
  }
  return fmt::format("{} {}", method, path);
}

std::string url_encode(std::string_view text, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Error unreachable_error(const Endpoint& endpoint, const std::string& reason, int os_errno) {
  std::string why = reason;
  bool retryable = false;
  const bool podman = endpoint.unix_socket.find("podman") != std::string::npos;
  std::string hint = podman ? "start Podman's API service (`systemctl --user start podman.socket`, or "
                              "`sudo systemctl start podman.socket`) or set DOCKER_HOST to the engine's socket"
                            : "start the Docker daemon (`sudo systemctl start docker`, or `sudo dockerd &`) "
                              "or set DOCKER_HOST to the engine's socket";
  if (os_errno == EACCES || os_errno == EPERM) {
    why = "permission denied";
    hint = "run dlenv with sudo, or add your user to the `docker` group "
           "(`sudo usermod -aG docker $USER`, then log in again)";
  } else if (os_errno == ENOENT && !endpoint.unix_socket.empty()) {
    why = "the socket does not exist";
  } else if (os_errno == ECONNREFUSED) {
    why = "connection refused";
    retryable = true;
  } else if (os_errno == ETIMEDOUT || os_errno == EAGAIN) {
    why = "timed out";
    retryable = true;
  }
  return Error(ErrorCode::engine_unavailable,
               fmt::format("cannot reach the container engine at {}: {}", endpoint.describe(), why), hint)
      .retry(retryable);
}

}  // namespace dlenv::engine::detail
