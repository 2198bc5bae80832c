#pragma once
// An exclusive advisory lock on a file (flock), held for the object's lifetime. Serializes
// work between dlenv processes; released by the kernel if the process dies.
#include <filesystem>

#include "util/error.hpp"

namespace dlenv {

class FileLock {
 public:
  // Blocks until the lock is held, polling dlenv::interrupted() (interrupted error on Ctrl-C).
  // Creates the file (mode 0600) when missing.
  static Result<FileLock> acquire(const std::filesystem::path& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace dlenv
