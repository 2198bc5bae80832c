#include "engine/http_probe.hpp"

#include "engine/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

namespace dlenv::engine {
namespace {

size_t discard_body(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

Result<int> http_get_status(const std::string& url, const std::vector<std::string>& headers,
                            std::chrono::milliseconds timeout) {
  detail::ensure_curl_initialized();

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return fail(ErrorCode::internal, "cannot create an HTTP handle (curl_easy_init failed)");
  curl_slist* header_list = nullptr;
  for (const auto& header : headers) header_list = curl_slist_append(header_list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(header_list, curl_slist_free_all);

  char error_buffer[CURL_ERROR_SIZE] = {};
  const long timeout_ms = std::max<long>(1, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    const std::string reason = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    return fail(Error(ErrorCode::io, fmt::format("nothing answers at {}: {}", url, reason)).retry());
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

}  // namespace dlenv::engine
