#include "store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "common/clock.h"
#include "store/sqlite/migrations.h"

namespace gatehouse::store::sqlite {

// ---- Errors ---------------------------------------------------------------------------------

namespace {

// `context` says what the store was doing ("create client skc_x"); the driver's message follows.
Status StatusFromSqlite(const SQLite::Exception& e, std::string_view context) {
  const int primary = e.getErrorCode() & 0xff;
  const int extended = e.getExtendedErrorCode();
  std::string message = "sqlite: " + std::string(context) + ": " + e.what();
  switch (primary) {
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_PRIMARYKEY || extended == SQLITE_CONSTRAINT_UNIQUE) {
        return AlreadyExistsError(std::move(message));
      }
      // NOT NULL, CHECK, foreign key: the caller handed over a value the schema rejects.
      return InvalidArgumentError(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(std::move(message));
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
      return UnavailableError(std::move(message));
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return ResourceExhaustedError(std::move(message));
    default:
      // SQLITE_ERROR (a bad statement), SQLiteCpp's own errors (code -1), misuse: a bug here.
      return InternalError(std::move(message));
  }
}

}  // namespace

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

class ConnectionPool;

// A connection taken from the pool for the length of one Store call; returned on destruction.
class Lease {
 public:
  Lease(ConnectionPool* pool, std::unique_ptr<SQLite::Database> db) : pool_(pool), db_(std::move(db)) {}
  Lease(Lease&& other) noexcept : pool_(other.pool_), db_(std::move(other.db_)) {}
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  SQLite::Database& db() { return *db_; }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<SQLite::Database> db_;
};

class ConnectionPool {
 public:
  explicit ConnectionPool(PoolConfig config) : config_(std::move(config)) {}

  const PoolConfig& config() const { return config_; }

  // How long a call waits for a free connection or for this process's writer mutex. A
  // busy_timeout of 0 still allows a short wait, so that threads of one process queue rather
  // than fail at once.
  std::chrono::milliseconds wait_timeout() const {
    return std::chrono::milliseconds(std::max(config_.busy_timeout_ms, 1000));
  }

  // Serialises this process's writers (see sqlite_store.h).
  WriterLock& writer_lock() { return writer_lock_; }

  Result<Lease> Acquire() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait_timeout(),
                      [this] { return !idle_.empty() || open_ < config_.max_connections; })) {
      return UnavailableError("sqlite: all " + std::to_string(config_.max_connections) + " connections to " +
                              config_.path + " stayed busy");
    }
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
    ++open_;
    lock.unlock();
    Result<std::unique_ptr<SQLite::Database>> db = OpenConnection();
    if (!db.ok()) {
      lock.lock();
      --open_;
      cv_.notify_one();
      return db.error();
    }
    return Lease(this, std::move(db).value());
  }

  void Release(std::unique_ptr<SQLite::Database> db) {
    // A call that threw mid-transaction has had it rolled back by SQLite::Transaction; make
    // sure, and drop the connection if it is still inside one (never the only connection to an
    // in-memory database: that would drop the database).
    if (sqlite3_get_autocommit(db->getHandle()) == 0) {
      db->tryExec("ROLLBACK");
      if (sqlite3_get_autocommit(db->getHandle()) == 0 && !config_.memory) db.reset();
    }
    std::lock_guard lock(mu_);
    if (db) {
      idle_.push_back(std::move(db));
    } else {
      --open_;
    }
    cv_.notify_one();
  }

 private:
  Result<std::unique_ptr<SQLite::Database>> OpenConnection() {
    int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX;  // one thread at a time per connection
    if (config_.create || config_.memory) flags |= SQLite::OPEN_CREATE;
    try {
      auto db = std::make_unique<SQLite::Database>(config_.path, flags, config_.busy_timeout_ms);
      // Opening is lazy: read the schema now so that a file that is not a database fails here,
      // with a clear message, rather than in the first real query.
      try {
        SQLite::Statement probe(*db, "SELECT count(*) FROM sqlite_schema");
        probe.executeStep();
      } catch (const SQLite::Exception& e) {
        if ((e.getErrorCode() & 0xff) == SQLITE_NOTADB) {
          return DataLossError("sqlite: store file " + config_.path +
                               " is not a SQLite database: " + e.what());
        }
        throw;
      }
      db->exec("PRAGMA foreign_keys = ON");
      // In WAL mode NORMAL syncs only at checkpoints: a process crash loses nothing, a power
      // loss may lose the last commits, and neither corrupts the file.
      if (!config_.memory) db->exec("PRAGMA synchronous = NORMAL");
      return db;
    } catch (const SQLite::Exception& e) {
      return StatusFromSqlite(e, "open " + config_.path);
    }
  }

  const PoolConfig config_;
  WriterLock writer_lock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SQLite::Database>> idle_;  // guarded by mu_
  int open_ = 0;                                         // guarded by mu_; idle + leased
};

Lease::~Lease() {
  if (db_) pool_->Release(std::move(db_));
}

// ---- Transactions ---------------------------------------------------------------------------

namespace {

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
  Result<Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.error();
  try {
    SQLite::Transaction txn(lease->db(), SQLite::TransactionBehavior::IMMEDIATE);
    auto result = fn(lease->db());
    if (result.ok()) txn.commit();
    return result;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e, what);
  }
}

// Copies a column's bytes exactly (TEXT or BLOB; NULL or empty gives "").
std::string ColumnBytes(const SQLite::Column& column) {
  const int size = column.getBytes();
  if (size <= 0) return {};
  return std::string(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(size));
}

void BindText(SQLite::Statement& stmt, int index, std::string_view value) {
  stmt.bind(index, std::string(value));
}

// A zero-length blob, not NULL, for an empty string: data() is never null.
void BindBlob(SQLite::Statement& stmt, int index, const std::string& value) {
  stmt.bind(index, static_cast<const void*>(value.data()), static_cast<int>(value.size()));
}

// ---- Clients --------------------------------------------------------------------------------

constexpr int kRedirectUri = 0;
constexpr int kPostLogoutRedirectUri = 1;

// Columns: c.id, c.name, c.secret_hash, c.created_at, c.updated_at, u.kind, u.uri; one row per
// URI (or one row with NULL kind for a client without URIs), grouped by client, URIs in order.
constexpr const char* kSelectClients =
    "SELECT c.id, c.name, c.secret_hash, c.created_at, c.updated_at, u.kind, u.uri "
    "FROM clients c LEFT JOIN client_redirect_uris u ON u.client_id = c.id ";

std::vector<Client> ReadClients(SQLite::Statement& stmt) {
  std::vector<Client> clients;
  while (stmt.executeStep()) {
    std::string id = ColumnBytes(stmt.getColumn(0));
    if (clients.empty() || clients.back().id != id) {
      Client c;
      c.id = std::move(id);
      c.name = ColumnBytes(stmt.getColumn(1));
      c.secret_hash = ColumnBytes(stmt.getColumn(2));
      c.created_at = stmt.getColumn(3).getInt64();
      c.updated_at = stmt.getColumn(4).getInt64();
      clients.push_back(std::move(c));
    }
    if (stmt.getColumn(5).isNull()) continue;
    auto& list = stmt.getColumn(5).getInt() == kRedirectUri ? clients.back().redirect_uris
                                                            : clients.back().post_logout_redirect_uris;
    list.push_back(ColumnBytes(stmt.getColumn(6)));
  }
  return clients;
}

Result<Client> LoadClient(SQLite::Database& db, std::string_view id) {
  SQLite::Statement stmt(db, std::string(kSelectClients) + "WHERE c.id = ?1 ORDER BY u.kind, u.position");
  BindText(stmt, 1, id);
  std::vector<Client> clients = ReadClients(stmt);
  if (clients.empty()) return NotFoundError("client " + std::string(id) + " does not exist");
  return std::move(clients.front());
}

void InsertUris(SQLite::Database& db, const Client& client) {
  SQLite::Statement stmt(
      db, "INSERT INTO client_redirect_uris (client_id, kind, position, uri) VALUES (?1, ?2, ?3, ?4)");
  for (int kind : {kRedirectUri, kPostLogoutRedirectUri}) {
    const auto& list = kind == kRedirectUri ? client.redirect_uris : client.post_logout_redirect_uris;
    for (std::size_t i = 0; i < list.size(); ++i) {
      BindText(stmt, 1, client.id);
      stmt.bind(2, kind);
      stmt.bind(3, static_cast<std::int64_t>(i));
      BindText(stmt, 4, list[i]);
      stmt.exec();
      stmt.reset();
    }
  }
}

// ---- Signing keys ---------------------------------------------------------------------------

constexpr const char* kSelectKeys =
    "SELECT kid, alg, state, public_jwk, sealed_private_key, created_at, activated_at, retired_at, "
    "expires_at FROM signing_keys ";

void InsertKey(SQLite::Database& db, const SigningKeyRecord& key) {
  SQLite::Statement stmt(
      db,
      "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private_key, created_at, "
      "activated_at, retired_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  BindText(stmt, 1, key.kid);
  BindText(stmt, 2, key.alg);
  stmt.bind(3, static_cast<int>(key.state));
  BindText(stmt, 4, key.public_jwk);
  BindBlob(stmt, 5, key.sealed_private_key);
  stmt.bind(6, static_cast<std::int64_t>(key.created_at));
  stmt.bind(7, static_cast<std::int64_t>(key.activated_at));
  stmt.bind(8, static_cast<std::int64_t>(key.retired_at));
  stmt.bind(9, static_cast<std::int64_t>(key.expires_at));
  stmt.exec();
}

// The kid of the key of `alg` in `state`, if any (the partial unique indexes allow at most one).
std::optional<std::string> KidInState(SQLite::Database& db, std::string_view alg, KeyState state) {
  SQLite::Statement stmt(db, "SELECT kid FROM signing_keys WHERE alg = ?1 AND state = ?2");
  BindText(stmt, 1, alg);
  stmt.bind(2, static_cast<int>(state));
  if (!stmt.executeStep()) return std::nullopt;
  return ColumnBytes(stmt.getColumn(0));
}

// ---- Migrations -----------------------------------------------------------------------------

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL) STRICT";

int ReadSchemaVersion(SQLite::Database& db) {
  if (!db.tableExists("schema_migrations")) return 0;
  SQLite::Statement stmt(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  stmt.executeStep();
  return static_cast<int>(stmt.getColumn(0).getInt64());
}

Status NewerSchemaError(int found, int newest) {
  return DataLossError("store schema version " + std::to_string(found) + " is newer than this gatehouse (" +
                       std::to_string(newest) + ")");
}

// Applies each pending migration in its own IMMEDIATE transaction, re-reading the version inside
// it: when two processes open a new file at once, the second finds the work done.
Status Migrate(ConnectionPool& pool, SQLite::Database& db) {
  const std::vector<Migration>& migrations = Migrations();
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version < 1 || (i > 0 && migrations[i].version <= migrations[i - 1].version)) {
      return InternalError("sqlite: embedded migrations are not numbered 1, 2, ... in order");
    }
  }
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  int current = 0;
  try {
    current = ReadSchemaVersion(db);
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e, "read schema version");
  }
  if (current > newest) return NewerSchemaError(current, newest);

  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    const WriterGuard writer(pool.writer_lock(), pool.wait_timeout());
    if (!writer.locked()) {
      return UnavailableError("sqlite: migrate: timed out waiting for this process's writer lock");
    }
    const std::string what = "apply migration " + std::string(m.name);
    try {
      SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(kCreateMigrationsTable);
      current = ReadSchemaVersion(db);
      if (current > newest) return NewerSchemaError(current, newest);
      if (current >= m.version) continue;  // another process applied it; txn rolls back
      db.exec(std::string(m.sql));
      SQLite::Statement record(
          db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
      record.bind(1, m.version);
      BindText(record, 2, m.name);
      record.bind(3, static_cast<std::int64_t>(SystemClock::Instance().NowSeconds()));
      record.exec();
      txn.commit();
      current = m.version;
    } catch (const SQLite::Exception& e) {
      return StatusFromSqlite(e, what);
    }
  }
  return Status::Ok();
}

// Switches the file to WAL (a persistent property of the file; a no-op once done). Changing the
// journal mode needs an exclusive lock and SQLite does not call the busy handler for it, so
// retry here until the busy timeout when another process holds the file.
Status EnableWal(const PoolConfig& config, SQLite::Database& db) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.busy_timeout_ms);
  while (true) {
    try {
      SQLite::Statement stmt(db, "PRAGMA journal_mode = WAL");
      stmt.executeStep();
      const std::string mode = ColumnBytes(stmt.getColumn(0));
      if (mode != "wal") {
        return FailedPreconditionError("sqlite: cannot put " + config.path +
                                       " in WAL mode (journal_mode is " + mode +
                                       "); is it on a network file system?");
      }
      return Status::Ok();
    } catch (const SQLite::Exception& e) {
      const int primary = e.getErrorCode() & 0xff;
      if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) &&
          std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      return StatusFromSqlite(e, "enable WAL on " + config.path);
    }
  }
}

// Creates a missing database file readable by its owner only (it holds sealed keys and secret
// hashes); SQLite gives its -wal and -shm files the same mode. An empty file is an empty
// database to SQLite.
Status CreateOwnerOnlyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();  // another process was first
    return UnavailableError("sqlite: cannot create store file " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return Status::Ok();
}

}  // namespace

// ---- SqliteStore ----------------------------------------------------------------------------

SqliteStore::SqliteStore(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(std::string_view path, const OpenOptions& options) {
  if (path.empty()) return InvalidArgumentError("sqlite: empty database path");
  PoolConfig config;
  config.memory = path == kMemoryPath;
  config.path = std::string(path);
  // This SQLite is built with URI file names on: keep a relative "file:..." path a path.
  if (!config.memory && config.path.starts_with("file:")) config.path = "./" + config.path;
  config.create = options.create_if_missing;
  config.busy_timeout_ms = std::max(options.busy_timeout_ms, 0);
  // Each ":memory:" connection is a separate database, so an in-memory store has exactly one.
  config.max_connections = config.memory ? 1 : kMaxConnections;

  if (!config.memory) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(config.path, ec);
    if (!exists && !options.create_if_missing) {
      return NotFoundError("store file " + config.path + " does not exist");
    }
    if (!exists) RETURN_IF_ERROR(CreateOwnerOnlyFile(config.path));
  }

  auto pool = std::make_unique<ConnectionPool>(config);
  {
    ASSIGN_OR_RETURN(Lease lease, pool->Acquire());
    if (!config.memory) RETURN_IF_ERROR(EnableWal(config, lease.db()));
    RETURN_IF_ERROR(Migrate(*pool, lease.db()));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(pool)));
}

Status SqliteStore::CreateClient(const Client& client) {
  return RunWrite(*pool_, "create client " + client.id, [&](SQLite::Database& db) -> Status {
    SQLite::Statement stmt(db,
                           "INSERT INTO clients (id, name, secret_hash, created_at, updated_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)");
    BindText(stmt, 1, client.id);
    BindText(stmt, 2, client.name);
    BindText(stmt, 3, client.secret_hash);
    stmt.bind(4, static_cast<std::int64_t>(client.created_at));
    stmt.bind(5, static_cast<std::int64_t>(client.updated_at));
    stmt.exec();
    InsertUris(db, client);
    return Status::Ok();
  });
}

Result<Client> SqliteStore::GetClient(std::string_view id) {
  return RunRead(*pool_, "get client " + std::string(id),
                 [&](SQLite::Database& db) -> Result<Client> { return LoadClient(db, id); });
}

Result<std::vector<Client>> SqliteStore::ListClients() {
  return RunRead(*pool_, "list clients", [&](SQLite::Database& db) -> Result<std::vector<Client>> {
    SQLite::Statement stmt(db,
                           std::string(kSelectClients) + "ORDER BY c.created_at, c.id, u.kind, u.position");
    return ReadClients(stmt);
  });
}

Status SqliteStore::DeleteClient(std::string_view id) {
  return RunWrite(*pool_, "delete client " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement stmt(db, "DELETE FROM clients WHERE id = ?1");  // URIs go by ON DELETE CASCADE
    BindText(stmt, 1, id);
    if (stmt.exec() == 0) return NotFoundError("client " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

Result<Client> SqliteStore::UpdateClient(std::string_view id,
                                         const std::function<Result<Client>(Client)>& update) {
  return RunWrite(*pool_, "update client " + std::string(id), [&](SQLite::Database& db) -> Result<Client> {
    ASSIGN_OR_RETURN(Client current, LoadClient(db, id));
    ASSIGN_OR_RETURN(Client updated, update(current));
    if (updated.id != current.id) {
      return InvalidArgumentError("update of client " + current.id + " tried to change its id to " +
                                  updated.id);
    }
    SQLite::Statement stmt(db,
                           "UPDATE clients SET name = ?2, secret_hash = ?3, created_at = ?4, updated_at = ?5 "
                           "WHERE id = ?1");
    BindText(stmt, 1, updated.id);
    BindText(stmt, 2, updated.name);
    BindText(stmt, 3, updated.secret_hash);
    stmt.bind(4, static_cast<std::int64_t>(updated.created_at));
    stmt.bind(5, static_cast<std::int64_t>(updated.updated_at));
    stmt.exec();
    SQLite::Statement clear(db, "DELETE FROM client_redirect_uris WHERE client_id = ?1");
    BindText(clear, 1, updated.id);
    clear.exec();
    InsertUris(db, updated);
    return updated;
  });
}

Result<std::vector<SigningKeyRecord>> SqliteStore::ListSigningKeys() {
  return RunRead(*pool_, "list signing keys",
                 [&](SQLite::Database& db) -> Result<std::vector<SigningKeyRecord>> {
                   SQLite::Statement stmt(db, std::string(kSelectKeys) + "ORDER BY created_at, kid");
                   std::vector<SigningKeyRecord> keys;
                   while (stmt.executeStep()) {
                     SigningKeyRecord k;
                     k.kid = ColumnBytes(stmt.getColumn(0));
                     k.alg = ColumnBytes(stmt.getColumn(1));
                     const int state = stmt.getColumn(2).getInt();
                     if (state < 0 || state > 2) {
                       return DataLossError("sqlite: signing key " + k.kid + " has unknown state " +
                                            std::to_string(state));
                     }
                     k.state = static_cast<KeyState>(state);
                     k.public_jwk = ColumnBytes(stmt.getColumn(3));
                     k.sealed_private_key = ColumnBytes(stmt.getColumn(4));
                     k.created_at = stmt.getColumn(5).getInt64();
                     k.activated_at = stmt.getColumn(6).getInt64();
                     k.retired_at = stmt.getColumn(7).getInt64();
                     k.expires_at = stmt.getColumn(8).getInt64();
                     keys.push_back(std::move(k));
                   }
                   return keys;
                 });
}

Status SqliteStore::InsertSigningKey(const SigningKeyRecord& key) {
  return RunWrite(*pool_, "insert signing key " + key.kid, [&](SQLite::Database& db) -> Status {
    InsertKey(db, key);
    return Status::Ok();
  });
}

Status SqliteStore::RotateSigningKeys(std::string_view alg, std::string_view expected_active_kid,
                                      std::string_view expected_next_kid, const SigningKeyRecord& new_next,
                                      UnixSeconds now, UnixSeconds retired_expires_at) {
  if (new_next.alg != alg || new_next.state != KeyState::kNext) {
    return InvalidArgumentError("rotate " + std::string(alg) + ": new next key " + new_next.kid +
                                " must be a next key of the same algorithm");
  }
  return RunWrite(*pool_, "rotate signing keys " + std::string(alg), [&](SQLite::Database& db) -> Status {
    const std::optional<std::string> active = KidInState(db, alg, KeyState::kActive);
    const std::optional<std::string> next = KidInState(db, alg, KeyState::kNext);
    if (!next) {
      return FailedPreconditionError("rotate " + std::string(alg) + ": there is no next key to activate");
    }
    if (active.value_or("") != expected_active_kid || *next != expected_next_kid) {
      return AbortedError("rotate " + std::string(alg) + ": keys changed (active '" + active.value_or("") +
                          "', next '" + *next + "'; expected '" + std::string(expected_active_kid) + "', '" +
                          std::string(expected_next_kid) + "')");
    }
    // Retire first, then promote, then insert: each step keeps the one-active/one-next indexes.
    if (active) {
      SQLite::Statement retire(
          db, "UPDATE signing_keys SET state = ?2, retired_at = ?3, expires_at = ?4 WHERE kid = ?1");
      BindText(retire, 1, *active);
      retire.bind(2, static_cast<int>(KeyState::kRetired));
      retire.bind(3, static_cast<std::int64_t>(now));
      retire.bind(4, static_cast<std::int64_t>(retired_expires_at));
      retire.exec();
    }
    SQLite::Statement promote(db, "UPDATE signing_keys SET state = ?2, activated_at = ?3 WHERE kid = ?1");
    BindText(promote, 1, *next);
    promote.bind(2, static_cast<int>(KeyState::kActive));
    promote.bind(3, static_cast<std::int64_t>(now));
    promote.exec();
    InsertKey(db, new_next);
    return Status::Ok();
  });
}

Result<int> SqliteStore::DeleteExpiredSigningKeys(UnixSeconds now) {
  return RunWrite(*pool_, "delete expired signing keys", [&](SQLite::Database& db) -> Result<int> {
    SQLite::Statement stmt(db, "DELETE FROM signing_keys WHERE state = ?1 AND expires_at <= ?2");
    stmt.bind(1, static_cast<int>(KeyState::kRetired));
    stmt.bind(2, static_cast<std::int64_t>(now));
    return stmt.exec();
  });
}

Result<std::string> SqliteStore::GetSetting(std::string_view key) {
  return RunRead(*pool_, "get setting " + std::string(key), [&](SQLite::Database& db) -> Result<std::string> {
    SQLite::Statement stmt(db, "SELECT value FROM settings WHERE key = ?1");
    BindText(stmt, 1, key);
    if (!stmt.executeStep()) return NotFoundError("setting " + std::string(key) + " is not set");
    return ColumnBytes(stmt.getColumn(0));
  });
}

Status SqliteStore::PutSetting(std::string_view key, std::string_view value) {
  return RunWrite(*pool_, "put setting " + std::string(key), [&](SQLite::Database& db) -> Status {
    SQLite::Statement stmt(db,
                           "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    BindText(stmt, 1, key);
    BindText(stmt, 2, value);
    stmt.exec();
    return Status::Ok();
  });
}

Result<bool> SqliteStore::PutSettingIfAbsent(std::string_view key, std::string_view value) {
  return RunWrite(*pool_, "put setting if absent " + std::string(key),
                  [&](SQLite::Database& db) -> Result<bool> {
                    SQLite::Statement stmt(
                        db, "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING");
                    BindText(stmt, 1, key);
                    BindText(stmt, 2, value);
                    return stmt.exec() == 1;
                  });
}

Result<int> SqliteStore::SchemaVersion() {
  return RunRead(*pool_, "read schema version",
                 [&](SQLite::Database& db) -> Result<int> { return ReadSchemaVersion(db); });
}

Status SqliteStore::CheckIntegrity() {
  return RunRead(*pool_, "check integrity", [&](SQLite::Database& db) -> Status {
    std::vector<std::string> report;
    SQLite::Statement integrity(db, "PRAGMA integrity_check");
    while (integrity.executeStep()) report.push_back(ColumnBytes(integrity.getColumn(0)));
    if (report.size() != 1 || report.front() != "ok") {
      std::string joined;
      for (const auto& line : report) joined += (joined.empty() ? "" : "; ") + line;
      return DataLossError("sqlite: integrity_check failed: " + joined);
    }
    // integrity_check does not look at foreign keys.
    SQLite::Statement fk(db, "PRAGMA foreign_key_check");
    std::string orphans;
    while (fk.executeStep()) {
      orphans += (orphans.empty() ? "" : "; ") + ColumnBytes(fk.getColumn(0)) + " row " +
                 std::to_string(fk.getColumn(1).getInt64()) + " -> " + ColumnBytes(fk.getColumn(2));
    }
    if (!orphans.empty()) return DataLossError("sqlite: foreign_key_check failed: " + orphans);
    return Status::Ok();
  });
}

Status SqliteStore::Ping() {
  Status status = RunRead(*pool_, "ping", [&](SQLite::Database& db) -> Status {
    // Reads the file (not just "SELECT 1") so that an unreadable database is noticed.
    SQLite::Statement stmt(db, "SELECT max(version) FROM schema_migrations");
    stmt.executeStep();
    return Status::Ok();
  });
  if (!status.ok() && status.code() != StatusCode::kUnavailable) {
    return UnavailableError(status.message());
  }
  return status;
}

}  // namespace gatehouse::store::sqlite
