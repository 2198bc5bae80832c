#pragma once
// Run a program without a shell, with an optional timeout, capturing its output.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace dlenv {

struct SubprocessResult {
  int exit_code = -1;      // exit status, or 128+signal when killed by a signal
  bool timed_out = false;
  std::string out;         // stdout (only when captured)
  std::string err;         // stderr (only when captured)
};

struct SubprocessOptions {
  std::optional<std::chrono::milliseconds> timeout;
  bool capture_stdout = true;
  bool capture_stderr = true;
  std::string stdin_data;                       // written to the child's stdin, then closed
  std::optional<std::string> stdout_file;       // redirect stdout to this file instead
  std::function<void(std::string_view line)> on_stderr_line;  // streaming stderr, if set
  std::vector<std::string> extra_env;           // "KEY=VALUE" added to the environment
  // When dlenv acts with a sudo user's rights (util/user_rights.hpp), programs run as that
  // user; `keep_root` keeps root for the few that need it (mmdebstrap).
  bool keep_root = false;
};

// Fails only when the program cannot be started; a non-zero exit is a value. When
// dlenv::interrupted() becomes true the child is terminated and its exit status returned.
Result<SubprocessResult> run_process(const std::vector<std::string>& argv,
                                     const SubprocessOptions& options = {});

// Replaces this process with argv (PATH is searched), as the user whose rights dlenv acts
// with, if any. Returns only on failure.
Error exec_process(const std::vector<std::string>& argv);

// Finds a program on PATH.
std::optional<std::string> find_program(const std::string& name);

}  // namespace dlenv
