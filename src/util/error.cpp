#include "util/error.hpp"

#include <fmt/format.h>

namespace dlenv {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::usage: return "usage";
    case ErrorCode::config: return "config";
    case ErrorCode::incompatible: return "incompatible";
    case ErrorCode::engine_unavailable: return "engine_unavailable";
    case ErrorCode::engine_api: return "engine_api";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::store: return "store";
    case ErrorCode::io: return "io";
    case ErrorCode::interrupted: return "interrupted";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

std::string Error::describe() const {
  std::string out;
  if (where) out = fmt::format("{}:{}:{}: ", where->file, where->line, where->column);
  out += message;
  for (const auto& frame : context) out += fmt::format("\n  {}", frame);
  return out;
}

}  // namespace dlenv
