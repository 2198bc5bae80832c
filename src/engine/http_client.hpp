#pragma once
// Internal to the engine layer: HTTP/1.1 to the container engine over a unix socket or TCP
// (libcurl behind this interface; no curl type leaks out). Every transfer is aborted when
// dlenv::interrupted() becomes true (ErrorCode::interrupted), and when one of its limits
// passes (ErrorCode::engine_api, the message naming the call and the limit). The limits are
// multiplied by the endpoint's timeout_scale (the engine_timeout_scale setting).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.hpp"
#include "util/error.hpp"

namespace dlenv::engine::detail {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query string, e.g. "/v1.41/containers/json?all=1"
  std::string body;    // sent when non-empty (or when method is POST)
  std::string content_type;                       // for `body` / `body_file`
  std::optional<std::filesystem::path> body_file;  // streamed from disk instead of `body`
  // Limits (0: none), each multiplied by the endpoint's timeout_scale when the request is sent:
  std::chrono::milliseconds timeout{0};         // the whole exchange
  std::chrono::milliseconds answer_timeout{0};  // until the response head has arrived
  std::chrono::milliseconds idle_timeout{0};    // the longest stretch with no byte sent or received

  static HttpRequest get(std::string target) { return with("GET", std::move(target)); }
  static HttpRequest del(std::string target) { return with("DELETE", std::move(target)); }
  static HttpRequest post(std::string target, std::string body = {}, std::string content_type = {}) {
    HttpRequest request = with("POST", std::move(target));
    request.body = std::move(body);
    request.content_type = std::move(content_type);
    return request;
  }

 private:
  static HttpRequest with(std::string method, std::string target) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    return request;
  }
};

struct HttpResponse {
  long status = 0;
  std::string body;          // whole body; for stream(): only when status is not 2xx
  std::string content_type;
  std::string api_version;   // the engine's "Api-Version" header, when it sent one
  bool ok() const { return status >= 200 && status < 300; }
};

// Receives the body of a 2xx response as it arrives.
using ChunkFn = std::function<void(std::string_view chunk)>;

// A connection the engine took over after an upgrade (exec/attach): raw bytes both ways.
class RawConnection {
 public:
  virtual ~RawConnection() = default;
  virtual int socket_fd() const = 0;
  // Bytes already received after the response head.
  virtual std::string take_buffered() = 0;
  // Reads what is available: 0 bytes means the peer closed; nullopt means try again later.
  virtual Result<std::optional<size_t>> receive(char* buffer, size_t size) = 0;
  virtual Status send_all(std::string_view data) = 0;
  // Half-close: the engine sees end of input, the read side stays open.
  virtual void shutdown_write() = 0;
};

class HttpClient {
 public:
  explicit HttpClient(Endpoint endpoint);

  const Endpoint& endpoint() const { return endpoint_; }
  void set_timeout_scale(double scale) { endpoint_.timeout_scale = scale; }

  // The whole response in memory. Transport failures are errors; HTTP statuses are values.
  Result<HttpResponse> send(const HttpRequest& request) const;
  // 2xx bodies go to `on_chunk` as they arrive; other statuses are buffered in the response.
  Result<HttpResponse> stream(const HttpRequest& request, const ChunkFn& on_chunk) const;
  // Sends `request` with "Connection: Upgrade" and returns the raw connection once the engine
  // answers 101 or 200. Other statuses are returned as an HttpResponse in the error branch's
  // place: `rejected` is filled and the result holds nullptr.
  Result<std::unique_ptr<RawConnection>> upgrade(const HttpRequest& request,
                                                 HttpResponse& rejected) const;

 private:
  Endpoint endpoint_;
};

// Percent-encodes everything except RFC 3986 unreserved characters (and `keep`).
std::string url_encode(std::string_view text, std::string_view keep = {});

// `limit` times `scale`, at least 1 ms (0 stays 0: no limit).
std::chrono::milliseconds scaled(std::chrono::milliseconds limit, double scale);
// "3 s", "1.5 s", "10 min", "250 ms".
std::string describe_duration(std::chrono::milliseconds duration);
// "GET /containers/x/json": the method and the path without the API version and the query.
std::string describe_call(std::string_view method, std::string_view target);

// libcurl's global initialisation, once per process (plain HTTP only, no TLS).
void ensure_curl_initialized();

// Error for a transport failure reaching the engine at `endpoint` (shared with exec_attached).
Error unreachable_error(const Endpoint& endpoint, const std::string& reason, int os_errno);

}  // namespace dlenv::engine::detail
