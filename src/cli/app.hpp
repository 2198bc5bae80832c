#pragma once
// The dlenv command line: parses, calls one ops use case, prints its result (human or --json),
// and maps errors to exit codes (see exit_codes.hpp).
namespace dlenv::cli {

int run(int argc, char** argv);

}  // namespace dlenv::cli
