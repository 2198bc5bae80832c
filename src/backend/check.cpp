#include "backend/check.hpp"

namespace dlenv::backend {

std::string_view to_string(Check::Status status) {
  switch (status) {
    case Check::Status::ok: return "ok";
    case Check::Status::warn: return "warn";
    case Check::Status::fail: return "fail";
    case Check::Status::skip: return "skip";
  }
  return "skip";
}

}  // namespace dlenv::backend
