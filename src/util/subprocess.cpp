#include "util/subprocess.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "util/interrupt.hpp"
#include "util/user_rights.hpp"

extern char** environ;

namespace dlenv {
namespace {

std::vector<char*> to_cargv(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Drops root for the user dlenv acts for (all of uid, gid and groups), when it does.
bool become_acting_user() {
  const UserRights* rights = acting_rights();
  if (!rights) return true;
  return ::setgroups(rights->groups.size(), rights->groups.data()) == 0 && ::setgid(rights->gid) == 0 &&
         ::setuid(rights->uid) == 0;
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      struct stat st{};
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
        return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Result<SubprocessResult> run_process(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  if (argv.empty()) return fail(ErrorCode::internal, "run_process: empty argv");
  auto program = find_program(argv[0]);
  if (!program)
    return fail(ErrorCode::io, fmt::format("program '{}' was not found on PATH", argv[0]),
                fmt::format("install {} or add it to PATH", argv[0]));

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    return fail(ErrorCode::io, fmt::format("pipe failed: {}", std::strerror(errno)));

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& kv : options.extra_env) env_strings.push_back(kv);
  auto cargv = to_cargv(argv);
  auto cenv = to_cargv(env_strings);

  int out_fd_file = -1;
  if (options.stdout_file) {
    out_fd_file = ::open(options.stdout_file->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd_file < 0)
      return fail(ErrorCode::io, fmt::format("cannot write {}: {}", *options.stdout_file, std::strerror(errno)));
  }
  bool want_err = options.capture_stderr || options.on_stderr_line;

  pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::io, fmt::format("fork failed: {}", std::strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in_pipe[0], 0);
    if (out_fd_file >= 0) ::dup2(out_fd_file, 1);
    else if (options.capture_stdout) ::dup2(out_pipe[1], 1);
    if (want_err) ::dup2(err_pipe[1], 2);
    ::signal(SIGPIPE, SIG_DFL);
    if (!options.keep_root && !become_acting_user()) ::_exit(126);
    ::execve(program->c_str(), cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (out_fd_file >= 0) ::close(out_fd_file);

  // Feed stdin (small inputs) and close it.
  if (!options.stdin_data.empty()) {
    ::signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < options.stdin_data.size()) {
      ssize_t n = ::write(in_pipe[1], options.stdin_data.data() + off, options.stdin_data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  ::close(in_pipe[1]);

  SubprocessResult result;
  std::string err_line_buf;
  auto deadline = options.timeout ? std::optional(std::chrono::steady_clock::now() + *options.timeout) : std::nullopt;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int wait_ms = 200;  // wake up to notice Ctrl-C
    if (interrupted()) {
      ::kill(-pid, SIGTERM);
      break;
    }
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        break;
      }
      wait_ms = std::min<int>(wait_ms, static_cast<int>(left.count()));
    }
    if (!out_open) fds[0].fd = -1;
    if (!err_open) fds[1].fd = -1;
    int r = ::poll(fds, 2, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[8192];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      if (i == 0) {
        result.out.append(buf, static_cast<size_t>(n));
      } else {
        if (options.capture_stderr) result.err.append(buf, static_cast<size_t>(n));
        if (options.on_stderr_line) {
          err_line_buf.append(buf, static_cast<size_t>(n));
          size_t nl;
          while ((nl = err_line_buf.find('\n')) != std::string::npos) {
            options.on_stderr_line(std::string_view(err_line_buf).substr(0, nl));
            err_line_buf.erase(0, nl + 1);
          }
        }
      }
    }
  }
  if (options.on_stderr_line && !err_line_buf.empty()) options.on_stderr_line(err_line_buf);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  if (result.exit_code == 127 && !result.timed_out && result.out.empty())
    return fail(ErrorCode::io, fmt::format("could not start '{}'", argv[0]));
  return result;
}

Error exec_process(const std::vector<std::string>& argv) {
  auto cargv = to_cargv(argv);
  if (!become_acting_user())
    return Error(ErrorCode::io, fmt::format("could not take the rights of uid {} to run '{}': {}", acting_rights()->uid,
                                            argv.empty() ? "" : argv[0], std::strerror(errno)));
  ::execvp(cargv[0], cargv.data());
  return Error(ErrorCode::io, fmt::format("could not run '{}': {}", argv.empty() ? "" : argv[0], std::strerror(errno)));
}

}  // namespace dlenv
