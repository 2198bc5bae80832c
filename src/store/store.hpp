#pragma once
// dlenv's state: a SQLite cache of what the engine's labels say, plus port leases.
// WAL mode, a busy timeout, and BEGIN IMMEDIATE for every write, so concurrent dlenv
// processes serialize instead of failing. Losing the file loses nothing: `ls` rebuilds it
// from container labels (see replace_from_engine).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace dlenv::store {

// An environment's identity is its key: "<absolute project dir>#<env name>".
struct EnvRecord {
  std::string key;
  std::string project;         // absolute project dir
  std::string name;            // env name
  std::string container_name;  // engine container name
  std::string container_id;    // may be empty while creating
  std::string image;           // image tag it runs
  std::string spec_hash;
  std::string state;           // "creating", "running", "stopped", ...
  int64_t updated_at = 0;      // unix seconds
};

struct PortLease {
  int port = 0;
  std::string env_key;
  std::string service;  // "jupyter", "ssh", ...
};

struct PortRange {
  int first = 0;
  int last = 0;  // inclusive
};

class Store {
 public:
  // Opens (creating if needed, mode 0600, parent dirs 0700) the database at `path`.
  // `busy_timeout` is how long an operation waits for another process's lock before failing
  // with a retryable ErrorCode::store. One Store per process: never use it across fork().
  // A file that is damaged or not a database at all (found by opening it and a quick
  // integrity check) is moved aside, with its -wal and -shm files, to
  // "<path>.corrupt-<UTC time, 20261201T120000Z>" and a new database takes its place;
  // moved_aside() then names the kept file, so the caller can say so once.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                             std::chrono::milliseconds busy_timeout = std::chrono::seconds(10));
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Where open() moved a corrupt database; empty when it did not.
  const std::optional<std::filesystem::path>& moved_aside() const;

  // The port leased to (env_key, service), taking the lowest free one in `range` when there
  // is none yet. A port is free when no lease holds it and `usable(port)` says yes (the
  // caller checks the engine's published ports and a test bind). Atomic across processes.
  Result<int> lease_port(const std::string& env_key, const std::string& service, PortRange range,
                         const std::function<bool(int)>& usable);
  // Moves (env_key, service) off `bad_port` (which someone else turned out to hold) onto the
  // next free port. The bad port is remembered as blocked for a while. When the lease has
  // already moved off `bad_port` (another process replaced it), returns the current port.
  Result<int> replace_port(const std::string& env_key, const std::string& service, int bad_port,
                           PortRange range, const std::function<bool(int)>& usable);
  Result<std::vector<PortLease>> ports_of(const std::string& env_key);
  Result<std::vector<PortLease>> all_ports();
  Status release_ports(const std::string& env_key);
  // Records a lease that already exists on the engine (rebuilding from labels).
  Status adopt_port(const PortLease& lease);

  Status put_env(const EnvRecord& record);  // insert or replace by key
  Result<std::optional<EnvRecord>> get_env(const std::string& key);
  Result<std::vector<EnvRecord>> list_envs();
  Status remove_env(const std::string& key);  // also releases its ports

  // Appends to the history table (action: "up", "down", "rm", ...).
  Status record_history(const std::string& env_key, const std::string& action, const std::string& detail);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dlenv::store
