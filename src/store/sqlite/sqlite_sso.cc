// SqliteStore: linked upstream identities, upstream login legs and single-use keys (schema:
// migrations/sqlite/0005_sso.sql). The plumbing (pool, transactions, error mapping) is shared
// through connection_pool.h.
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "store/sqlite/connection_pool.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace gatehouse::store::sqlite {

Result<LinkedIdentity> SqliteStore::FindLinkedIdentity(std::string_view connection_id, std::string_view subject) {
  return RunRead(*pool_, "find linked identity", [&](SQLite::Database& db) -> Result<LinkedIdentity> {
    SQLite::Statement& stmt = Prepare(db,
                                      "SELECT connection_id, subject, user_id, created_at FROM identities "
                                      "WHERE connection_id = ?1 AND subject = ?2");
    BindText(stmt, 1, connection_id);
    BindText(stmt, 2, subject);
    if (!stmt.executeStep()) return NotFoundError("no user is linked to this identity");
    return LinkedIdentity{.connection_id = ColumnBytes(stmt.getColumn(0)),
                          .subject = ColumnBytes(stmt.getColumn(1)),
                          .user_id = ColumnBytes(stmt.getColumn(2)),
                          .created_at = stmt.getColumn(3).getInt64()};
  });
}

Status SqliteStore::LinkIdentity(const LinkedIdentity& identity) {
  return RunWrite(*pool_, "link identity", [&](SQLite::Database& db) -> Status {
    SQLite::Statement& user = Prepare(db, "SELECT 1 FROM users WHERE id = ?1");
    BindText(user, 1, identity.user_id);
    if (!user.executeStep()) return NotFoundError("user " + identity.user_id + " does not exist");
    SQLite::Statement& stmt = Prepare(db,
                                      "INSERT INTO identities (connection_id, subject, user_id, created_at) "
                                      "VALUES (?1, ?2, ?3, ?4)");
    BindText(stmt, 1, identity.connection_id);
    BindText(stmt, 2, identity.subject);
    BindText(stmt, 3, identity.user_id);
    BindTime(stmt, 4, identity.created_at);
    stmt.exec();  // linked already -> kAlreadyExists
    return Status::Ok();
  });
}

Status SqliteStore::PutUpstreamLogin(const UpstreamLogin& login) {
  return RunWrite(*pool_, "put upstream login", [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt =
        Prepare(db,
                "INSERT INTO upstream_logins (relay_hash, connection_id, transaction_token, upstream_state, "
                "browser_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    BindText(stmt, 1, login.relay_hash);
    BindText(stmt, 2, login.connection_id);
    BindText(stmt, 3, login.transaction_token);
    BindText(stmt, 4, login.upstream_state);
    BindText(stmt, 5, login.browser_hash);
    BindTime(stmt, 6, login.created_at);
    BindTime(stmt, 7, login.expires_at);
    stmt.exec();
    return Status::Ok();
  });
}

Result<UpstreamLogin> SqliteStore::TakeUpstreamLogin(std::string_view relay_hash, UnixSeconds now) {
  return RunWrite(*pool_, "take upstream login", [&](SQLite::Database& db) -> Result<UpstreamLogin> {
    SQLite::Statement& stmt = Prepare(db,
                                      "DELETE FROM upstream_logins WHERE relay_hash = ?1 RETURNING relay_hash, "
                                      "connection_id, transaction_token, upstream_state, browser_hash, created_at, "
                                      "expires_at");
    BindText(stmt, 1, relay_hash);
    if (!stmt.executeStep()) return NotFoundError("no such upstream login");
    UpstreamLogin l{.relay_hash = ColumnBytes(stmt.getColumn(0)),
                    .connection_id = ColumnBytes(stmt.getColumn(1)),
                    .transaction_token = ColumnBytes(stmt.getColumn(2)),
                    .upstream_state = ColumnBytes(stmt.getColumn(3)),
                    .browser_hash = ColumnBytes(stmt.getColumn(4)),
                    .created_at = stmt.getColumn(5).getInt64(),
                    .expires_at = stmt.getColumn(6).getInt64()};
    // An expired leg stays (the refusal rolls the delete back) until DeleteExpired.
    if (l.expires_at <= now) return NotFoundError("the upstream login expired");
    return l;
  });
}

Result<bool> SqliteStore::UseOnce(std::string_view key_hash, UnixSeconds expires_at, UnixSeconds now) {
  return RunWrite(*pool_, "use once", [&](SQLite::Database& db) -> Result<bool> {
    // An expired record of the same key no longer counts: replace it.
    SQLite::Statement& stmt = Prepare(db,
                                      "INSERT INTO single_use (key_hash, expires_at) VALUES (?1, ?2) "
                                      "ON CONFLICT (key_hash) DO UPDATE SET expires_at = excluded.expires_at "
                                      "WHERE single_use.expires_at <= ?3");
    BindText(stmt, 1, key_hash);
    BindTime(stmt, 2, expires_at);
    BindTime(stmt, 3, now);
    return stmt.exec() == 1;
  });
}

}  // namespace gatehouse::store::sqlite
