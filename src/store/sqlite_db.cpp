#include "store/sqlite_db.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace dlenv::store::detail {

struct Database::Impl {
  sqlite3* handle = nullptr;
  std::filesystem::path path;
  std::chrono::milliseconds busy_timeout{};
  pid_t owner_pid = 0;
  mutable Failure last_failure = Failure::none;
};

struct Statement::Impl {
  sqlite3_stmt* handle = nullptr;
  const Database* db = nullptr;
  std::string doing;
  int bind_result = SQLITE_OK;
};

namespace {

std::string directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path().string() : std::string(".");
}

Failure classify(int result_code, int system_errno) {
  int primary = result_code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Failure::busy;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Failure::corrupt;
  if (primary == SQLITE_FULL || system_errno == ENOSPC || system_errno == EDQUOT) return Failure::full;
  if (primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_AUTH) return Failure::permission;
  if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && (system_errno == EACCES || system_errno == EPERM ||
                                                                   system_errno == EROFS))
    return Failure::permission;
  return Failure::other;
}

std::string full_disk_hint(const std::filesystem::path& path) {
  return fmt::format("the filesystem holding {0} is full (or over quota): free some space there "
                     "(see df -h {0}) and run the command again",
                     directory_of(path));
}

std::string permission_hint(const std::filesystem::path& path) {
  return fmt::format(
      "dlenv must be able to write {0}, its -wal and -shm files and the directory {1}: check their owner "
      "and mode (ls -la {1}; files created through sudo belong to root) and that the filesystem is not "
      "read-only",
      path.string(), directory_of(path));
}

std::string move_aside_hint(const std::filesystem::path& path) {
  return fmt::format(
      "{0} is only a cache, rebuilt from the engine's container labels: move it aside "
      "(mv {0} {0}.broken) and run the command again",
      path.string());
}

}  // namespace

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() {
  if (!impl_ || !impl_->handle) return;
  // A connection inherited through fork() belongs to the parent: closing it here could
  // checkpoint or unlink the parent's WAL files, so the child leaves it alone.
  if (impl_->owner_pid != ::getpid()) return;
  sqlite3_close_v2(impl_->handle);
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path,
                                                 std::chrono::milliseconds busy_timeout) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->busy_timeout = busy_timeout;
  impl->owner_pid = ::getpid();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
  int rc = sqlite3_open_v2(path.c_str(), &impl->handle, flags, nullptr);
  std::unique_ptr<Database> db(new Database(std::move(impl)));
  if (rc != SQLITE_OK) {
    if (!db->impl_->handle) {  // only when SQLite cannot allocate the connection
      return fail(ErrorCode::store,
                  fmt::format("cannot open the state database {}: {}", path.string(), sqlite3_errstr(rc)),
                  "dlenv is out of memory; close other programs and run the command again");
    }
    return fail(db->error(rc, "open it"));
  }
  sqlite3_extended_result_codes(db->impl_->handle, 1);
  sqlite3_busy_timeout(db->impl_->handle, static_cast<int>(busy_timeout.count()));
  return db;
}

const std::filesystem::path& Database::path() const { return impl_->path; }

bool Database::in_transaction() const { return sqlite3_get_autocommit(impl_->handle) == 0; }

bool Database::has_moved() const {
  int moved = 0;
  if (sqlite3_file_control(impl_->handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK) return false;
  return moved != 0;
}

Failure Database::last_failure() const { return impl_->last_failure; }

Error Database::damaged(std::string_view finding, std::string_view doing) const {
  impl_->last_failure = Failure::corrupt;
  return Error(ErrorCode::store,
               fmt::format("state database {}: the file is damaged: {} (while trying to {})", impl_->path.string(),
                           finding, doing),
               move_aside_hint(impl_->path));
}

Error Database::error(int result_code, std::string_view doing) const {
  int system_errno = sqlite3_errcode(impl_->handle) == result_code ? sqlite3_system_errno(impl_->handle) : 0;
  Failure kind = classify(result_code, system_errno);
  impl_->last_failure = kind;
  if (kind == Failure::busy) {
    return Error(ErrorCode::store,
                 fmt::format("the state database {} is locked by another process (waited up to {} ms to {})",
                             impl_->path.string(), impl_->busy_timeout.count(), doing),
                 "another dlenv may be holding it; retry in a moment")
        .retry();
  }
  // sqlite3_errmsg describes the most recent failed call on this connection, which is the
  // one that produced `result_code`; fall back to the generic text if they disagree.
  const char* message = sqlite3_errcode(impl_->handle) == result_code ? sqlite3_errmsg(impl_->handle)
                                                                       : sqlite3_errstr(result_code);
  std::string text =
      fmt::format("state database {}: {} (while trying to {})", impl_->path.string(), message, doing);
  if (kind == Failure::full) return Error(ErrorCode::store, std::move(text), full_disk_hint(impl_->path));
  if (kind == Failure::permission) return Error(ErrorCode::store, std::move(text), permission_hint(impl_->path));
  return Error(ErrorCode::store, std::move(text), move_aside_hint(impl_->path));
}

Status Database::exec(std::string_view sql, std::string_view doing) {
  std::string text(sql);
  int rc = sqlite3_exec(impl_->handle, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(error(rc, doing));
  return {};
}

Result<Statement> Database::prepare(std::string_view sql, std::string_view doing) {
  auto impl = std::make_unique<Statement::Impl>();
  impl->db = this;
  impl->doing = std::string(doing);
  int rc = sqlite3_prepare_v2(impl_->handle, sql.data(), static_cast<int>(sql.size()), &impl->handle, nullptr);
  if (rc != SQLITE_OK) return fail(error(rc, doing));
  return Statement(std::move(impl));
}

Statement::Statement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;

Statement::~Statement() {
  if (impl_ && impl_->handle && impl_->db->impl_->owner_pid == ::getpid()) sqlite3_finalize(impl_->handle);
}

Statement& Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(impl_->handle, index, value);
  if (rc != SQLITE_OK && impl_->bind_result == SQLITE_OK) impl_->bind_result = rc;
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(impl_->handle, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && impl_->bind_result == SQLITE_OK) impl_->bind_result = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (impl_->bind_result != SQLITE_OK) return fail(impl_->db->error(impl_->bind_result, impl_->doing));
  int rc = sqlite3_step(impl_->handle);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(impl_->db->error(rc, impl_->doing));
}

Status Statement::run() {
  while (DLENV_TRY(step())) {
  }
  return {};
}

int64_t Statement::int_at(int column) const { return sqlite3_column_int64(impl_->handle, column); }

std::string Statement::text_at(int column) const {
  const unsigned char* text = sqlite3_column_text(impl_->handle, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(impl_->handle, column)));
}

Result<Transaction> Transaction::begin_immediate(Database& db, std::string_view doing) {
  DLENV_TRY_VOID(db.exec("BEGIN IMMEDIATE", doing));
  return Transaction(db, std::string(doing));
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), doing_(std::move(other.doing_)), open_(other.open_) {
  other.open_ = false;
}

Transaction::~Transaction() {
  // Some errors (I/O, out of memory) roll SQLite back by themselves; only roll back what is
  // still open. Errors here have nowhere to go and leave the connection in autocommit anyway.
  if (open_ && db_->in_transaction()) (void)db_->exec("ROLLBACK", doing_);
}

Status Transaction::commit() {
  auto committed = db_->exec("COMMIT", doing_);
  if (committed || !db_->in_transaction()) open_ = false;
  return committed;
}

}  // namespace dlenv::store::detail
