#pragma once
// An exclusive advisory lock on a file (flock), held for the object's lifetime. Serializes
// work between dlenv processes; released by the kernel if the process dies.
#include <filesystem>

#include "util/error.hpp"

namespace dlenv {

class FileLock {
 public:
  // Blocks until the lock is held, polling dlenv::interrupted() (interrupted error on Ctrl-C).
  // Creates the file (mode 0600) when missing. The lock held is always the one at `path`
  // now: a waiter whose file was removed meanwhile (remove_file) tries again.
  static Result<FileLock> acquire(const std::filesystem::path& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  // Removes the lock file while holding it (nothing is left behind); later acquirers make
  // a new one.
  void remove_file();
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  FileLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace dlenv
