// SqliteStore: users, memberships, browser sessions, passwordless challenges, rate limits,
// authorization codes (schema: migrations/sqlite/0003_users_sessions.sql), and the expiry of
// these and of the token tables (0004_tokens.sql; the rest of them is in sqlite_tokens.cc).
// The plumbing (pool, transactions, error mapping) is shared through connection_pool.h.
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "store/sqlite/connection_pool.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace gatehouse::store::sqlite {

namespace {

bool RowExists(SQLite::Database& db, const char* query, std::string_view id) {
  SQLite::Statement& stmt = Prepare(db, query);
  BindText(stmt, 1, id);
  return stmt.executeStep();
}

// ---- Users ----------------------------------------------------------------------------------

constexpr const char* kSelectUsers = "SELECT id, email, email_verified, name, created_at, updated_at FROM users ";

User ReadUser(SQLite::Statement& stmt) {
  User u;
  u.id = ColumnBytes(stmt.getColumn(0));
  u.email = ColumnBytes(stmt.getColumn(1));
  u.email_verified = stmt.getColumn(2).getInt() != 0;
  u.name = ColumnBytes(stmt.getColumn(3));
  u.created_at = stmt.getColumn(4).getInt64();
  u.updated_at = stmt.getColumn(5).getInt64();
  return u;
}

// ---- Sessions -------------------------------------------------------------------------------

constexpr const char* kSelectSessions =
    "SELECT id, token_hash, user_id, connection_id, auth_method, auth_time, created_at, last_seen_at, "
    "idle_expires_at, expires_at FROM sessions ";

Session ReadSession(SQLite::Statement& stmt) {
  Session s;
  s.id = ColumnBytes(stmt.getColumn(0));
  s.token_hash = ColumnBytes(stmt.getColumn(1));
  s.user_id = ColumnBytes(stmt.getColumn(2));
  s.connection_id = ColumnBytes(stmt.getColumn(3));
  s.auth_method = ColumnBytes(stmt.getColumn(4));
  s.auth_time = stmt.getColumn(5).getInt64();
  s.created_at = stmt.getColumn(6).getInt64();
  s.last_seen_at = stmt.getColumn(7).getInt64();
  s.idle_expires_at = stmt.getColumn(8).getInt64();
  s.expires_at = stmt.getColumn(9).getInt64();
  return s;
}

// ---- Email challenges -----------------------------------------------------------------------

constexpr const char* kSelectChallenges =
    "SELECT transaction_id, email, code_hash, link_hash, browser_hash, sealed_transaction, attempts, "
    "send_count, last_sent_at, created_at, expires_at, consumed_at FROM email_challenges ";

EmailChallenge ReadChallenge(SQLite::Statement& stmt) {
  EmailChallenge c;
  c.transaction_id = ColumnBytes(stmt.getColumn(0));
  c.email = ColumnBytes(stmt.getColumn(1));
  c.code_hash = ColumnBytes(stmt.getColumn(2));
  c.link_hash = ColumnBytes(stmt.getColumn(3));  // NULL reads as ""
  c.browser_hash = ColumnBytes(stmt.getColumn(4));
  c.sealed_transaction = ColumnBytes(stmt.getColumn(5));
  c.attempts = stmt.getColumn(6).getInt();
  c.send_count = stmt.getColumn(7).getInt();
  c.last_sent_at = stmt.getColumn(8).getInt64();
  c.created_at = stmt.getColumn(9).getInt64();
  c.expires_at = stmt.getColumn(10).getInt64();
  c.consumed_at = stmt.getColumn(11).getInt64();
  return c;
}

// Binds the columns as ?1..?12, in kSelectChallenges order. An empty link_hash is NULL, so that
// the partial unique index ignores it.
void BindChallenge(SQLite::Statement& stmt, const EmailChallenge& c) {
  BindText(stmt, 1, c.transaction_id);
  BindText(stmt, 2, c.email);
  BindText(stmt, 3, c.code_hash);
  if (c.link_hash.empty()) {
    stmt.bind(4);  // NULL
  } else {
    BindText(stmt, 4, c.link_hash);
  }
  BindText(stmt, 5, c.browser_hash);
  BindText(stmt, 6, c.sealed_transaction);
  stmt.bind(7, c.attempts);
  stmt.bind(8, c.send_count);
  BindTime(stmt, 9, c.last_sent_at);
  BindTime(stmt, 10, c.created_at);
  BindTime(stmt, 11, c.expires_at);
  BindTime(stmt, 12, c.consumed_at);
}

Result<EmailChallenge> LoadChallenge(SQLite::Database& db, std::string_view transaction_id) {
  SQLite::Statement& stmt = Prepare(db, std::string(kSelectChallenges) + "WHERE transaction_id = ?1");
  BindText(stmt, 1, transaction_id);
  if (!stmt.executeStep()) {
    return NotFoundError("email challenge of transaction " + std::string(transaction_id) + " does not exist");
  }
  return ReadChallenge(stmt);
}

// The body of AddMembership, inside the caller's write transaction.
Result<bool> AddMembershipIn(SQLite::Database& db, const Membership& membership) {
  // Checked here, in the write transaction, rather than left to the foreign
  // keys, which would fail as a constraint (kInvalidArgument), not kNotFound.
  if (!RowExists(db, "SELECT 1 FROM organizations WHERE id = ?1", membership.organization_id)) {
    return NotFoundError("organization " + membership.organization_id + " does not exist");
  }
  if (!RowExists(db, "SELECT 1 FROM users WHERE id = ?1", membership.user_id)) {
    return NotFoundError("user " + membership.user_id + " does not exist");
  }
  SQLite::Statement& stmt = Prepare(db,
                         "INSERT INTO memberships (organization_id, user_id, created_at) "
                         "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  BindText(stmt, 1, membership.organization_id);
  BindText(stmt, 2, membership.user_id);
  BindTime(stmt, 3, membership.created_at);
  return stmt.exec() == 1;  // 0: already a member, the first created_at kept
}

// The body of CreateSession, inside the caller's write transaction.
Status CreateSessionIn(SQLite::Database& db, const Session& session) {
  if (!RowExists(db, "SELECT 1 FROM users WHERE id = ?1", session.user_id)) {
    return NotFoundError("user " + session.user_id + " does not exist");
  }
  SQLite::Statement& stmt = Prepare(db,
                         "INSERT INTO sessions (id, token_hash, user_id, connection_id, auth_method, auth_time, "
                         "created_at, last_seen_at, idle_expires_at, expires_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  BindText(stmt, 1, session.id);
  BindText(stmt, 2, session.token_hash);
  BindText(stmt, 3, session.user_id);
  BindText(stmt, 4, session.connection_id);
  BindText(stmt, 5, session.auth_method);
  BindTime(stmt, 6, session.auth_time);
  BindTime(stmt, 7, session.created_at);
  BindTime(stmt, 8, session.last_seen_at);
  BindTime(stmt, 9, session.idle_expires_at);
  BindTime(stmt, 10, session.expires_at);
  stmt.exec();  // a taken id or token_hash -> kAlreadyExists
  return Status::Ok();
}

// The body of CreateAuthorizationCode, inside the caller's write transaction.
Status InsertAuthorizationCode(SQLite::Database& db, const AuthorizationCode& code) {
  SQLite::Statement& stmt = Prepare(
      db,
      "INSERT INTO authorization_codes (code_hash, transaction_id, client_id, redirect_uri, scope, "
      "code_challenge, nonce, user_id, organization_id, session_id, connection_id, auth_method, "
      "auth_time, created_at, expires_at, consumed_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
  BindText(stmt, 1, code.code_hash);
  BindText(stmt, 2, code.transaction_id);
  BindText(stmt, 3, code.client_id);
  BindText(stmt, 4, code.redirect_uri);
  BindText(stmt, 5, code.scope);
  BindText(stmt, 6, code.code_challenge);
  BindText(stmt, 7, code.nonce);
  BindText(stmt, 8, code.user_id);
  BindText(stmt, 9, code.organization_id);
  BindText(stmt, 10, code.session_id);
  BindText(stmt, 11, code.connection_id);
  BindText(stmt, 12, code.auth_method);
  BindTime(stmt, 13, code.auth_time);
  BindTime(stmt, 14, code.created_at);
  BindTime(stmt, 15, code.expires_at);
  BindTime(stmt, 16, code.consumed_at);
  stmt.exec();  // a taken code_hash or transaction_id -> kAlreadyExists
  return Status::Ok();
}

}  // namespace

// ---- Authorization code rows (sqlite_rows.h) ------------------------------------------------

const char* const kSelectCodes =
    "SELECT code_hash, transaction_id, client_id, redirect_uri, scope, code_challenge, nonce, user_id, "
    "organization_id, session_id, connection_id, auth_method, auth_time, created_at, expires_at, "
    "consumed_at FROM authorization_codes ";

AuthorizationCode ReadCode(SQLite::Statement& stmt) {
  AuthorizationCode c;
  c.code_hash = ColumnBytes(stmt.getColumn(0));
  c.transaction_id = ColumnBytes(stmt.getColumn(1));
  c.client_id = ColumnBytes(stmt.getColumn(2));
  c.redirect_uri = ColumnBytes(stmt.getColumn(3));
  c.scope = ColumnBytes(stmt.getColumn(4));
  c.code_challenge = ColumnBytes(stmt.getColumn(5));
  c.nonce = ColumnBytes(stmt.getColumn(6));
  c.user_id = ColumnBytes(stmt.getColumn(7));
  c.organization_id = ColumnBytes(stmt.getColumn(8));
  c.session_id = ColumnBytes(stmt.getColumn(9));
  c.connection_id = ColumnBytes(stmt.getColumn(10));
  c.auth_method = ColumnBytes(stmt.getColumn(11));
  c.auth_time = stmt.getColumn(12).getInt64();
  c.created_at = stmt.getColumn(13).getInt64();
  c.expires_at = stmt.getColumn(14).getInt64();
  c.consumed_at = stmt.getColumn(15).getInt64();
  return c;
}

// ---- Users and memberships ------------------------------------------------------------------

Status SqliteStore::CreateUser(const User& user) {
  return RunWrite(*pool_, "create user " + user.id, [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db,
                           "INSERT INTO users (id, email, email_verified, name, created_at, updated_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    BindText(stmt, 1, user.id);
    BindText(stmt, 2, user.email);
    stmt.bind(3, user.email_verified ? 1 : 0);
    BindText(stmt, 4, user.name);
    BindTime(stmt, 5, user.created_at);
    BindTime(stmt, 6, user.updated_at);
    stmt.exec();  // a taken id or email -> kAlreadyExists
    return Status::Ok();
  });
}

Result<User> SqliteStore::GetUser(std::string_view id) {
  return RunRead(*pool_, "get user " + std::string(id), [&](SQLite::Database& db) -> Result<User> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectUsers) + "WHERE id = ?1");
    BindText(stmt, 1, id);
    if (!stmt.executeStep()) return NotFoundError("user " + std::string(id) + " does not exist");
    return ReadUser(stmt);
  });
}

Result<User> SqliteStore::FindUserByEmail(std::string_view email) {
  // The email is personal data: it stays out of the status messages.
  return RunRead(*pool_, "find user by email", [&](SQLite::Database& db) -> Result<User> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectUsers) + "WHERE email = ?1");  // exact, BINARY
    BindText(stmt, 1, email);
    if (!stmt.executeStep()) return NotFoundError("no user has this email");
    return ReadUser(stmt);
  });
}

Result<std::vector<User>> SqliteStore::ListUsers() {
  return RunRead(*pool_, "list users", [&](SQLite::Database& db) -> Result<std::vector<User>> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectUsers) + "ORDER BY created_at, id");
    std::vector<User> out;
    while (stmt.executeStep()) out.push_back(ReadUser(stmt));
    return out;
  });
}

Result<bool> SqliteStore::AddMembership(const Membership& membership) {
  return RunWrite(*pool_, "add membership of " + membership.user_id + " in " + membership.organization_id,
                  [&](SQLite::Database& db) { return AddMembershipIn(db, membership); });
}

Result<std::vector<Membership>> SqliteStore::ListUserMemberships(std::string_view user_id) {
  return RunRead(*pool_, "list memberships of " + std::string(user_id),
                 [&](SQLite::Database& db) -> Result<std::vector<Membership>> {
                   SQLite::Statement& stmt = Prepare(db,
                                          "SELECT organization_id, user_id, created_at FROM memberships "
                                          "WHERE user_id = ?1 ORDER BY created_at, organization_id");
                   BindText(stmt, 1, user_id);
                   std::vector<Membership> out;
                   while (stmt.executeStep()) {
                     Membership m;
                     m.organization_id = ColumnBytes(stmt.getColumn(0));
                     m.user_id = ColumnBytes(stmt.getColumn(1));
                     m.created_at = stmt.getColumn(2).getInt64();
                     out.push_back(std::move(m));
                   }
                   return out;
                 });
}

// ---- Browser sessions -----------------------------------------------------------------------

Status SqliteStore::CreateSession(const Session& session) {
  return RunWrite(*pool_, "create session " + session.id,
                  [&](SQLite::Database& db) { return CreateSessionIn(db, session); });
}

Result<Session> SqliteStore::FindSessionByToken(std::string_view token_hash) {
  // Not even the hash goes into messages: a log line is not the place for a session handle.
  return RunRead(*pool_, "find session by token", [&](SQLite::Database& db) -> Result<Session> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectSessions) + "WHERE token_hash = ?1");
    BindText(stmt, 1, token_hash);
    if (!stmt.executeStep()) return NotFoundError("no session has this token");
    return ReadSession(stmt);
  });
}

Result<Session> SqliteStore::GetSession(std::string_view id) {
  return RunRead(*pool_, "get session " + std::string(id), [&](SQLite::Database& db) -> Result<Session> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectSessions) + "WHERE id = ?1");
    BindText(stmt, 1, id);
    if (!stmt.executeStep()) return NotFoundError("session " + std::string(id) + " does not exist");
    return ReadSession(stmt);
  });
}

Status SqliteStore::TouchSession(std::string_view id, UnixSeconds last_seen_at, UnixSeconds idle_expires_at) {
  return RunWrite(*pool_, "touch session " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "UPDATE sessions SET last_seen_at = ?2, idle_expires_at = ?3 WHERE id = ?1");
    BindText(stmt, 1, id);
    BindTime(stmt, 2, last_seen_at);
    BindTime(stmt, 3, idle_expires_at);
    if (stmt.exec() == 0) return NotFoundError("session " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

Status SqliteStore::DeleteSession(std::string_view id) {
  return RunWrite(*pool_, "delete session " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM sessions WHERE id = ?1");
    BindText(stmt, 1, id);
    if (stmt.exec() == 0) return NotFoundError("session " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

// ---- Passwordless challenges ----------------------------------------------------------------

namespace {

// PutEmailChallenge's write, inside the caller's write transaction.
Status PutChallengeIn(SQLite::Database& db, const EmailChallenge& challenge) {
  SQLite::Statement& current = Prepare(db, "SELECT consumed_at FROM email_challenges WHERE transaction_id = ?1");
  BindText(current, 1, challenge.transaction_id);
  if (current.executeStep() && current.getColumn(0).getInt64() != 0) {
    return FailedPreconditionError("email challenge of transaction " + challenge.transaction_id +
                                   " was consumed; the transaction is complete");
  }
  // An upsert on transaction_id only (not INSERT OR REPLACE, which would delete another
  // transaction's row holding the same link_hash): a taken link_hash fails the unique index ->
  // kAlreadyExists.
  SQLite::Statement& stmt = Prepare(
      db,
      "INSERT INTO email_challenges (transaction_id, email, code_hash, link_hash, browser_hash, "
      "sealed_transaction, attempts, send_count, last_sent_at, created_at, expires_at, consumed_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (transaction_id) DO UPDATE SET email = excluded.email, "
      "code_hash = excluded.code_hash, link_hash = excluded.link_hash, "
      "browser_hash = excluded.browser_hash, sealed_transaction = excluded.sealed_transaction, "
      "attempts = excluded.attempts, send_count = excluded.send_count, "
      "last_sent_at = excluded.last_sent_at, created_at = excluded.created_at, "
      "expires_at = excluded.expires_at, consumed_at = excluded.consumed_at");
  BindChallenge(stmt, challenge);
  stmt.exec();
  return Status::Ok();
}

}  // namespace

Status SqliteStore::PutEmailChallenge(const EmailChallenge& challenge) {
  return RunWrite(*pool_, "put email challenge of transaction " + challenge.transaction_id,
                  [&](SQLite::Database& db) -> Status { return PutChallengeIn(db, challenge); });
}

Result<EmailChallenge> SqliteStore::GetEmailChallenge(std::string_view transaction_id) {
  return RunRead(*pool_, "get email challenge of transaction " + std::string(transaction_id),
                 [&](SQLite::Database& db) -> Result<EmailChallenge> { return LoadChallenge(db, transaction_id); });
}

Result<EmailChallenge> SqliteStore::FindEmailChallengeByLink(std::string_view link_hash) {
  // "" is stored as NULL, which no `=` matches; say so rather than rely on it.
  if (link_hash.empty()) return NotFoundError("no email challenge has an empty link");
  return RunRead(*pool_, "find email challenge by link", [&](SQLite::Database& db) -> Result<EmailChallenge> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectChallenges) + "WHERE link_hash = ?1");
    BindText(stmt, 1, link_hash);
    if (!stmt.executeStep()) return NotFoundError("no email challenge has this link");
    return ReadChallenge(stmt);
  });
}

namespace {

// UpdateEmailChallenge's read-modify-write, inside the caller's write transaction.
Result<EmailChallenge> UpdateChallengeIn(SQLite::Database& db, std::string_view transaction_id,
                                         const std::function<Result<EmailChallenge>(EmailChallenge)>& update) {
  ASSIGN_OR_RETURN(EmailChallenge current, LoadChallenge(db, transaction_id));
  ASSIGN_OR_RETURN(EmailChallenge updated, update(current));
  if (updated.transaction_id != current.transaction_id) {
    return InvalidArgumentError("update of the email challenge of transaction " + current.transaction_id +
                                " tried to change its transaction id");
  }
  SQLite::Statement& stmt = Prepare(
      db,
      "UPDATE email_challenges SET email = ?2, code_hash = ?3, link_hash = ?4, browser_hash = ?5, "
      "sealed_transaction = ?6, attempts = ?7, send_count = ?8, last_sent_at = ?9, "
      "created_at = ?10, expires_at = ?11, consumed_at = ?12 WHERE transaction_id = ?1");
  BindChallenge(stmt, updated);
  stmt.exec();  // a link_hash taken by another transaction -> kAlreadyExists
  return updated;
}

}  // namespace

Result<EmailChallenge> SqliteStore::UpdateEmailChallenge(
    std::string_view transaction_id, const std::function<Result<EmailChallenge>(EmailChallenge)>& update) {
  return RunWrite(*pool_, "update email challenge of transaction " + std::string(transaction_id),
                  [&](SQLite::Database& db) { return UpdateChallengeIn(db, transaction_id, update); });
}

// ---- Rate limits ----------------------------------------------------------------------------

namespace {

Status CheckRateLimit(int limit, UnixSeconds window) {
  if (limit <= 0 || window <= 0) {
    return InvalidArgumentError("rate limit: limit " + std::to_string(limit) + " and window " + std::to_string(window) +
                                " must be positive");
  }
  return Status::Ok();
}

// One hit, inside the caller's write transaction. (A second hit in the same store call gets
// statements of its own from Prepare: those of the first are still in use until the call ends.)
RateLimitResult HitOne(SQLite::Database& db, std::string_view key, int limit, UnixSeconds window, UnixSeconds now) {
  SQLite::Statement& current = Prepare(db, "SELECT window_end, count FROM rate_limits WHERE key = ?1");
  BindText(current, 1, key);
  RateLimitResult result;
  if (current.executeStep() && now < current.getColumn(0).getInt64()) {
    const UnixSeconds window_end = current.getColumn(0).getInt64();
    const std::int64_t count = current.getColumn(1).getInt64();
    if (count >= limit) {
      result.allowed = false;
      result.count = static_cast<int>(count);
      result.retry_after = window_end - now;  // >= 1, as now < window_end
      return result;
    }
    SQLite::Statement& hit = Prepare(db, "UPDATE rate_limits SET count = count + 1 WHERE key = ?1");
    BindText(hit, 1, key);
    hit.exec();
    result.allowed = true;
    result.count = static_cast<int>(count + 1);
    return result;
  }
  // No window yet, or the last one has ended: this hit starts a new one. (The end saturates
  // rather than overflow on an absurd window.)
  constexpr UnixSeconds kNever = std::numeric_limits<UnixSeconds>::max();
  const UnixSeconds window_end = now > kNever - window ? kNever : now + window;
  SQLite::Statement& start = Prepare(db,
                          "INSERT INTO rate_limits (key, window_start, window_end, count) VALUES (?1, ?2, ?3, 1) "
                          "ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, "
                          "window_end = excluded.window_end, count = 1");
  BindText(start, 1, key);
  BindTime(start, 2, now);
  BindTime(start, 3, window_end);
  start.exec();
  result.allowed = true;
  result.count = 1;
  return result;
}

// HitRateLimits' hits, inside the caller's write transaction: in order, up to the first refusal.
RateLimitResult HitAll(SQLite::Database& db, const std::vector<RateLimitHit>& hits, UnixSeconds now) {
  RateLimitResult result;
  for (const RateLimitHit& h : hits) {
    result = HitOne(db, h.key, h.limit, h.window, now);
    if (!result.allowed) break;  // the hits before stay counted (the transaction commits)
  }
  return result;
}

Status CheckRateLimits(const std::vector<RateLimitHit>& hits) {
  if (hits.empty()) return InvalidArgumentError("rate limit: no counter to hit");
  for (const RateLimitHit& h : hits) RETURN_IF_ERROR(CheckRateLimit(h.limit, h.window));
  return Status::Ok();
}

}  // namespace

Result<RateLimitResult> SqliteStore::HitRateLimit(std::string_view key, int limit, UnixSeconds window,
                                                  UnixSeconds now) {
  RETURN_IF_ERROR(CheckRateLimit(limit, window));
  // Keys may hold an email address: they stay out of the messages.
  return RunWrite(*pool_, "hit rate limit", [&](SQLite::Database& db) -> Result<RateLimitResult> {
    return HitOne(db, key, limit, window, now);
  });
}

Result<RateLimitResult> SqliteStore::HitRateLimits(const std::vector<RateLimitHit>& hits, UnixSeconds now) {
  RETURN_IF_ERROR(CheckRateLimits(hits));
  return RunWrite(*pool_, "hit rate limits",
                  [&](SQLite::Database& db) -> Result<RateLimitResult> { return HitAll(db, hits, now); });
}

Result<LimitedChallengeUpdate> SqliteStore::UpdateEmailChallengeWithinLimits(
    const std::vector<RateLimitHit>& hits, UnixSeconds now, std::string_view transaction_id,
    const std::function<Result<EmailChallenge>(EmailChallenge)>& update) {
  RETURN_IF_ERROR(CheckRateLimits(hits));
  return RunWrite(*pool_, "update email challenge of transaction " + std::string(transaction_id) + " within limits",
                  [&](SQLite::Database& db) -> Result<LimitedChallengeUpdate> {
                    LimitedChallengeUpdate out;
                    out.limit = HitAll(db, hits, now);
                    if (!out.limit.allowed) return out;
                    // The update's refusal is an answer, not a failure: the hits commit.
                    Result<EmailChallenge> updated = UpdateChallengeIn(db, transaction_id, update);
                    if (updated.ok()) {
                      out.challenge = std::move(updated).value();
                    } else {
                      out.status = updated.error();
                    }
                    return out;
                  });
}

Result<RateLimitResult> SqliteStore::PutEmailChallengeWithinLimits(const std::vector<RateLimitHit>& hits,
                                                                   UnixSeconds now, const EmailChallenge& challenge) {
  RETURN_IF_ERROR(CheckRateLimits(hits));
  return RunWrite(*pool_, "put email challenge of transaction " + challenge.transaction_id + " within limits",
                  [&](SQLite::Database& db) -> Result<RateLimitResult> {
                    const RateLimitResult verdict = HitAll(db, hits, now);
                    if (verdict.allowed) RETURN_IF_ERROR(PutChallengeIn(db, challenge));  // an error rolls back all
                    return verdict;
                  });
}

// ---- Authorization codes --------------------------------------------------------------------

Status SqliteStore::CreateAuthorizationCode(const AuthorizationCode& code) {
  return RunWrite(*pool_, "create authorization code of transaction " + code.transaction_id,
                  [&](SQLite::Database& db) { return InsertAuthorizationCode(db, code); });
}

Status SqliteStore::CompleteLogin(const LoginCompletion& completion) {
  return RunWrite(*pool_, "complete login of transaction " + completion.code.transaction_id,
                  [&](SQLite::Database& db) -> Status {
                    if (completion.membership) RETURN_IF_ERROR(AddMembershipIn(db, *completion.membership).status());
                    SQLite::Statement& end = Prepare(db, "DELETE FROM sessions WHERE id = ?1");
                    for (const std::string& id : completion.ended_sessions) {
                      BindText(end, 1, id);
                      end.exec();
                      end.reset();
                    }
                    if (completion.session) RETURN_IF_ERROR(CreateSessionIn(db, *completion.session));
                    // Last: a transaction completed before (kAlreadyExists) rolls all of it back.
                    return InsertAuthorizationCode(db, completion.code);
                  });
}

Result<AuthorizationCode> SqliteStore::ConsumeAuthorizationCode(std::string_view code_hash, UnixSeconds now) {
  if (now <= 0) {
    return InvalidArgumentError("consume authorization code: now must be positive (0 means unconsumed)");
  }
  // The code itself stays out of messages; the transaction id names it in logs.
  return RunWrite(*pool_, "consume authorization code", [&](SQLite::Database& db) -> Result<AuthorizationCode> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectCodes) + "WHERE code_hash = ?1");
    BindText(stmt, 1, code_hash);
    if (!stmt.executeStep()) return NotFoundError("no authorization code has this hash");
    AuthorizationCode before = ReadCode(stmt);
    if (before.consumed_at == 0) {
      SQLite::Statement& consume = Prepare(db, "UPDATE authorization_codes SET consumed_at = ?2 WHERE code_hash = ?1");
      BindText(consume, 1, code_hash);
      BindTime(consume, 2, now);
      consume.exec();
    }
    return before;
  });
}

}  // namespace gatehouse::store::sqlite
