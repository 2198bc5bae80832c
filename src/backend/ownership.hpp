#pragma once
// Files dlenv creates for the user belong to the user, also when dlenv runs through sudo.
#include <filesystem>
#include <optional>
#include <sys/types.h>
#include <utility>

#include "host/host_facts.hpp"

namespace dlenv::backend {

// The (uid, gid) to chown new files to: set only when running as root for someone else.
std::optional<std::pair<uid_t, gid_t>> owner_of(const host::UserIdentity& user);

// chowns `path` (and, for the db, its -wal/-shm siblings) to the user when owner_of() says so.
void chown_to_user(const std::filesystem::path& path, const host::UserIdentity& user);

}  // namespace dlenv::backend
