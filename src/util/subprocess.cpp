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
#include <utility>

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

// A file descriptor, closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
  static Result<Pipe> make() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return fail(ErrorCode::io, fmt::format("pipe failed: {}", std::strerror(errno)), "the system may be out of file descriptors");
    Pipe p;
    p.read.reset(fds[0]);
    p.write.reset(fds[1]);
    return p;
  }
};

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

namespace {

// The pipes of one child: stdin, stdout, stderr, and the one its exec error comes back on.
struct ChildPipes {
  Pipe in, out, err, exec_error;
};

// Forks the child and makes it `program` with its descriptors in place; returns its pid once
// it is the program. The child's exec errno comes back on exec_error (which closes on a
// successful exec: CLOEXEC), and becomes this error.
Result<pid_t> start_child(const std::string& program, std::vector<char*>& cargv, std::vector<char*>& cenv, ChildPipes& p,
                          Fd& out_file, const SubprocessOptions& options) {
  const bool want_err = options.capture_stderr || options.on_stderr_line;
  pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::io, fmt::format("fork failed: {}", std::strerror(errno)), "the system may be out of processes or memory");
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(p.in.read.get(), 0);
    if (out_file.get() >= 0) ::dup2(out_file.get(), 1);
    else if (options.capture_stdout) ::dup2(p.out.write.get(), 1);
    if (want_err) ::dup2(p.err.write.get(), 2);
    ::signal(SIGPIPE, SIG_DFL);
    if (options.keep_root || become_acting_user()) ::execve(program.c_str(), cargv.data(), cenv.data());
    int e = errno;
    (void)!::write(p.exec_error.write.get(), &e, sizeof e);
    ::_exit(127);
  }
  p.in.read.reset();
  p.out.write.reset();
  p.err.write.reset();
  p.exec_error.write.reset();
  out_file.reset();
  int exec_errno = 0;
  ssize_t got;
  while ((got = ::read(p.exec_error.read.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof exec_errno)) return pid;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return fail(ErrorCode::io, fmt::format("could not run '{}': {}", program, std::strerror(exec_errno)),
              fmt::format("check that {} is a program you may run", program));
}

// Writes small inputs to the child's stdin, then closes it.
void feed_stdin(Pipe& in, const std::string& data) {
  if (!data.empty()) {
    ::signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(in.write.get(), data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  in.write.reset();
}

// Hands what the child wrote to stderr on, line by line.
void on_stderr_chunk(const SubprocessOptions& options, std::string_view chunk, SubprocessResult& result, std::string& line_buf) {
  if (options.capture_stderr) result.err.append(chunk);
  if (!options.on_stderr_line) return;
  line_buf.append(chunk);
  size_t nl;
  while ((nl = line_buf.find('\n')) != std::string::npos) {
    options.on_stderr_line(std::string_view(line_buf).substr(0, nl));
    line_buf.erase(0, nl + 1);
  }
}

// Reads the child's output until it closes both streams, the timeout passes (SIGKILL) or
// Ctrl-C (SIGTERM to its process group).
SubprocessResult collect_output(pid_t pid, ChildPipes& p, const SubprocessOptions& options) {
  SubprocessResult result;
  std::string err_line_buf;
  auto deadline = options.timeout ? std::optional(std::chrono::steady_clock::now() + *options.timeout) : std::nullopt;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{p.out.read.get(), POLLIN, 0}, {p.err.read.get(), POLLIN, 0}};
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
      if (i == 0) result.out.append(buf, static_cast<size_t>(n));
      else on_stderr_chunk(options, std::string_view(buf, static_cast<size_t>(n)), result, err_line_buf);
    }
  }
  if (options.on_stderr_line && !err_line_buf.empty()) options.on_stderr_line(err_line_buf);
  p.out.read.reset();
  p.err.read.reset();
  return result;
}

}  // namespace

Result<SubprocessResult> run_process(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  if (argv.empty()) return fail(ErrorCode::internal, "run_process: empty argv");
  auto program = find_program(argv[0]);
  if (!program)
    return fail(ErrorCode::io, fmt::format("program '{}' was not found on PATH", argv[0]),
                fmt::format("install {} or add it to PATH", argv[0]));

  // Every descriptor is closed on every way out (Fd and Pipe close themselves).
  ChildPipes pipes{DLENV_TRY(Pipe::make()), DLENV_TRY(Pipe::make()), DLENV_TRY(Pipe::make()), DLENV_TRY(Pipe::make())};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& kv : options.extra_env) env_strings.push_back(kv);
  auto cargv = to_cargv(argv);
  auto cenv = to_cargv(env_strings);

  Fd out_file;
  if (options.stdout_file) {
    out_file.reset(::open(options.stdout_file->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (out_file.get() < 0)
      return fail(ErrorCode::io, fmt::format("cannot write {}: {}", *options.stdout_file, std::strerror(errno)),
                  "check that its folder exists and is writable");
  }
  const pid_t pid = DLENV_TRY(start_child(*program, cargv, cenv, pipes, out_file, options));
  feed_stdin(pipes.in, options.stdin_data);
  SubprocessResult result = collect_output(pid, pipes, options);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;  // 127 from the program itself is its exit code, with its stderr
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
