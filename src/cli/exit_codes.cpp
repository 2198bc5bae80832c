#include "cli/exit_codes.hpp"

namespace dlenv::cli {

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::usage: return 2;
    case ErrorCode::config: return 3;
    case ErrorCode::incompatible: return 4;
    case ErrorCode::engine_unavailable: return 5;
    case ErrorCode::engine_api: return 6;
    case ErrorCode::not_found: return 7;
    case ErrorCode::conflict: return 8;
    case ErrorCode::store: return 9;
    case ErrorCode::io: return 10;
    case ErrorCode::interrupted: return 130;
    case ErrorCode::internal: return 70;
  }
  return 70;
}

}  // namespace dlenv::cli
