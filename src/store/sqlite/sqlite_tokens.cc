// SqliteStore: grants, refresh tokens and access-token records (schema:
// migrations/sqlite/0004_tokens.sql). The plumbing (pool, transactions, error mapping) is shared
// through connection_pool.h.
//
// Two refusals write: a reused code or refresh token and an ended session revoke the grant, and
// that revocation must stick although the call fails. RunWrite commits only an OK result, so
// those bodies return the refusal inside an OK Committed<T>, unwrapped after the commit.
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <utility>

#include "store/sqlite/connection_pool.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace gatehouse::store::sqlite {

namespace {

// What a write transaction answers when it may refuse after writing (see the file comment).
template <typename T>
struct Committed {
  Status refusal;  // OK: `value` is the answer
  T value{};
};

template <typename T>
Result<T> Unwrap(Result<Committed<T>> result) {
  if (!result.ok()) return result.error();
  if (!result->refusal.ok()) return result->refusal;
  return std::move(result->value);
}

// The refusals callers tell apart by message (store.h): exactly the constant, no context.
Status Refusal(std::string_view why) { return FailedPreconditionError(std::string(why)); }

Status RequirePositive(UnixSeconds now, std::string_view what) {
  if (now > 0) return Status::Ok();
  return InvalidArgumentError(std::string(what) + ": now must be positive (0 means not set)");
}

// ---- Rows -----------------------------------------------------------------------------------

// Every grants column, as `g`, in ReadGrant's order.
constexpr const char* kGrantColumns =
    "g.id, g.code_hash, g.client_id, g.user_id, g.organization_id, g.session_id, g.scope, g.connection_id, "
    "g.auth_method, g.auth_time, g.created_at, g.expires_at, g.revoked_at ";

Grant ReadGrant(SQLite::Statement& stmt, int first) {
  Grant g;
  g.id = ColumnBytes(stmt.getColumn(first));
  g.code_hash = ColumnBytes(stmt.getColumn(first + 1));
  g.client_id = ColumnBytes(stmt.getColumn(first + 2));
  g.user_id = ColumnBytes(stmt.getColumn(first + 3));
  g.organization_id = ColumnBytes(stmt.getColumn(first + 4));
  g.session_id = ColumnBytes(stmt.getColumn(first + 5));
  g.scope = ColumnBytes(stmt.getColumn(first + 6));
  g.connection_id = ColumnBytes(stmt.getColumn(first + 7));
  g.auth_method = ColumnBytes(stmt.getColumn(first + 8));
  g.auth_time = stmt.getColumn(first + 9).getInt64();
  g.created_at = stmt.getColumn(first + 10).getInt64();
  g.expires_at = stmt.getColumn(first + 11).getInt64();
  g.revoked_at = stmt.getColumn(first + 12).getInt64();
  return g;
}

void InsertGrant(SQLite::Database& db, const Grant& g) {
  SQLite::Statement& stmt = Prepare(
      db,
      "INSERT INTO grants (id, code_hash, client_id, user_id, organization_id, session_id, scope, "
      "connection_id, auth_method, auth_time, created_at, expires_at, revoked_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  BindText(stmt, 1, g.id);
  BindText(stmt, 2, g.code_hash);
  BindText(stmt, 3, g.client_id);
  BindText(stmt, 4, g.user_id);
  BindText(stmt, 5, g.organization_id);
  BindText(stmt, 6, g.session_id);
  BindText(stmt, 7, g.scope);
  BindText(stmt, 8, g.connection_id);
  BindText(stmt, 9, g.auth_method);
  BindTime(stmt, 10, g.auth_time);
  BindTime(stmt, 11, g.created_at);
  BindTime(stmt, 12, g.expires_at);
  BindTime(stmt, 13, g.revoked_at);
  stmt.exec();  // a taken id or code_hash -> kAlreadyExists
}

void InsertRefreshToken(SQLite::Database& db, const RefreshToken& t) {
  SQLite::Statement& stmt = Prepare(db,
                                    "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at, "
                                    "rotated_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  BindText(stmt, 1, t.token_hash);
  BindText(stmt, 2, t.grant_id);
  BindTime(stmt, 3, t.created_at);
  BindTime(stmt, 4, t.expires_at);
  BindTime(stmt, 5, t.rotated_at);
  stmt.exec();  // a taken token_hash -> kAlreadyExists
}

// An empty grant_id is stored as NULL (the partial index on grant_id skips those rows).
void InsertAccessToken(SQLite::Database& db, const AccessTokenRecord& a) {
  SQLite::Statement& stmt = Prepare(
      db, "INSERT INTO access_tokens (jti, grant_id, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4)");
  BindText(stmt, 1, a.jti);
  if (a.grant_id.empty()) {
    stmt.bind(2);  // NULL
  } else {
    BindText(stmt, 2, a.grant_id);
  }
  BindTime(stmt, 3, a.expires_at);
  BindTime(stmt, 4, a.revoked_at);
  stmt.exec();  // a taken jti -> kAlreadyExists
}

// What the grant of a code or a refresh writes besides the grant row, with grant_id set to the
// grant's (store.h: the store, not the caller, ties them together).
void InsertTokens(SQLite::Database& db, const std::string& grant_id, const TokenIssue& issue) {
  if (issue.refresh) {
    RefreshToken refresh = *issue.refresh;
    refresh.grant_id = grant_id;
    InsertRefreshToken(db, refresh);
  }
  AccessTokenRecord access = issue.access;
  access.grant_id = grant_id;
  InsertAccessToken(db, access);
}

// Revokes the grant at `now` unless it was revoked before, and marks its access-token records,
// so that they read as revoked even after DeleteExpired drops the grant's row.
void RevokeGrantIn(SQLite::Database& db, std::string_view grant_id, UnixSeconds now) {
  SQLite::Statement& grant = Prepare(db, "UPDATE grants SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0");
  BindText(grant, 1, grant_id);
  BindTime(grant, 2, now);
  grant.exec();
  SQLite::Statement& access =
      Prepare(db, "UPDATE access_tokens SET revoked_at = ?2 WHERE grant_id = ?1 AND revoked_at = 0");
  BindText(access, 1, grant_id);
  BindTime(access, 2, now);
  access.exec();
}

Result<Store::RefreshLookup> LoadRefreshToken(SQLite::Database& db, std::string_view token_hash) {
  SQLite::Statement& stmt = Prepare(
      db, std::string("SELECT r.token_hash, r.grant_id, r.created_at, r.expires_at, r.rotated_at, ") + kGrantColumns +
              "FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id WHERE r.token_hash = ?1");
  BindText(stmt, 1, token_hash);
  if (!stmt.executeStep()) return NotFoundError("no refresh token has this hash");
  Store::RefreshLookup found;
  found.token.token_hash = ColumnBytes(stmt.getColumn(0));
  found.token.grant_id = ColumnBytes(stmt.getColumn(1));
  found.token.created_at = stmt.getColumn(2).getInt64();
  found.token.expires_at = stmt.getColumn(3).getInt64();
  found.token.rotated_at = stmt.getColumn(4).getInt64();
  found.grant = ReadGrant(stmt, 5);
  return found;
}

// Touches the session if it is live at `now` (its row exists and neither end has passed) and
// says whether it was: using the application keeps the sign-in alive (store.h).
bool TouchLiveSession(SQLite::Database& db, const std::string& session_id, UnixSeconds now,
                      UnixSeconds idle_expires_at) {
  SQLite::Statement& touch = Prepare(db,
                                     "UPDATE sessions SET last_seen_at = ?2, idle_expires_at = min(?3, expires_at) "
                                     "WHERE id = ?1 AND expires_at > ?2 AND idle_expires_at > ?2");
  BindText(touch, 1, session_id);
  BindTime(touch, 2, now);
  BindTime(touch, 3, idle_expires_at);
  return touch.exec() == 1;
}

}  // namespace

// ---- Code exchange --------------------------------------------------------------------------

Result<AuthorizationCode> SqliteStore::RedeemAuthorizationCode(
    std::string_view code_hash, UnixSeconds now,
    const std::function<Result<TokenIssue>(const AuthorizationCode&)>& issue) {
  RETURN_IF_ERROR(RequirePositive(now, "redeem authorization code"));
  // The code itself stays out of messages, as in ConsumeAuthorizationCode.
  const auto body = [&](SQLite::Database& db) -> Result<Committed<AuthorizationCode>> {
    SQLite::Statement& read = Prepare(db, std::string(kSelectCodes) + "WHERE code_hash = ?1");
    BindText(read, 1, code_hash);
    if (!read.executeStep()) return NotFoundError("no authorization code has this hash");
    Committed<AuthorizationCode> out;
    out.value = ReadCode(read);
    if (out.value.consumed_at != 0) {
      // RFC 6749 §4.1.2: a second use revokes what the first issued. A code consumed without a
      // grant (ConsumeAuthorizationCode, or an exchange whose grant has expired) has none.
      SQLite::Statement& grant = Prepare(db, "SELECT id FROM grants WHERE code_hash = ?1");
      BindText(grant, 1, code_hash);
      if (grant.executeStep()) RevokeGrantIn(db, ColumnBytes(grant.getColumn(0)), now);
      out.refusal = Refusal(kCodeReused);
      return out;
    }
    ASSIGN_OR_RETURN(TokenIssue tokens, issue(out.value));
    SQLite::Statement& consume = Prepare(db, "UPDATE authorization_codes SET consumed_at = ?2 WHERE code_hash = ?1");
    BindText(consume, 1, code_hash);
    BindTime(consume, 2, now);
    consume.exec();
    // The grant is found again by its code on a second use: it names this code, whatever
    // `issue` put there.
    tokens.grant.code_hash = std::string(code_hash);
    InsertGrant(db, tokens.grant);
    InsertTokens(db, tokens.grant.id, tokens);
    return out;
  };
  return Unwrap(RunWrite(*pool_, "redeem authorization code", body));
}

// ---- Refresh tokens -------------------------------------------------------------------------

Result<Store::RefreshLookup> SqliteStore::FindRefreshToken(std::string_view token_hash) {
  // One statement, one snapshot: the token and its grant as they were together.
  return RunRead(*pool_, "find refresh token",
                 [&](SQLite::Database& db) { return LoadRefreshToken(db, token_hash); });
}

Result<Grant> SqliteStore::RotateRefreshToken(std::string_view token_hash, UnixSeconds now, UnixSeconds grace,
                                              UnixSeconds session_idle_expires_at, const TokenIssue& issue) {
  RETURN_IF_ERROR(RequirePositive(now, "rotate refresh token"));
  const auto body = [&](SQLite::Database& db) -> Result<Committed<Grant>> {
    ASSIGN_OR_RETURN(RefreshLookup found, LoadRefreshToken(db, token_hash));
    Committed<Grant> out;
    out.value = std::move(found.grant);
    const Grant& grant = out.value;
    if (grant.revoked_at != 0) return Refusal(kGrantRevoked);
    if (found.token.expires_at <= now || grant.expires_at <= now) return Refusal(kRefreshExpired);
    if (found.token.rotated_at != 0 && now - found.token.rotated_at >= grace) {
      // RFC 9700 §4.14.2: a rotated token presented again was copied; end the whole grant.
      RevokeGrantIn(db, grant.id, now);
      out.refusal = Refusal(kRefreshReused);
      return out;
    }
    if (!grant.session_id.empty() && !TouchLiveSession(db, grant.session_id, now, session_idle_expires_at)) {
      RevokeGrantIn(db, grant.id, now);
      out.refusal = Refusal(kSessionEnded);
      return out;
    }
    SQLite::Statement& rotate =
        Prepare(db, "UPDATE refresh_tokens SET rotated_at = ?2 WHERE token_hash = ?1 AND rotated_at = 0");
    BindText(rotate, 1, token_hash);
    BindTime(rotate, 2, now);
    rotate.exec();  // a retry within the grace period keeps the first rotation's time
    InsertTokens(db, grant.id, issue);
    return out;
  };
  return Unwrap(RunWrite(*pool_, "rotate refresh token", body));
}

// ---- Revocation -----------------------------------------------------------------------------

Status SqliteStore::RevokeGrant(std::string_view grant_id, UnixSeconds now) {
  RETURN_IF_ERROR(RequirePositive(now, "revoke grant"));
  return RunWrite(*pool_, "revoke grant " + std::string(grant_id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& exists = Prepare(db, "SELECT 1 FROM grants WHERE id = ?1");
    BindText(exists, 1, grant_id);
    if (!exists.executeStep()) return NotFoundError("grant " + std::string(grant_id) + " does not exist");
    RevokeGrantIn(db, grant_id, now);
    return Status::Ok();
  });
}

Status SqliteStore::RevokeAccessToken(std::string_view jti, UnixSeconds expires_at, UnixSeconds now) {
  RETURN_IF_ERROR(RequirePositive(now, "revoke access token"));
  return RunWrite(*pool_, "revoke access token " + std::string(jti), [&](SQLite::Database& db) -> Status {
    // A recorded token keeps its own expiry and the time it was first revoked.
    SQLite::Statement& stmt = Prepare(db,
                                      "INSERT INTO access_tokens (jti, grant_id, expires_at, revoked_at) "
                                      "VALUES (?1, NULL, ?2, ?3) ON CONFLICT (jti) DO UPDATE "
                                      "SET revoked_at = excluded.revoked_at WHERE revoked_at = 0");
    BindText(stmt, 1, jti);
    BindTime(stmt, 2, expires_at);
    BindTime(stmt, 3, now);
    stmt.exec();
    return Status::Ok();
  });
}

Result<AccessTokenState> SqliteStore::GetAccessTokenState(std::string_view jti) {
  const auto body = [&](SQLite::Database& db) -> Result<AccessTokenState> {
    // The grant is read too, although revoking it marks its records: the answer does not rest
    // on every revocation path remembering to.
    SQLite::Statement& stmt = Prepare(db,
                                      "SELECT a.revoked_at, coalesce(g.revoked_at, 0) FROM access_tokens a "
                                      "LEFT JOIN grants g ON g.id = a.grant_id WHERE a.jti = ?1");
    BindText(stmt, 1, jti);
    AccessTokenState state;
    if (!stmt.executeStep()) return state;
    state.recorded = true;
    state.revoked = stmt.getColumn(0).getInt64() != 0 || stmt.getColumn(1).getInt64() != 0;
    return state;
  };
  return RunRead(*pool_, "get access token state " + std::string(jti), body);
}

Result<std::vector<Grant>> SqliteStore::EndSession(std::string_view session_id, UnixSeconds now) {
  RETURN_IF_ERROR(RequirePositive(now, "end session"));
  // "" is what a grant without a session holds: ending it would revoke all of those.
  if (session_id.empty()) return InvalidArgumentError("end session: empty session id");
  const auto body = [&](SQLite::Database& db) -> Result<std::vector<Grant>> {
    SQLite::Statement& end = Prepare(db, "DELETE FROM sessions WHERE id = ?1");
    BindText(end, 1, session_id);
    end.exec();  // absent already: the grants are revoked all the same
    SQLite::Statement& live = Prepare(db, std::string("SELECT ") + kGrantColumns +
                                              "FROM grants g WHERE g.session_id = ?1 AND g.revoked_at = 0 "
                                              "ORDER BY g.created_at, g.id");
    BindText(live, 1, session_id);
    std::vector<Grant> revoked;
    while (live.executeStep()) {
      revoked.push_back(ReadGrant(live, 0));
      revoked.back().revoked_at = now;
    }
    // Set-based rather than RevokeGrantIn per grant: one statement each, however many grants.
    SQLite::Statement& access = Prepare(db,
                                        "UPDATE access_tokens SET revoked_at = ?2 WHERE revoked_at = 0 AND grant_id IN "
                                        "(SELECT id FROM grants WHERE session_id = ?1)");
    BindText(access, 1, session_id);
    BindTime(access, 2, now);
    access.exec();
    SQLite::Statement& grants =
        Prepare(db, "UPDATE grants SET revoked_at = ?2 WHERE session_id = ?1 AND revoked_at = 0");
    BindText(grants, 1, session_id);
    BindTime(grants, 2, now);
    grants.exec();
    return revoked;
  };
  return RunWrite(*pool_, "end session " + std::string(session_id), body);
}

}  // namespace gatehouse::store::sqlite
