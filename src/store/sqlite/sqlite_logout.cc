// SqliteStore: the back-channel logout delivery queue (schema:
// migrations/sqlite/0006_logout_deliveries.sql). A claim is one write transaction (BEGIN
// IMMEDIATE), so two nodes on one file never claim the same delivery.
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "store/sqlite/connection_pool.h"
#include "store/sqlite/sqlite_store.h"

namespace gatehouse::store::sqlite {
namespace {

// Reads a row of `SELECT id, client_id, uri, user_id, session_id, attempts, next_at_ms, created_at`.
LogoutDelivery ReadDelivery(SQLite::Statement& stmt) {
  return LogoutDelivery{.id = stmt.getColumn(0).getInt64(),
                        .client_id = ColumnBytes(stmt.getColumn(1)),
                        .uri = ColumnBytes(stmt.getColumn(2)),
                        .user_id = ColumnBytes(stmt.getColumn(3)),
                        .session_id = ColumnBytes(stmt.getColumn(4)),
                        .attempts = stmt.getColumn(5).getInt(),
                        .next_at_ms = stmt.getColumn(6).getInt64(),
                        .created_at = stmt.getColumn(7).getInt64()};
}

}  // namespace

Result<std::int64_t> SqliteStore::EnqueueLogoutDelivery(const LogoutDelivery& d) {
  return RunWrite(*pool_, "enqueue logout delivery", [&](SQLite::Database& db) -> Result<std::int64_t> {
    SQLite::Statement& stmt = Prepare(db,
                                      "INSERT INTO logout_deliveries (client_id, uri, user_id, session_id, "
                                      "attempts, next_at_ms, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    BindText(stmt, 1, d.client_id);
    BindText(stmt, 2, d.uri);
    BindText(stmt, 3, d.user_id);
    BindText(stmt, 4, d.session_id);
    stmt.bind(5, d.attempts);
    BindTime(stmt, 6, d.next_at_ms);
    BindTime(stmt, 7, d.created_at);
    stmt.exec();
    return db.getLastInsertRowid();
  });
}

Result<std::vector<LogoutDelivery>> SqliteStore::ClaimLogoutDeliveries(std::int64_t now_ms, std::int64_t claim_ms,
                                                                       int limit) {
  if (limit < 1 || claim_ms < 1) {
    return InvalidArgumentError("claim logout deliveries: limit " + std::to_string(limit) + " and claim " +
                                std::to_string(claim_ms) + " ms must be positive");
  }
  return RunWrite(*pool_, "claim logout deliveries", [&](SQLite::Database& db) -> Result<std::vector<LogoutDelivery>> {
    SQLite::Statement& due = Prepare(db,
                                     "SELECT id, client_id, uri, user_id, session_id, attempts, next_at_ms, "
                                     "created_at FROM logout_deliveries WHERE next_at_ms <= ?1 "
                                     "ORDER BY next_at_ms, id LIMIT ?2");
    BindTime(due, 1, now_ms);
    due.bind(2, limit);
    std::vector<LogoutDelivery> claimed;
    while (due.executeStep()) claimed.push_back(ReadDelivery(due));
    SQLite::Statement& claim = Prepare(db, "UPDATE logout_deliveries SET next_at_ms = ?2 WHERE id = ?1");
    for (const LogoutDelivery& d : claimed) {
      claim.reset();
      BindTime(claim, 1, d.id);
      BindTime(claim, 2, now_ms + claim_ms);
      claim.exec();
    }
    return claimed;
  });
}

Status SqliteStore::RescheduleLogoutDelivery(std::int64_t id, int attempts, std::int64_t next_at_ms) {
  return RunWrite(*pool_, "reschedule logout delivery", [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "UPDATE logout_deliveries SET attempts = ?2, next_at_ms = ?3 WHERE id = ?1");
    BindTime(stmt, 1, id);
    stmt.bind(2, attempts);
    BindTime(stmt, 3, next_at_ms);
    if (stmt.exec() == 0) return NotFoundError("logout delivery " + std::to_string(id) + " is gone");
    return Status::Ok();
  });
}

Status SqliteStore::DeleteLogoutDelivery(std::int64_t id) {
  return RunWrite(*pool_, "delete logout delivery", [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM logout_deliveries WHERE id = ?1");
    BindTime(stmt, 1, id);
    stmt.exec();
    return Status::Ok();
  });
}

Result<std::optional<std::int64_t>> SqliteStore::NextLogoutDeliveryAt() {
  return RunRead(*pool_, "next logout delivery", [&](SQLite::Database& db) -> Result<std::optional<std::int64_t>> {
    SQLite::Statement& stmt = Prepare(db, "SELECT min(next_at_ms) FROM logout_deliveries");
    if (!stmt.executeStep() || stmt.getColumn(0).isNull()) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(stmt.getColumn(0).getInt64());
  });
}

}  // namespace gatehouse::store::sqlite
