#pragma once
// Internal to the store layer: a thin RAII wrapper over one SQLite connection.
// No SQLite type appears here; the handles live behind Impl structs in sqlite_db.cpp.
// Every failure becomes an ErrorCode::store Error that names the database path.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace dlenv::store::detail {

class Statement;

// What the last failure on a connection was, as far as recovery and hints care.
enum class Failure {
  none,
  busy,        // another process holds the lock (retryable)
  corrupt,     // the file is damaged or not a database at all (SQLITE_CORRUPT, SQLITE_NOTADB)
  full,        // the disk (or quota) is full (SQLITE_FULL, ENOSPC, EDQUOT)
  permission,  // the file or its directory is not writable by us (SQLITE_READONLY, SQLITE_PERM, EACCES)
  other,
};

// One connection, owned by the process that opened it. Never use it across fork().
class Database {
 public:
  // Opens an existing file read-write (the caller creates it with the right mode first) and
  // installs a busy handler that waits up to `busy_timeout` for another process's lock.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path,
                                                std::chrono::milliseconds busy_timeout);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const;

  // Runs one or more SQL statements whose rows (if any) are ignored.
  Status exec(std::string_view sql, std::string_view doing);
  // Compiles one statement. `doing` ("lease a port") is used in error messages.
  Result<Statement> prepare(std::string_view sql, std::string_view doing);
  // Whether the file at path() is no longer the one this connection has open (another
  // process moved a damaged database aside and put a new one there).
  bool has_moved() const;
  // Whether a transaction is open on this connection.
  bool in_transaction() const;

  // Turns a SQLite result code into the store's error and remembers its kind (last_failure):
  // busy/locked → retryable with a "retry" hint; a full disk → a hint about space; a
  // permission problem → a hint about owners and modes; anything else (corruption included)
  // → SQLite's message and a hint to move the file aside.
  Error error(int result_code, std::string_view doing) const;
  // The error for damage that SQLite reported as data rather than as a result code (an
  // integrity check's findings); its kind is Failure::corrupt.
  Error damaged(std::string_view finding, std::string_view doing) const;
  // The kind of the most recent error() or damaged() on this connection.
  Failure last_failure() const;

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class Statement;
};

// A prepared statement. Parameters are 1-based, columns 0-based (SQLite's convention).
// A bind failure is remembered and reported by the next step()/run().
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);

  // Advances: true when a row is ready to read, false when the statement is done.
  Result<bool> step();
  // Steps to completion, ignoring rows.
  Status run();

  int64_t int_at(int column) const;
  std::string text_at(int column) const;

 private:
  struct Impl;
  explicit Statement(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class Database;
};

// BEGIN IMMEDIATE: takes the write lock up front (waiting through the busy handler), so two
// processes never both read-then-write on a stale snapshot. Rolls back on destruction unless
// commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin_immediate(Database& db, std::string_view doing);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  Transaction(Database& db, std::string doing) : db_(&db), doing_(std::move(doing)) {}
  Database* db_;
  std::string doing_;
  bool open_ = true;
};

}  // namespace dlenv::store::detail
