#include "util/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "util/interrupt.hpp"
#include "util/poll.hpp"

namespace dlenv {

namespace {

// True when `fd` is the file that `path` names now (it was not removed or replaced).
bool still_at_path(int fd, const std::filesystem::path& path) {
  struct stat held {}, named {};
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::filesystem::path& path) {
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      int e = errno;
      return fail(ErrorCode::io, fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(e)),
                  e == EACCES ? fmt::format("{} must be writable by you; check who owns it (ls -ld {})",
                                            path.parent_path().string(), path.parent_path().string())
                              : "check the dlenv state directory (DLENV_HOME) and free disk space");
    }
    // Another dlenv holds it: wait (Ctrl-C ends the wait).
    auto locked = poll_until(kNoLimit, {std::chrono::milliseconds(50), std::chrono::milliseconds(50)}, [&]() -> Result<Poll> {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return Poll::done;
      const int e = errno;
      if (e != EWOULDBLOCK && e != EINTR)
        return fail(ErrorCode::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(e)),
                    "check that the dlenv state directory is on a local file system");
      if (interrupted()) return fail(ErrorCode::interrupted, "interrupted while waiting for another dlenv", "run the command again");
      return Poll::again;
    });
    if (!locked) {
      ::close(fd);
      return fail(std::move(locked.error()));
    }
    if (still_at_path(fd, path)) return FileLock(fd, path);
    ::close(fd);  // the holder removed it: lock the file that is there now
  }
}

void FileLock::remove_file() {
  if (fd_ >= 0) ::unlink(path_.c_str());
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace dlenv
