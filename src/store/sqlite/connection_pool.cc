#include "store/sqlite/connection_pool.h"

#include <sqlite3.h>

#include <mutex>

namespace gatehouse::store::sqlite {
namespace {

// This SQLite (Debian's) counts every allocation it makes under one process-wide mutex, so the
// request threads of a busy server queue on it; the store never reads those counts. The switch
// works only before SQLite initializes, i.e. before the process's first connection; if
// something else opened one first, SQLite refuses it (SQLITE_MISUSE) and keeps counting, which
// is slower but correct.
void TurnOffAllocationCounts() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

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

ConnectionPool::ConnectionPool(PoolConfig config) : config_(std::move(config)) {
  TurnOffAllocationCounts();
  if (!config_.memory) checkpointer_ = std::make_unique<Checkpointer>(config_.path);
}

// Members go in reverse order: the pooled connections close, then the checkpointer stops and
// closes its own; whichever connection to the file closes last checkpoints it.
ConnectionPool::~ConnectionPool() = default;

Result<Lease> ConnectionPool::Acquire() {
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
  Result<std::unique_ptr<PooledConnection>> db = OpenConnection();
  if (!db.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return db.error();
  }
  return Lease(this, std::move(db).value());
}

Result<Lease> ConnectionPool::AcquireWriter() {
  if (config_.memory) return Acquire();
  {
    std::lock_guard lock(mu_);
    if (writer_) return Lease(this, std::move(writer_), /*writer=*/true);
  }
  // First use, or the last writer's connection was dropped (Release).
  ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> db, OpenConnection());
  return Lease(this, std::move(db), /*writer=*/true);
}

void ConnectionPool::Release(std::unique_ptr<PooledConnection> db, bool writer) {
  db->ResetStatements();
  // A call that threw mid-transaction has had it rolled back by SQLite::Transaction; make
  // sure, and drop the connection if it is still inside one (never the only connection to an
  // in-memory database: that would drop the database).
  if (sqlite3_get_autocommit(db->getHandle()) == 0) {
    db->tryExec("ROLLBACK");
    if (sqlite3_get_autocommit(db->getHandle()) == 0 && !config_.memory) db.reset();
  }
  std::lock_guard lock(mu_);
  if (writer) {
    writer_ = std::move(db);  // null if dropped: the next writer opens a new one
    return;
  }
  if (db) {
    idle_.push_back(std::move(db));
  } else {
    --open_;
  }
  cv_.notify_one();
}

Result<std::unique_ptr<PooledConnection>> ConnectionPool::OpenConnection() {
  int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX;  // one thread at a time per connection
  if (config_.create || config_.memory) flags |= SQLite::OPEN_CREATE;
  try {
    auto db = std::make_unique<PooledConnection>(config_.path, flags, config_.busy_timeout_ms);
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
    // Commits report the log's size to the checkpointer instead of checkpointing inline.
    if (checkpointer_) checkpointer_->Watch(db->getHandle());
    return db;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e, "open " + config_.path);
  }
}

PooledConnection::~PooledConnection() {
  // Statements are finalized before the handle closes (the base class's destructor).
  used_.clear();
  cache_.clear();
}

SQLite::Statement& PooledConnection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(std::string(sql), std::vector<std::unique_ptr<Cached>>()).first;
  for (auto& cached : it->second) {
    if (!cached->in_use) {
      cached->in_use = true;
      used_.push_back(cached.get());
      return *cached->stmt;
    }
  }
  auto cached = std::make_unique<Cached>();
  cached->stmt = std::make_unique<SQLite::Statement>(*this, std::string(sql));
  cached->in_use = true;
  used_.push_back(cached.get());
  it->second.push_back(std::move(cached));
  return *it->second.back()->stmt;
}

void PooledConnection::ResetStatements() {
  for (Cached* cached : used_) {
    cached->stmt->tryReset();
    cached->stmt->clearBindings();
    cached->in_use = false;
  }
  used_.clear();
}

SQLite::Statement& Prepare(SQLite::Database& db, std::string_view sql) {
  // Every connection the store hands to its code is a PooledConnection (Acquire opens only those).
  return static_cast<PooledConnection&>(db).Prepare(sql);
}

Lease::~Lease() {
  if (db_) pool_->Release(std::move(db_), writer_);
}

}  // namespace gatehouse::store::sqlite
