#pragma once
// The one table from error codes to process exit codes.
#include "util/error.hpp"

namespace dlenv::cli {

int exit_code_for(ErrorCode code);

}  // namespace dlenv::cli
