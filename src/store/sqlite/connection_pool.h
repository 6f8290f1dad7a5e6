// The SQLite backend's plumbing: a pool of connections, this process's writer lock, the
// exception-to-Status mapping and the read/write transaction helpers every SqliteStore method
// runs through. Internal to src/store/sqlite.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "store/sqlite/checkpointer.h"

namespace gatehouse::store::sqlite {

// Maps a SQLite/SQLiteCpp exception to a Status (see sqlite_store.h for the mapping).
// `context` says what the store was doing ("create client skc_x"); the driver's message follows.
Status StatusFromSqlite(const SQLite::Exception& e, std::string_view context);

// ---- Connection pool ------------------------------------------------------------------------

// This process's writer lock: a mutex with a timed lock. (std::timed_mutex would do, but its
// try_lock_for is invisible to GCC 12's ThreadSanitizer, which then reports every unlock.)
class WriterLock {
 public:
  bool TryLockFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return !held_; })) return false;
    held_ = true;
    return true;
  }
  void Unlock() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;  // guarded by mu_
};

// Holds a WriterLock until destroyed, if TryLockFor succeeded.
class WriterGuard {
 public:
  WriterGuard(WriterLock& lock, std::chrono::milliseconds timeout)
      : lock_(lock.TryLockFor(timeout) ? &lock : nullptr) {}
  ~WriterGuard() {
    if (lock_ != nullptr) lock_->Unlock();
  }
  WriterGuard(const WriterGuard&) = delete;
  WriterGuard& operator=(const WriterGuard&) = delete;

  bool locked() const { return lock_ != nullptr; }

 private:
  WriterLock* lock_;
};

struct PoolConfig {
  std::string path;  // a file path, or ":memory:"
  bool memory = false;
  bool create = false;
  int busy_timeout_ms = 0;
  int max_connections = 1;
};

// A pooled connection: the database handle and its prepared statements. Each SQL text is
// compiled once per connection and reused (compiling it on every call was 30-40% of a store
// call's CPU). Used by one thread at a time, like the connection itself.
class PooledConnection : public SQLite::Database {
 public:
  using SQLite::Database::Database;
  ~PooledConnection();

  // The statement for `sql`, prepared on first use. It stays bound and stepped as the caller
  // leaves it until ResetStatements (run before COMMIT/ROLLBACK and when the connection goes
  // back to the pool), so a read never holds its snapshot past the store call. The same SQL in
  // use twice at once (nested loops) gets a second statement.
  SQLite::Statement& Prepare(std::string_view sql);
  // Resets and unbinds every statement handed out since the last call.
  void ResetStatements();

 private:
  struct Cached {
    std::unique_ptr<SQLite::Statement> stmt;
    bool in_use = false;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::unique_ptr<Cached>>, Hash, std::equal_to<>> cache_;
  std::vector<Cached*> used_;
};

// The statement for `sql` on `db`, which must be a connection of a ConnectionPool (every
// connection Acquire, RunRead and RunWrite hand out is; a bare SQLite::Database is undefined
// behaviour). See PooledConnection::Prepare.
SQLite::Statement& Prepare(SQLite::Database& db, std::string_view sql);

class ConnectionPool;

// A connection taken from the pool for the length of one Store call; returned on destruction.
class Lease {
 public:
  Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> db, bool writer = false)
      : pool_(pool), db_(std::move(db)), writer_(writer) {}
  Lease(Lease&& other) noexcept : pool_(other.pool_), db_(std::move(other.db_)), writer_(other.writer_) {}
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  PooledConnection& db() { return *db_; }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<PooledConnection> db_;
  bool writer_;  // the pool's writer connection (AcquireWriter)
};

class ConnectionPool {
 public:
  // A file database gets a background checkpointer (checkpointer.h).
  explicit ConnectionPool(PoolConfig config);
  ~ConnectionPool();

  const PoolConfig& config() const { return config_; }

  // How long a call waits for a free connection or for this process's writer mutex. A
  // busy_timeout of 0 still allows a short wait, so that threads of one process queue rather
  // than fail at once.
  std::chrono::milliseconds wait_timeout() const {
    return std::chrono::milliseconds(std::max(config_.busy_timeout_ms, 1000));
  }

  // Serialises this process's writers (see sqlite_store.h).
  WriterLock& writer_lock() { return writer_lock_; }

  // Takes an idle connection or opens a new one (up to max_connections), waiting up to
  // wait_timeout() for one to come back; kUnavailable after that.
  Result<Lease> Acquire();
  // The process's writer connection, for the holder of writer_lock() only (RunWrite). All of
  // the process's writes go through this one connection, so its page cache stays valid from
  // one write to the next: SQLite empties a connection's cache whenever another connection has
  // committed since its last transaction, and a write would otherwise start by reading every
  // page it touches again. Opened on first use, beside the max_connections readers. An
  // in-memory database has one connection for everything: this is Acquire then.
  Result<Lease> AcquireWriter();
  // Returns a connection (called by ~Lease).
  void Release(std::unique_ptr<PooledConnection> db, bool writer);

 private:
  Result<std::unique_ptr<PooledConnection>> OpenConnection();

  const PoolConfig config_;
  std::unique_ptr<Checkpointer> checkpointer_;  // null for an in-memory database
  WriterLock writer_lock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;  // guarded by mu_
  std::unique_ptr<PooledConnection> writer_;             // guarded by mu_; null while leased
  int open_ = 0;                                         // guarded by mu_; idle + leased
};

// ---- Transactions ---------------------------------------------------------------------------

// Runs fn(db) on a pooled connection, outside an explicit transaction: for reads where each
// statement stands alone (SQLite runs each statement on one consistent snapshot; a client and
// its URIs are read by one join for this reason).
template <typename Fn>
auto RunRead(ConnectionPool& pool, std::string_view what, Fn&& fn)
    -> decltype(fn(std::declval<SQLite::Database&>())) {
  Result<Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.error();
  try {
    return fn(lease->db());
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e, what);
  }
}

// Runs fn(db) in a BEGIN IMMEDIATE transaction, committed when fn returns OK and rolled back
// otherwise. IMMEDIATE takes the database's write lock before the first read, so what fn reads
// cannot change before it writes, whichever process the other writer is in.
template <typename Fn>
auto RunWrite(ConnectionPool& pool, std::string_view what, Fn&& fn)
    -> decltype(fn(std::declval<SQLite::Database&>())) {
  // The writer lock first, then a connection: writers waiting their turn hold no connection,
  // so readers are not starved of them.
  const WriterGuard writer(pool.writer_lock(), pool.wait_timeout());
  if (!writer.locked()) {
    return UnavailableError("sqlite: " + std::string(what) +
                            ": another writer in this process held the lock for over " +
                            std::to_string(pool.wait_timeout().count()) + " ms");
  }
  Result<Lease> lease = pool.AcquireWriter();
  if (!lease.ok()) return lease.error();
  try {
    PooledConnection& db = lease->db();
    db.Prepare("BEGIN IMMEDIATE").exec();
    auto result = fn(static_cast<SQLite::Database&>(db));
    // Statements still stepping would make COMMIT fail (pending writes) or outlive it (reads).
    db.ResetStatements();
    // A failed fn rolls back; so does Release, for a call that threw before getting here.
    db.Prepare(result.ok() ? "COMMIT" : "ROLLBACK").exec();
    return result;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e, what);
  }
}

// ---- Column and parameter helpers, shared by the SqliteStore files -------------------------

// Copies a column's bytes exactly (TEXT or BLOB; NULL or empty gives "").
inline std::string ColumnBytes(const SQLite::Column& column) {
  const int size = column.getBytes();
  if (size <= 0) return {};
  return std::string(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(size));
}

inline void BindText(SQLite::Statement& stmt, int index, std::string_view value) {
  stmt.bind(index, std::string(value));
}

// A time (store::UnixSeconds) or any other integer column.
inline void BindTime(SQLite::Statement& stmt, int index, std::int64_t value) { stmt.bind(index, value); }

// A zero-length blob, not NULL, for an empty string: data() is never null.
inline void BindBlob(SQLite::Statement& stmt, int index, const std::string& value) {
  stmt.bind(index, static_cast<const void*>(value.data()), static_cast<int>(value.size()));
}

}  // namespace gatehouse::store::sqlite
