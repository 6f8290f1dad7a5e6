// SqliteStore: the embedded Store backend, one SQLite file in WAL mode.
//
// Concurrency. The store keeps a small pool of connections (up to kMaxConnections for a file,
// exactly one for an in-memory database, since each ":memory:" connection would be a separate
// database); a call takes one connection, uses it alone and gives it back. Every write runs in a
// `BEGIN IMMEDIATE` transaction, which takes SQLite's write lock up front, so read-modify-write
// calls (UpdateClient, RotateSigningKeys, UpdateEmailChallenge, HitRateLimit,
// ConsumeAuthorizationCode, RedeemAuthorizationCode, RotateRefreshToken) are serialised against
// every other writer, in this process or another one. Within the process, writers also queue on
// a mutex rather than in SQLite's sleep-and-poll busy handler, which keeps them fair, and all
// run on one writer connection (beside the pool), whose page cache stays valid between writes.
// A writer that waits longer than OpenOptions::busy_timeout_ms for the lock gets kUnavailable.
//
// Durability. journal_mode=WAL with synchronous=NORMAL: a committed transaction survives a crash
// of the process; a power loss or OS crash may lose the last few commits, but never corrupts the
// database.
//
// Errors. SQLite exceptions never leave this class: a unique or primary key violation becomes
// kAlreadyExists, SQLITE_BUSY/LOCKED and I/O failures kUnavailable, SQLITE_CORRUPT/NOTADB
// kDataLoss; the driver's message goes into Status::message().
//
// Open it through store::OpenStore("sqlite:PATH") (store/open.cc) rather than directly.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace gatehouse::store::sqlite {

class ConnectionPool;

class SqliteStore final : public Store {
 public:
  static constexpr int kMaxConnections = 8;
  // The path that means "a new private in-memory database".
  static constexpr std::string_view kMemoryPath = ":memory:";

  // Opens (creating it when options.create_if_missing allows) the database at `path`, or a new
  // in-memory database for kMemoryPath, and applies pending migrations. kNotFound when the file
  // is missing and may not be created; kDataLoss when it is not a SQLite database or its schema
  // is newer than this binary; kUnavailable when it cannot be opened or stays locked.
  static Result<std::unique_ptr<SqliteStore>> Open(std::string_view path, const OpenOptions& options);

  ~SqliteStore() override;

  // Client::scopes is stored as a JSON array; a row that does not hold one reads as kDataLoss.
  Status CreateClient(const Client& client) override;
  Result<Client> GetClient(std::string_view id) override;
  Result<std::vector<Client>> ListClients() override;
  Status DeleteClient(std::string_view id) override;
  // `update` runs once, inside the write transaction, while this process's writer lock and
  // SQLite's write lock are held: it must not call back into the store (a write from it would
  // wait for the lock and fail with kUnavailable).
  Result<Client> UpdateClient(std::string_view id,
                              const std::function<Result<Client>(Client)>& update) override;

  Result<std::vector<SigningKeyRecord>> ListSigningKeys() override;
  Status InsertSigningKey(const SigningKeyRecord& key) override;
  Status RotateSigningKeys(std::string_view alg, std::string_view expected_active_kid,
                           std::string_view expected_next_kid, const SigningKeyRecord& new_next,
                           UnixSeconds now, UnixSeconds retired_expires_at) override;
  Result<int> DeleteExpiredSigningKeys(UnixSeconds now) override;

  // Organizations, domains and connections live in sqlite_orgs.cc. An empty external_id or
  // organization_id is stored as NULL. Existence checks (CreateDomain, CreateConnection) run in
  // the same write transaction as the insert, and the foreign keys cascade, so a concurrent
  // DeleteOrganization can never leave a domain or connection without its organization.
  Status CreateOrganization(const Organization& org) override;
  Result<Organization> GetOrganization(std::string_view id) override;
  Result<std::vector<Organization>> ListOrganizations() override;
  Status DeleteOrganization(std::string_view id) override;

  Status CreateDomain(const Domain& domain) override;
  Result<std::vector<Domain>> ListDomains(std::string_view organization_id) override;
  Result<Domain> FindDomain(std::string_view domain) override;
  Status DeleteDomain(std::string_view id) override;

  Status CreateConnection(const Connection& connection) override;
  Result<Connection> GetConnection(std::string_view id) override;
  Result<std::vector<Connection>> ListConnections(std::string_view organization_id) override;
  Result<std::vector<Connection>> ListAllConnections() override;
  Status SetConnectionEnabled(std::string_view id, bool enabled, UnixSeconds now) override;
  Status SetConnectionSettings(std::string_view id, std::string_view settings_json, UnixSeconds now) override;
  Status DeleteConnection(std::string_view id) override;

  // Users, memberships, sessions, challenges, rate limits and codes live in sqlite_auth.cc.
  // Existence checks (AddMembership, CreateSession) run in the same write transaction as the
  // insert, and the foreign keys cascade, as for domains. Authorization codes have no foreign
  // keys: they record what was authorized and expire within minutes.
  Status CreateUser(const User& user) override;
  Result<User> GetUser(std::string_view id) override;
  Result<User> FindUserByEmail(std::string_view email) override;
  Result<std::vector<User>> ListUsers() override;
  Result<bool> AddMembership(const Membership& membership) override;
  Result<std::vector<Membership>> ListUserMemberships(std::string_view user_id) override;

  Status CreateSession(const Session& session) override;
  Result<Session> FindSessionByToken(std::string_view token_hash) override;
  Result<Session> GetSession(std::string_view id) override;
  Status TouchSession(std::string_view id, UnixSeconds last_seen_at, UnixSeconds idle_expires_at) override;
  Status DeleteSession(std::string_view id) override;

  // An empty link_hash is stored as NULL (the unique index ignores it).
  Status PutEmailChallenge(const EmailChallenge& challenge) override;
  Result<EmailChallenge> GetEmailChallenge(std::string_view transaction_id) override;
  Result<EmailChallenge> FindEmailChallengeByLink(std::string_view link_hash) override;
  // `update` runs once, inside the write transaction, as for UpdateClient: it must not call
  // back into the store.
  Result<EmailChallenge> UpdateEmailChallenge(
      std::string_view transaction_id,
      const std::function<Result<EmailChallenge>(EmailChallenge)>& update) override;

  // The row keeps the window's end (its start plus the `window` of its first hit).
  Result<RateLimitResult> HitRateLimit(std::string_view key, int limit, UnixSeconds window,
                                       UnixSeconds now) override;
  Result<RateLimitResult> HitRateLimits(const std::vector<RateLimitHit>& hits, UnixSeconds now) override;
  Result<LimitedChallengeUpdate> UpdateEmailChallengeWithinLimits(
      const std::vector<RateLimitHit>& hits, UnixSeconds now, std::string_view transaction_id,
      const std::function<Result<EmailChallenge>(EmailChallenge)>& update) override;
  Result<RateLimitResult> PutEmailChallengeWithinLimits(const std::vector<RateLimitHit>& hits, UnixSeconds now,
                                                        const EmailChallenge& challenge) override;

  Status CompleteLogin(const LoginCompletion& completion) override;
  Status CreateAuthorizationCode(const AuthorizationCode& code) override;
  Result<AuthorizationCode> ConsumeAuthorizationCode(std::string_view code_hash, UnixSeconds now) override;

  // Linked identities, upstream login legs and single-use keys live in sqlite_sso.cc (schema:
  // migrations/sqlite/0005_sso.sql).
  Result<LinkedIdentity> FindLinkedIdentity(std::string_view connection_id, std::string_view subject) override;
  Status LinkIdentity(const LinkedIdentity& identity) override;
  Status PutUpstreamLogin(const UpstreamLogin& login) override;
  Result<UpstreamLogin> TakeUpstreamLogin(std::string_view relay_hash, UnixSeconds now) override;
  Result<bool> UseOnce(std::string_view key_hash, UnixSeconds expires_at, UnixSeconds now) override;

  // Back-channel logout deliveries live in sqlite_logout.cc (schema:
  // migrations/sqlite/0006_logout_deliveries.sql).
  Result<std::int64_t> EnqueueLogoutDelivery(const LogoutDelivery& delivery) override;
  Result<std::vector<LogoutDelivery>> ClaimLogoutDeliveries(std::int64_t now_ms, std::int64_t claim_ms,
                                                            int limit) override;
  Status RescheduleLogoutDelivery(std::int64_t id, int attempts, std::int64_t next_at_ms) override;
  Status DeleteLogoutDelivery(std::int64_t id) override;
  Result<std::optional<std::int64_t>> NextLogoutDeliveryAt() override;

  // Grants, refresh tokens and access-token records live in sqlite_tokens.cc (schema:
  // migrations/sqlite/0004_tokens.sql). The callbacks and the checks run in one write
  // transaction; a refusal that the contract says revokes (a reused code or refresh token, an
  // ended session) commits the revocation and then returns the refusal. Revoking a grant also
  // marks its access-token records revoked, so that the revocation outlives the grant's row.
  // `issue` runs once, inside the write transaction, as for UpdateClient: it must not call back
  // into the store.
  Result<AuthorizationCode> RedeemAuthorizationCode(
      std::string_view code_hash, UnixSeconds now,
      const std::function<Result<TokenIssue>(const AuthorizationCode&)>& issue) override;
  Result<RefreshLookup> FindRefreshToken(std::string_view token_hash) override;
  Result<Grant> RotateRefreshToken(std::string_view token_hash, UnixSeconds now, UnixSeconds grace,
                                   UnixSeconds session_idle_expires_at, const TokenIssue& issue) override;
  Status RevokeGrant(std::string_view grant_id, UnixSeconds now) override;
  Status RevokeAccessToken(std::string_view jti, UnixSeconds expires_at, UnixSeconds now) override;
  Result<AccessTokenState> GetAccessTokenState(std::string_view jti) override;
  Result<std::vector<Grant>> EndSession(std::string_view session_id, UnixSeconds now) override;

  // One write transaction for all the expiring tables.
  Result<int> DeleteExpiredBatch(UnixSeconds now, int limit) override;

  Result<std::string> GetSetting(std::string_view key) override;
  Status PutSetting(std::string_view key, std::string_view value) override;
  Result<bool> PutSettingIfAbsent(std::string_view key, std::string_view value) override;

  Result<int> SchemaVersion() override;
  // PRAGMA integrity_check, then PRAGMA foreign_key_check; kDataLoss with the report.
  Status CheckIntegrity() override;
  // Reads schema_migrations; any failure is kUnavailable.
  Status Ping() override;

 private:
  explicit SqliteStore(std::unique_ptr<ConnectionPool> pool);

  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace gatehouse::store::sqlite
