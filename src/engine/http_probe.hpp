#pragma once
// Plain HTTP GET against a service the engine published (Jupyter's /api/status), used to
// wait until it answers. Returns the HTTP status; io error when nothing answers.
#include <chrono>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace dlenv::engine {

Result<int> http_get_status(const std::string& url, const std::vector<std::string>& headers,
                            std::chrono::milliseconds timeout);

}  // namespace dlenv::engine
