#include "store/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "store/sqlite_db.hpp"
#include "util/poll.hpp"
#include "util/files.hpp"

namespace dlenv::store {

using detail::Database;
using detail::Failure;
using detail::Statement;
using detail::Transaction;

namespace {

// How long a port that someone outside dlenv turned out to hold is skipped.
constexpr int64_t kBlockSeconds = 10 * 60;

// Schema steps; PRAGMA user_version holds how many have run. Append, never edit.
constexpr std::array<std::string_view, 1> kMigrations = {
    R"sql(
      CREATE TABLE IF NOT EXISTS envs(
        key            TEXT PRIMARY KEY,
        project        TEXT NOT NULL,
        name           TEXT NOT NULL,
        container_name TEXT NOT NULL,
        container_id   TEXT NOT NULL DEFAULT '',
        image          TEXT NOT NULL DEFAULT '',
        spec_hash      TEXT NOT NULL DEFAULT '',
        state          TEXT NOT NULL,
        updated_at     INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS port_leases(
        port      INTEGER PRIMARY KEY,
        env_key   TEXT NOT NULL,
        service   TEXT NOT NULL,
        leased_at INTEGER NOT NULL,
        UNIQUE(env_key, service)
      );
      CREATE TABLE IF NOT EXISTS blocked_ports(
        port  INTEGER PRIMARY KEY,
        until INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS history(
        id      INTEGER PRIMARY KEY,
        env_key TEXT NOT NULL,
        action  TEXT NOT NULL,
        detail  TEXT NOT NULL,
        at      INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS history_by_env ON history(env_key, at);
    )sql",
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Creates the file with mode 0600 before SQLite sees it (SQLite would use 0644), and
// tightens an existing file that is more open than that.
Status create_private_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int e = errno;
    return fail(ErrorCode::store,
                fmt::format("cannot open the state database {}: {}", path.string(), std::strerror(e)),
                e == EACCES || e == EPERM || e == EROFS
                    ? "check the file's owner and mode (it may have been created through sudo) and that the "
                      "filesystem is writable"
                : e == ENOSPC || e == EDQUOT
                    ? fmt::format("the filesystem holding {0} is full (or over quota): free some space there "
                                  "(see df -h {0}) and run the command again",
                                  path.has_parent_path() ? path.parent_path().string() : std::string("."))
                    : "check that the directory is writable");
  }
  struct stat st{};
  bool private_enough = ::fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600;
  if (!private_enough && ::fchmod(fd, 0600) != 0) {
    int e = errno;
    ::close(fd);
    return fail(ErrorCode::store,
                fmt::format("cannot make the state database {} private (mode 0600): {}", path.string(),
                            std::strerror(e)),
                "check the file's owner (it may have been created through sudo)");
  }
  ::close(fd);
  return {};
}

Status check_range(PortRange range) {
  if (range.first < 1 || range.last > 65535 || range.first > range.last) {
    return fail(ErrorCode::config, fmt::format("invalid port range {}-{}", range.first, range.last),
                "set DLENV_PORT_RANGE=FIRST-LAST with 1 <= FIRST <= LAST <= 65535");
  }
  return {};
}

Result<int64_t> read_user_version(Database& db) {
  auto query = DLENV_TRY(db.prepare("PRAGMA user_version", "read the schema version"));
  if (!DLENV_TRY(query.step())) return 0;
  return query.int_at(0);
}

Result<std::string> switch_to_wal(Database& db) {
  auto wal = DLENV_TRY(db.prepare("PRAGMA journal_mode=WAL", "switch to WAL mode"));
  return DLENV_TRY(wal.step()) ? wal.text_at(0) : std::string();
}

// Per-connection settings plus WAL, which is persistent in the file.
Status configure(Database& db, std::chrono::milliseconds busy_timeout) {
  // Switching a new file to WAL needs an exclusive lock, and when several processes try at
  // once SQLite answers SQLITE_BUSY at once instead of calling the busy handler (it would
  // deadlock). So retry here, with jittered backoff, until the busy timeout.
  Result<std::string> mode = switch_to_wal(db);
  DLENV_TRY(poll_until(busy_timeout, {std::chrono::milliseconds(2), std::chrono::milliseconds(64), true}, [&]() -> Result<Poll> {
    if (mode || !mode.error().retryable) return Poll::done;
    mode = switch_to_wal(db);
    return Poll::again;
  }));
  if (!mode) return fail(std::move(mode).error());
  if (*mode != "wal") {
    return fail(ErrorCode::store,
                fmt::format("the state database {} cannot use WAL mode (journal mode is '{}')",
                            db.path().string(), *mode),
                "keep it on a local filesystem that supports shared memory (not NFS)");
  }
  DLENV_TRY_VOID(db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", "configure the connection"));
  return {};
}

// Brings the schema up to date. Concurrent first opens serialize on BEGIN IMMEDIATE and
// re-read the version inside it, so each step runs exactly once.
Status migrate(Database& db) {
  constexpr int64_t latest = static_cast<int64_t>(kMigrations.size());
  int64_t version = DLENV_TRY(read_user_version(db));
  if (version == latest) return {};
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, "create the schema"));
  version = DLENV_TRY(read_user_version(db));
  if (version > latest) {
    return fail(ErrorCode::store,
                fmt::format("the state database {} has schema version {}, newer than this dlenv knows ({})",
                            db.path().string(), version, latest),
                fmt::format("upgrade dlenv, or move {} aside (it is only a cache, rebuilt from the engine's "
                            "container labels)",
                            db.path().string()));
  }
  for (int64_t step = version; step < latest; ++step) {
    DLENV_TRY_VOID(db.exec(kMigrations[static_cast<size_t>(step)], "create the schema"));
  }
  DLENV_TRY_VOID(db.exec(fmt::format("PRAGMA user_version={}", latest), "create the schema"));
  return tx.commit();
}

// Reads every page's structure once, so a damaged file is found at open rather than by the
// first query that happens to touch the bad page. The database is small: this is cheap.
Status check_integrity(Database& db) {
  auto check = DLENV_TRY(db.prepare("PRAGMA quick_check(1)", "check the database's integrity"));
  std::string verdict = DLENV_TRY(check.step()) ? check.text_at(0) : std::string("no answer");
  if (verdict == "ok") return {};
  return fail(db.damaged(verdict, "check the database's integrity"));
}

// What went wrong with opening, beyond the error.
struct OpenOutcome {
  bool corrupt = false;  // the file is damaged or not a database
  bool moved = false;    // the file at the path was replaced while we opened it
};

// Creates (mode 0600) and opens `path`, then configures, checks and migrates it.
Result<std::unique_ptr<Database>> open_database(const std::filesystem::path& path,
                                                std::chrono::milliseconds busy_timeout, OpenOutcome& outcome) {
  outcome = {};
  DLENV_TRY_VOID(create_private_file(path));
  auto opened = Database::open(path, busy_timeout);
  if (!opened) return fail(std::move(opened).error());
  auto db = std::move(*opened);
  Status ready = configure(*db, busy_timeout);
  if (ready) ready = check_integrity(*db);
  if (ready) ready = migrate(*db);
  // A connection to a file that has just been moved aside would share the new file's WAL
  // and fail, or worse, checkpoint into the old file: the caller opens the new one instead.
  outcome.moved = db->has_moved();
  if (!ready) {
    outcome.corrupt = db->last_failure() == Failure::corrupt;
    return fail(std::move(ready).error());
  }
  return db;
}

// An exclusive flock on the database's directory (no lock file to leave behind or to be
// owned by root after a sudo run), held while a damaged database is replaced.
class DirectoryLock {
 public:
  static Result<DirectoryLock> acquire(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd >= 0 && ::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fd = -1;
    }
    if (fd < 0) {
      return fail(ErrorCode::store, fmt::format("cannot lock {} to replace the damaged state database there: {}",
                                                dir.string(), std::strerror(errno)),
                  fmt::format("check the permissions of {}", dir.string()));
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// "20261201T120000Z"
std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// Renames `path` and its -wal/-shm files to an unused "<path>.corrupt-<stamp>[-n]" and
// returns the new name of the main file.
Result<std::filesystem::path> move_aside(const std::filesystem::path& path) {
  std::string base = path.string() + ".corrupt-" + utc_stamp();
  std::filesystem::path aside = base;
  for (int n = 2; std::filesystem::exists(aside) || std::filesystem::exists(aside.string() + "-wal"); ++n)
    aside = fmt::format("{}-{}", base, n);
  for (std::string_view suffix : {"-wal", "-shm", ""}) {
    std::filesystem::path from = path.string() + std::string(suffix);
    std::filesystem::path to = aside.string() + std::string(suffix);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      int e = errno;
      return fail(ErrorCode::store,
                  fmt::format("the state database {} is damaged, and moving {} aside to {} failed: {}",
                              path.string(), from.string(), to.string(), std::strerror(e)),
                  e == ENOSPC || e == EDQUOT
                      ? "the filesystem is full: free some space there and run the command again"
                      : fmt::format("it is only a cache, rebuilt from the engine's container labels: check the "
                                    "permissions of {}, or remove the file, and run the command again",
                                    path.parent_path().string()));
    }
  }
  return aside;
}

Result<std::optional<int>> find_lease(Database& db, const std::string& env_key, const std::string& service,
                                      std::string_view doing) {
  auto query = DLENV_TRY(db.prepare("SELECT port FROM port_leases WHERE env_key=?1 AND service=?2", doing));
  query.bind(1, env_key).bind(2, service);
  if (!DLENV_TRY(query.step())) return std::nullopt;
  return static_cast<int>(query.int_at(0));
}

// Runs `sql` with ?1 = range.first, ?2 = range.last and collects the ports it returns.
Result<std::set<int>> ports_in_range(Database& db, std::string_view sql, PortRange range,
                                     std::string_view doing) {
  auto query = DLENV_TRY(db.prepare(sql, doing));
  query.bind(1, int64_t{range.first}).bind(2, int64_t{range.last});
  std::set<int> ports;
  while (DLENV_TRY(query.step())) ports.insert(static_cast<int>(query.int_at(0)));
  return ports;
}

// Inside a write transaction: leases the lowest port in `range` that is neither leased nor
// blocked and that `usable` accepts.
Result<int> take_free_port(Database& db, const std::string& env_key, const std::string& service, PortRange range,
                           const std::function<bool(int)>& usable, std::string_view doing) {
  int64_t now = unix_now();
  auto expire = DLENV_TRY(db.prepare("DELETE FROM blocked_ports WHERE until <= ?1", doing));
  expire.bind(1, now);
  DLENV_TRY_VOID(expire.run());

  // Expired blocks were just deleted, so every remaining one is current.
  auto leased =
      DLENV_TRY(ports_in_range(db, "SELECT port FROM port_leases WHERE port BETWEEN ?1 AND ?2", range, doing));
  auto blocked =
      DLENV_TRY(ports_in_range(db, "SELECT port FROM blocked_ports WHERE port BETWEEN ?1 AND ?2", range, doing));

  int rejected = 0;
  for (int port = range.first; port <= range.last; ++port) {
    if (leased.contains(port) || blocked.contains(port)) continue;
    if (!usable(port)) {
      ++rejected;
      continue;
    }
    auto insert = DLENV_TRY(
        db.prepare("INSERT INTO port_leases(port, env_key, service, leased_at) VALUES(?1, ?2, ?3, ?4)", doing));
    insert.bind(1, int64_t{port}).bind(2, env_key).bind(3, service).bind(4, now);
    DLENV_TRY_VOID(insert.run());
    return port;
  }
  return fail(ErrorCode::conflict,
              fmt::format("no free port in {}-{} for {} of {}: {} leased by dlenv, {} held by other programs "
                          "recently, {} in use now",
                          range.first, range.last, service, env_key, leased.size(), blocked.size(), rejected),
              fmt::format("widen the range with DLENV_PORT_RANGE=FIRST-LAST (now {}-{}), or remove "
                          "environments you no longer need",
                          range.first, range.last));
}

Result<std::vector<PortLease>> read_leases(Statement& query) {
  std::vector<PortLease> leases;
  while (DLENV_TRY(query.step())) {
    leases.push_back(PortLease{static_cast<int>(query.int_at(0)), query.text_at(1), query.text_at(2)});
  }
  return leases;
}

constexpr std::string_view kEnvColumns =
    "key, project, name, container_name, container_id, image, spec_hash, state, updated_at";

EnvRecord read_env(const Statement& row) {
  return EnvRecord{row.text_at(0), row.text_at(1), row.text_at(2), row.text_at(3), row.text_at(4),
                   row.text_at(5), row.text_at(6), row.text_at(7), row.int_at(8)};
}

}  // namespace

struct Store::Impl {
  std::unique_ptr<Database> db;
  pid_t owner_pid = 0;
  std::optional<std::filesystem::path> moved_aside;

  // SQLite connections must not cross fork(): the child has to open its own Store.
  Status check_process() const {
    if (owner_pid == ::getpid()) return {};
    return fail(ErrorCode::internal,
                fmt::format("the state database {} was opened by process {} and used by process {} after fork()",
                            db->path().string(), owner_pid, ::getpid()),
                "open a separate Store in each process");
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout) {
  if (path.has_parent_path()) {
    auto made = make_dirs(path.parent_path(), 0700);
    if (!made) {
      auto error = std::move(made).error();
      if (error.hint.empty()) error.hint = fmt::format("check the permissions of {}", path.parent_path().string());
      return fail(std::move(error).while_("opening the state database " + path.string()));
    }
  }
  OpenOutcome outcome;
  auto db = open_database(path, busy_timeout, outcome);
  std::optional<std::filesystem::path> aside;
  if (outcome.corrupt || outcome.moved) {
    // Only one process moves a damaged file aside, under this lock; the others wait here,
    // then open the new file and find it healthy.
    db = fail(ErrorCode::internal, "closed");  // close this connection before anything moves
    auto lock = DLENV_TRY(DirectoryLock::acquire(path.has_parent_path() ? path.parent_path() : "."));
    db = open_database(path, busy_timeout, outcome);
    if (!db && outcome.corrupt) {
      aside = DLENV_TRY(move_aside(path));
      db = open_database(path, busy_timeout, outcome);
    }
  }
  if (!db) return fail(std::move(db).error());
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->owner_pid = ::getpid();
  impl->moved_aside = std::move(aside);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

const std::optional<std::filesystem::path>& Store::moved_aside() const { return impl_->moved_aside; }

Result<int> Store::lease_port(const std::string& env_key, const std::string& service, PortRange range,
                              const std::function<bool(int)>& usable) {
  DLENV_TRY_VOID(impl_->check_process());
  DLENV_TRY_VOID(check_range(range));
  auto doing = fmt::format("lease a port for {} of {}", service, env_key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));
  auto existing = DLENV_TRY(find_lease(db, env_key, service, doing));
  int port = existing ? *existing : DLENV_TRY(take_free_port(db, env_key, service, range, usable, doing));
  DLENV_TRY_VOID(tx.commit());
  return port;
}

Result<int> Store::replace_port(const std::string& env_key, const std::string& service, int bad_port,
                                PortRange range, const std::function<bool(int)>& usable) {
  DLENV_TRY_VOID(impl_->check_process());
  DLENV_TRY_VOID(check_range(range));
  auto doing = fmt::format("replace port {} for {} of {}", bad_port, service, env_key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));

  auto current = DLENV_TRY(find_lease(db, env_key, service, doing));
  if (current && *current != bad_port) {
    DLENV_TRY_VOID(tx.commit());
    return *current;
  }
  auto block = DLENV_TRY(db.prepare("INSERT OR REPLACE INTO blocked_ports(port, until) VALUES(?1, ?2)", doing));
  block.bind(1, int64_t{bad_port}).bind(2, unix_now() + kBlockSeconds);
  DLENV_TRY_VOID(block.run());
  auto drop = DLENV_TRY(db.prepare("DELETE FROM port_leases WHERE env_key=?1 AND service=?2", doing));
  drop.bind(1, env_key).bind(2, service);
  DLENV_TRY_VOID(drop.run());

  int port = DLENV_TRY(take_free_port(db, env_key, service, range, usable, doing));
  DLENV_TRY_VOID(tx.commit());
  return port;
}

Result<std::vector<PortLease>> Store::ports_of(const std::string& env_key) {
  DLENV_TRY_VOID(impl_->check_process());
  auto query = DLENV_TRY(impl_->db->prepare(
      "SELECT port, env_key, service FROM port_leases WHERE env_key=?1 ORDER BY service", "list ports"));
  query.bind(1, env_key);
  return read_leases(query);
}

Result<std::vector<PortLease>> Store::all_ports() {
  DLENV_TRY_VOID(impl_->check_process());
  auto query =
      DLENV_TRY(impl_->db->prepare("SELECT port, env_key, service FROM port_leases ORDER BY port", "list ports"));
  return read_leases(query);
}

Status Store::release_ports(const std::string& env_key) {
  DLENV_TRY_VOID(impl_->check_process());
  auto doing = fmt::format("release the ports of {}", env_key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));
  auto drop = DLENV_TRY(db.prepare("DELETE FROM port_leases WHERE env_key=?1", doing));
  drop.bind(1, env_key);
  DLENV_TRY_VOID(drop.run());
  return tx.commit();
}

Status Store::adopt_port(const PortLease& lease) {
  DLENV_TRY_VOID(impl_->check_process());
  auto doing = fmt::format("record port {} for {} of {}", lease.port, lease.service, lease.env_key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));
  // OR REPLACE drops whatever held the port or the (env, service) pair before: the engine wins.
  auto insert = DLENV_TRY(db.prepare(
      "INSERT OR REPLACE INTO port_leases(port, env_key, service, leased_at) VALUES(?1, ?2, ?3, ?4)", doing));
  insert.bind(1, int64_t{lease.port}).bind(2, lease.env_key).bind(3, lease.service).bind(4, unix_now());
  DLENV_TRY_VOID(insert.run());
  return tx.commit();
}

Status Store::put_env(const EnvRecord& record) {
  DLENV_TRY_VOID(impl_->check_process());
  auto doing = fmt::format("record environment {}", record.key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));
  auto insert = DLENV_TRY(db.prepare(
      fmt::format("INSERT OR REPLACE INTO envs({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", kEnvColumns), doing));
  insert.bind(1, record.key)
      .bind(2, record.project)
      .bind(3, record.name)
      .bind(4, record.container_name)
      .bind(5, record.container_id)
      .bind(6, record.image)
      .bind(7, record.spec_hash)
      .bind(8, record.state)
      .bind(9, record.updated_at);
  DLENV_TRY_VOID(insert.run());
  return tx.commit();
}

Result<std::optional<EnvRecord>> Store::get_env(const std::string& key) {
  DLENV_TRY_VOID(impl_->check_process());
  auto query = DLENV_TRY(impl_->db->prepare(fmt::format("SELECT {} FROM envs WHERE key=?1", kEnvColumns),
                                            fmt::format("read environment {}", key)));
  query.bind(1, key);
  if (!DLENV_TRY(query.step())) return std::nullopt;
  return read_env(query);
}

Result<std::vector<EnvRecord>> Store::list_envs() {
  DLENV_TRY_VOID(impl_->check_process());
  auto query = DLENV_TRY(impl_->db->prepare(
      fmt::format("SELECT {} FROM envs ORDER BY project, name", kEnvColumns), "list environments"));
  std::vector<EnvRecord> records;
  while (DLENV_TRY(query.step())) records.push_back(read_env(query));
  return records;
}

Status Store::remove_env(const std::string& key) {
  DLENV_TRY_VOID(impl_->check_process());
  auto doing = fmt::format("remove environment {}", key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));
  auto drop_ports = DLENV_TRY(db.prepare("DELETE FROM port_leases WHERE env_key=?1", doing));
  drop_ports.bind(1, key);
  DLENV_TRY_VOID(drop_ports.run());
  auto drop_env = DLENV_TRY(db.prepare("DELETE FROM envs WHERE key=?1", doing));
  drop_env.bind(1, key);
  DLENV_TRY_VOID(drop_env.run());
  return tx.commit();
}

Status Store::record_history(const std::string& env_key, const std::string& action, const std::string& detail) {
  DLENV_TRY_VOID(impl_->check_process());
  auto doing = fmt::format("record '{}' in the history of {}", action, env_key);
  Database& db = *impl_->db;
  auto tx = DLENV_TRY(Transaction::begin_immediate(db, doing));
  auto insert =
      DLENV_TRY(db.prepare("INSERT INTO history(env_key, action, detail, at) VALUES(?1, ?2, ?3, ?4)", doing));
  insert.bind(1, env_key).bind(2, action).bind(3, detail).bind(4, unix_now());
  DLENV_TRY_VOID(insert.run());
  return tx.commit();
}

}  // namespace dlenv::store
