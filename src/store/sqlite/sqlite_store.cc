#include "store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
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
#include "store/sqlite/connection_pool.h"
#include "store/sqlite/migrations.h"

namespace gatehouse::store::sqlite {

namespace {

// ---- Clients --------------------------------------------------------------------------------

constexpr int kRedirectUri = 0;
constexpr int kPostLogoutRedirectUri = 1;

// Columns: c.id, c.name, c.secret_hash, c.created_at, c.updated_at, c.scopes,
// c.organization_id, c.backchannel_logout_uri, u.kind, u.uri; one row per URI (or one row with
// NULL kind for a client without URIs), grouped by client, URIs in order.
constexpr const char* kSelectClients =
    "SELECT c.id, c.name, c.secret_hash, c.created_at, c.updated_at, c.scopes, c.organization_id, "
    "c.backchannel_logout_uri, u.kind, u.uri "
    "FROM clients c LEFT JOIN client_redirect_uris u ON u.client_id = c.id ";

// Client::scopes as stored: a JSON array of strings, in order.
std::string EncodeScopes(const std::vector<std::string>& scopes) {
  boost::json::array array;
  for (const auto& scope : scopes) array.emplace_back(scope);
  return boost::json::serialize(array);
}

Result<std::vector<std::string>> DecodeScopes(const std::string& client_id, const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  const auto bad = [&] { return DataLossError("sqlite: client " + client_id + " has malformed scopes: " + text); };
  if (ec || !value.is_array()) return bad();
  std::vector<std::string> scopes;
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) return bad();
    scopes.emplace_back(item.get_string());
  }
  return scopes;
}

Result<std::vector<Client>> ReadClients(SQLite::Statement& stmt) {
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
      ASSIGN_OR_RETURN(c.scopes, DecodeScopes(c.id, ColumnBytes(stmt.getColumn(5))));
      c.organization_id = ColumnBytes(stmt.getColumn(6));
      c.backchannel_logout_uri = ColumnBytes(stmt.getColumn(7));
      clients.push_back(std::move(c));
    }
    if (stmt.getColumn(8).isNull()) continue;
    auto& list = stmt.getColumn(8).getInt() == kRedirectUri ? clients.back().redirect_uris
                                                            : clients.back().post_logout_redirect_uris;
    list.push_back(ColumnBytes(stmt.getColumn(9)));
  }
  return clients;
}

Result<Client> LoadClient(SQLite::Database& db, std::string_view id) {
  SQLite::Statement& stmt = Prepare(db, std::string(kSelectClients) + "WHERE c.id = ?1 ORDER BY u.kind, u.position");
  BindText(stmt, 1, id);
  ASSIGN_OR_RETURN(std::vector<Client> clients, ReadClients(stmt));
  if (clients.empty()) return NotFoundError("client " + std::string(id) + " does not exist");
  return std::move(clients.front());
}

// Binds ?1 id, ?2 name, ?3 secret_hash, ?4 created_at, ?5 updated_at, ?6 scopes,
// ?7 organization_id, ?8 backchannel_logout_uri.
void BindClient(SQLite::Statement& stmt, const Client& client) {
  BindText(stmt, 1, client.id);
  BindText(stmt, 2, client.name);
  BindText(stmt, 3, client.secret_hash);
  stmt.bind(4, static_cast<std::int64_t>(client.created_at));
  stmt.bind(5, static_cast<std::int64_t>(client.updated_at));
  BindText(stmt, 6, EncodeScopes(client.scopes));
  BindText(stmt, 7, client.organization_id);
  BindText(stmt, 8, client.backchannel_logout_uri);
}

void InsertUris(SQLite::Database& db, const Client& client) {
  SQLite::Statement& stmt = Prepare(
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
  SQLite::Statement& stmt = Prepare(
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
  SQLite::Statement& stmt = Prepare(db, "SELECT kid FROM signing_keys WHERE alg = ?1 AND state = ?2");
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
  // Not cached: the migrations change the schema right after, and run once.
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
      SQLite::Statement record(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
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
      SQLite::Statement stmt(db, "PRAGMA journal_mode = WAL");  // once per file: not cached
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
    SQLite::Statement& stmt = Prepare(db,
                           "INSERT INTO clients (id, name, secret_hash, created_at, updated_at, scopes, "
                           "organization_id, backchannel_logout_uri) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    BindClient(stmt, client);
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
    SQLite::Statement& stmt = Prepare(db,
                           std::string(kSelectClients) + "ORDER BY c.created_at, c.id, u.kind, u.position");
    return ReadClients(stmt);
  });
}

Status SqliteStore::DeleteClient(std::string_view id) {
  return RunWrite(*pool_, "delete client " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM clients WHERE id = ?1");  // URIs go by ON DELETE CASCADE
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
    SQLite::Statement& stmt = Prepare(db,
                           "UPDATE clients SET name = ?2, secret_hash = ?3, created_at = ?4, updated_at = ?5, "
                           "scopes = ?6, organization_id = ?7, backchannel_logout_uri = ?8 WHERE id = ?1");
    BindClient(stmt, updated);
    stmt.exec();
    SQLite::Statement& clear = Prepare(db, "DELETE FROM client_redirect_uris WHERE client_id = ?1");
    BindText(clear, 1, updated.id);
    clear.exec();
    InsertUris(db, updated);
    return updated;
  });
}

Result<std::vector<SigningKeyRecord>> SqliteStore::ListSigningKeys() {
  return RunRead(*pool_, "list signing keys",
                 [&](SQLite::Database& db) -> Result<std::vector<SigningKeyRecord>> {
                   SQLite::Statement& stmt = Prepare(db, std::string(kSelectKeys) + "ORDER BY created_at, kid");
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
      SQLite::Statement& retire = Prepare(
          db, "UPDATE signing_keys SET state = ?2, retired_at = ?3, expires_at = ?4 WHERE kid = ?1");
      BindText(retire, 1, *active);
      retire.bind(2, static_cast<int>(KeyState::kRetired));
      retire.bind(3, static_cast<std::int64_t>(now));
      retire.bind(4, static_cast<std::int64_t>(retired_expires_at));
      retire.exec();
    }
    SQLite::Statement& promote = Prepare(db, "UPDATE signing_keys SET state = ?2, activated_at = ?3 WHERE kid = ?1");
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
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM signing_keys WHERE state = ?1 AND expires_at <= ?2");
    stmt.bind(1, static_cast<int>(KeyState::kRetired));
    stmt.bind(2, static_cast<std::int64_t>(now));
    return stmt.exec();
  });
}

Result<std::string> SqliteStore::GetSetting(std::string_view key) {
  return RunRead(*pool_, "get setting " + std::string(key), [&](SQLite::Database& db) -> Result<std::string> {
    SQLite::Statement& stmt = Prepare(db, "SELECT value FROM settings WHERE key = ?1");
    BindText(stmt, 1, key);
    if (!stmt.executeStep()) return NotFoundError("setting " + std::string(key) + " is not set");
    return ColumnBytes(stmt.getColumn(0));
  });
}

Status SqliteStore::PutSetting(std::string_view key, std::string_view value) {
  return RunWrite(*pool_, "put setting " + std::string(key), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db,
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
                    SQLite::Statement& stmt = Prepare(
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
    SQLite::Statement& integrity = Prepare(db, "PRAGMA integrity_check");
    while (integrity.executeStep()) report.push_back(ColumnBytes(integrity.getColumn(0)));
    if (report.size() != 1 || report.front() != "ok") {
      std::string joined;
      for (const auto& line : report) joined += (joined.empty() ? "" : "; ") + line;
      return DataLossError("sqlite: integrity_check failed: " + joined);
    }
    // integrity_check does not look at foreign keys.
    SQLite::Statement& fk = Prepare(db, "PRAGMA foreign_key_check");
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
    SQLite::Statement& stmt = Prepare(db, "SELECT max(version) FROM schema_migrations");
    stmt.executeStep();
    return Status::Ok();
  });
  if (!status.ok() && status.code() != StatusCode::kUnavailable) {
    return UnavailableError(status.message());
  }
  return status;
}

// ---- Expiry ---------------------------------------------------------------------------------

Result<int> SqliteStore::DeleteExpiredBatch(UnixSeconds now, int limit) {
  if (limit <= 0) return InvalidArgumentError("delete expired: limit " + std::to_string(limit) + " must be positive");
  return RunWrite(*pool_, "delete expired", [&](SQLite::Database& db) -> Result<int> {
    int deleted = 0;
    // Each statement takes what is left of the budget, by key, and the next one runs only once
    // this one has taken everything it matched: the order below then holds across batches.
    for (const char* query : {
             "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions "
             "WHERE idle_expires_at <= ?1 OR expires_at <= ?1 LIMIT ?2)",
             "DELETE FROM email_challenges WHERE rowid IN (SELECT rowid FROM email_challenges "
             "WHERE expires_at <= ?1 LIMIT ?2)",
             // A used code stays while the grant it produced lives: a replay must still find
             // it, and revoke that grant, however late it comes.
             "DELETE FROM authorization_codes WHERE rowid IN (SELECT rowid FROM authorization_codes a "
             "WHERE a.expires_at <= ?1 AND (a.consumed_at = 0 OR NOT EXISTS "
             "(SELECT 1 FROM grants g WHERE g.code_hash = a.code_hash AND g.expires_at > ?1)) LIMIT ?2)",
             "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE window_end <= ?1 LIMIT ?2)",
             // Refresh tokens of expired grants first, so that the cascade does not take them
             // uncounted. Revoked grants stay until they expire: reuse must still be noticed.
             "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT token_hash FROM refresh_tokens "
             "WHERE expires_at <= ?1 OR grant_id IN (SELECT id FROM grants WHERE expires_at <= ?1) LIMIT ?2)",
             "DELETE FROM grants WHERE rowid IN (SELECT rowid FROM grants WHERE expires_at <= ?1 LIMIT ?2)",
             "DELETE FROM access_tokens WHERE jti IN (SELECT jti FROM access_tokens WHERE expires_at <= ?1 LIMIT ?2)",
             "DELETE FROM upstream_logins WHERE relay_hash IN (SELECT relay_hash FROM upstream_logins "
             "WHERE expires_at <= ?1 LIMIT ?2)",
             "DELETE FROM single_use WHERE key_hash IN (SELECT key_hash FROM single_use WHERE expires_at <= ?1 LIMIT ?2)",
         }) {
      const int budget = limit - deleted;
      SQLite::Statement& stmt = Prepare(db, query);
      BindTime(stmt, 1, now);
      stmt.bind(2, budget);
      const int n = stmt.exec();
      deleted += n;
      if (n >= budget) break;  // out of budget; the rest waits for the next batch
    }
    return deleted;
  });
}

}  // namespace gatehouse::store::sqlite
