// Store: everything Gatehouse persists, behind one interface.
//
// Backends: SQLite (embedded default; src/store/sqlite) and, later, PostgreSQL for several nodes.
// Every backend passes the one conformance suite in tests/store_conformance/, which is the
// executable form of the contract written here.
//
// Contract, for every backend:
//   * Thread safety: a Store may be used from any number of threads at once. Several processes
//     may open the same store (the CLI while a server runs); each call is atomic with respect to
//     all of them.
//   * Errors: kNotFound when a named row does not exist; kAlreadyExists when a create finds the
//     id (or a unique key) taken; kAborted when a compare-and-swap precondition no longer holds
//     (another writer won; the caller may re-read and retry); kUnavailable when the database
//     cannot be reached or stays locked; kDataLoss when stored data fails an integrity check.
//     Driver messages go into Status::message() for logs; they never reach HTTP clients.
//   * Times are UnixSeconds, UTC. 0 means "not set" wherever a field is documented as optional.
//   * Ids are created by the caller (common/ids.h); the store never invents them.
//   * Secrets are stored only in the hashed or sealed form the caller hands over; the store never
//     sees a plaintext secret.
//   * Lists are ordered by (created_at, id), so output is stable.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace gatehouse::store {

// An application registered with Gatehouse (an OAuth client).
struct Client {
  std::string id;           // "skc_..."
  std::string name;         // shown on the hosted login page; 1..200 characters
  std::string secret_hash;  // crypto::HashSecret(secret)
  // Exact-match lists (RFC 9700 §2.1): no prefixes, wildcards or normalisation. Order is kept.
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  // Scopes the client may ask for with client_credentials (its machine-to-machine tokens); a
  // request without `scope` gets all of them. Each 1..128 printable ASCII characters, no spaces.
  std::vector<std::string> scopes;
  // Set for an organization's machine client (Scalekit's m2morg_): its client_credentials
  // tokens carry `oid`. Empty for the environment's application clients.
  std::string organization_id;
  // OIDC Back-Channel Logout 1.0: where a logout token is POSTed when a session this client
  // holds tokens for ends. Empty: none.
  std::string backchannel_logout_uri;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;

  bool operator==(const Client&) const = default;
};

// The lifecycle of a signing key (see oauth/keys.h for the policy):
//   kNext    published in the JWKS, not yet signing (so caches learn it before it is used);
//   kActive  the one key of its algorithm that signs;
//   kRetired no longer signing, still published until expires_at, when the last token it
//            signed has expired.
enum class KeyState { kNext = 0, kActive = 1, kRetired = 2 };

struct SigningKeyRecord {
  std::string kid;                 // RFC 7638 thumbprint; unique
  std::string alg;                 // "RS256" | "ES256"
  KeyState state = KeyState::kNext;
  std::string public_jwk;          // JSON object text, as published
  std::string sealed_private_key;  // PKCS#8 DER sealed under the master key (binary)
  UnixSeconds created_at = 0;
  UnixSeconds activated_at = 0;    // when it became kActive; 0 while kNext
  UnixSeconds retired_at = 0;      // when it became kRetired; 0 before
  UnixSeconds expires_at = 0;      // kRetired only: when it leaves the JWKS

  bool operator==(const SigningKeyRecord&) const = default;
};

// An organization (a customer of the application: a tenant), Scalekit's `org_...`.
struct Organization {
  std::string id;            // "org_...", at most 32 characters (the SDKs validate it)
  std::string display_name;  // 1..200 characters
  std::string external_id;   // optional; unique when set
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;

  bool operator==(const Organization&) const = default;
};

// A domain an organization owns (home-realm discovery: an email at this domain goes to the
// organization's SSO). Unique across the environment.
struct Domain {
  std::string id;               // "dom_..."
  std::string organization_id;  // owner
  std::string domain;           // lowercase ASCII (punycode for IDNs), no trailing dot
  UnixSeconds created_at = 0;

  bool operator==(const Domain&) const = default;
};

enum class ConnectionType { kOidc = 1, kSaml = 2, kOAuth = 4, kPasswordless = 5 };  // Scalekit's numbers

// A way to sign in: enterprise SSO (OIDC, SAML) belonging to an organization, or a social
// (OAuth) or passwordless connection belonging to the whole environment (organization_id empty).
struct Connection {
  std::string id;               // "conn_..."
  std::string organization_id;  // empty: environment-wide
  ConnectionType type = ConnectionType::kOidc;
  // "custom", "okta", "entra_id", ... for SSO; "google", "microsoft", "github", "gitlab",
  // "linkedin", "salesforce" for social; "email" for passwordless.
  std::string provider;
  std::string display_name;     // button text on the hosted page; may be empty
  bool enabled = false;
  std::string settings_json;    // type-specific configuration, a JSON object ("{}" when none)
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;

  bool operator==(const Connection&) const = default;
};

// A person who has signed in. Created just in time, on the first verified sign-in.
struct User {
  std::string id;             // "usr_..."
  std::string email;          // normalised by the caller (domain lowercased); unique
  bool email_verified = false;
  std::string name;           // may be empty; at most 200 characters
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;

  bool operator==(const User&) const = default;
};

// A user's membership in an organization (Scalekit's OrganizationMembership, ACTIVE).
struct Membership {
  std::string organization_id;
  std::string user_id;
  UnixSeconds created_at = 0;

  bool operator==(const Membership&) const = default;
};

// A browser session: a user signed in in one browser. The cookie holds a random token; only its
// SHA-256 is stored (token_hash), so a copy of the database does not let anyone resume a session.
// The id is public (the `sid` claim, logout).
struct Session {
  std::string id;              // "ses_..."
  std::string token_hash;      // hex SHA-256 of the cookie token; unique
  std::string user_id;
  std::string connection_id;   // the connection the user authenticated with (amr[0])
  std::string auth_method;     // "otp", "magic_link", "sso", "social"
  UnixSeconds auth_time = 0;   // when the user last authenticated (OIDC auth_time)
  UnixSeconds created_at = 0;
  UnixSeconds last_seen_at = 0;
  UnixSeconds idle_expires_at = 0;  // last_seen_at + idle timeout, capped at expires_at
  UnixSeconds expires_at = 0;       // absolute end

  bool operator==(const Session&) const = default;
};

// The passwordless challenge of one login transaction: the emailed code and magic link. One per
// transaction; sending again replaces it. Code and link are stored only as keyed hashes.
struct EmailChallenge {
  std::string transaction_id;  // primary key
  std::string email;
  std::string code_hash;       // HMAC of the 6-digit code, hex; empty when codes are disabled
  std::string link_hash;       // HMAC of the link token, hex; empty when links are disabled;
                               // unique when set
  std::string browser_hash;    // HMAC of the browser's CSRF cookie (binds the link to a browser)
  std::string sealed_transaction;  // the transaction token, for the magic link to resume
  int attempts = 0;            // wrong codes entered
  int send_count = 0;          // emails sent for this transaction
  UnixSeconds last_sent_at = 0;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  UnixSeconds consumed_at = 0;  // 0 until the code or link was used

  bool operator==(const EmailChallenge&) const = default;
};

// One counter of HitRateLimits: `limit` hits per windows of `window` seconds.
struct RateLimitHit {
  std::string key;
  int limit = 0;
  UnixSeconds window = 0;
};

// A fixed-window counter's verdict (HitRateLimit).
struct RateLimitResult {
  bool allowed = false;
  int count = 0;               // hits counted in the current window, this one included if allowed
  UnixSeconds retry_after = 0; // seconds until the window ends (0 when allowed)
};

// What Store::UpdateEmailChallengeWithinLimits did.
struct LimitedChallengeUpdate {
  RateLimitResult limit;  // the limits' verdict; the update ran only if allowed
  Status status;          // when allowed: OK, or why the challenge was not updated
  EmailChallenge challenge;  // when allowed and OK: the challenge as written
};

// A single-use authorization code (RFC 6749 §4.1.2), stored by the SHA-256 of the code.
struct AuthorizationCode {
  std::string code_hash;       // hex SHA-256 of the code; primary key
  std::string transaction_id;  // unique: one transaction yields at most one code
  std::string client_id;
  std::string redirect_uri;
  std::string scope;           // space-separated
  std::string code_challenge;  // S256; empty when none was sent
  std::string nonce;
  std::string user_id;
  std::string organization_id; // may be empty
  std::string session_id;
  std::string connection_id;
  std::string auth_method;
  UnixSeconds auth_time = 0;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  UnixSeconds consumed_at = 0;  // 0 until exchanged

  bool operator==(const AuthorizationCode&) const = default;
};

// What one authorization code exchange authorizes: the tokens issued from the code and every
// refresh since belong to one grant; revoking it (a second use of the code, reuse of a rotated
// refresh token, revocation of a refresh token, the end of the session) revokes them all.
struct Grant {
  std::string id;              // "gnt_..."
  std::string code_hash;       // the authorization code it came from; unique
  std::string client_id;
  std::string user_id;
  std::string organization_id; // may be empty
  std::string session_id;      // the browser session; the grant's refresh tokens die with it.
                               // Empty: none (refresh then checks no session)
  std::string scope;           // space-separated, as granted
  std::string connection_id;   // amr[0]
  std::string auth_method;
  UnixSeconds auth_time = 0;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;  // absolute end of its refresh tokens (and of the row)
  UnixSeconds revoked_at = 0;  // 0 while valid

  bool operator==(const Grant&) const = default;
};

// A refresh token (opaque, 256 bits), stored by its SHA-256. Each use rotates it: the presented
// token gets rotated_at and a successor is created in the same grant.
struct RefreshToken {
  std::string token_hash;      // hex SHA-256; primary key
  std::string grant_id;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;  // <= the grant's expires_at
  UnixSeconds rotated_at = 0;  // 0 until exchanged for its successor

  bool operator==(const RefreshToken&) const = default;
};

// An issued access token (a JWT) as the store knows it, by its `jti`. Tokens issued from a grant
// are recorded so that revoking the grant revokes them (introspection, userinfo); tokens of
// client_credentials are not recorded unless revoked (RevokeAccessToken records them then).
struct AccessTokenRecord {
  std::string jti;             // "tkn_..."; primary key
  std::string grant_id;        // empty for client_credentials tokens
  UnixSeconds expires_at = 0;  // the token's exp: the row may go after it
  UnixSeconds revoked_at = 0;

  bool operator==(const AccessTokenRecord&) const = default;
};

// What an exchange or a refresh writes besides consuming what was presented.
struct TokenIssue {
  Grant grant;                         // created by RedeemAuthorizationCode; ignored by refresh
  std::optional<RefreshToken> refresh; // created when the grant includes offline_access
  AccessTokenRecord access;            // recorded
};

// Why RedeemAuthorizationCode or RotateRefreshToken refused with kFailedPrecondition: the
// message() is one of these, so callers can tell (all are invalid_grant at the token endpoint).
inline constexpr std::string_view kCodeReused = "code already used";
inline constexpr std::string_view kGrantRevoked = "grant revoked";
inline constexpr std::string_view kRefreshReused = "refresh token reused";
inline constexpr std::string_view kRefreshExpired = "refresh token expired";
inline constexpr std::string_view kSessionEnded = "session ended";

// The state of an access token for introspection and userinfo.
struct AccessTokenState {
  bool recorded = false;  // the store has a row for this jti
  bool revoked = false;   // the row, or the grant it belongs to, is revoked
};

// Everything the end of a login writes, for Store::CompleteLogin.
// Who a user is at an upstream connection (SSO, social): the IdP's subject there.
struct LinkedIdentity {
  std::string connection_id;
  std::string subject;  // as the IdP gives it; at most 255 bytes (the caller checks)
  std::string user_id;
  UnixSeconds created_at = 0;

  bool operator==(const LinkedIdentity&) const = default;
};

// One upstream leg of a login (login/sso.h): what the login layer keeps between redirecting the
// browser to an IdP and the IdP's answer. Taken once.
struct UpstreamLogin {
  std::string relay_hash;         // hex SHA-256 of the value the IdP sends back (state/RelayState)
  std::string connection_id;
  std::string transaction_token;  // the sealed login transaction
  std::string upstream_state;     // sealed by the login layer
  std::string browser_hash;       // hex SHA-256 of the browser-binding cookie
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;

  bool operator==(const UpstreamLogin&) const = default;
};

// A back-channel logout delivery waiting for its next attempt (oauth/backchannel.h): kept in
// the store so that it survives a restart and another node can take it over.
struct LogoutDelivery {
  std::int64_t id = 0;         // assigned by EnqueueLogoutDelivery
  std::string client_id;
  std::string uri;             // the client's backchannel_logout_uri
  std::string user_id;
  std::string session_id;
  int attempts = 0;            // made so far
  std::int64_t next_at_ms = 0; // Unix ms: when due; while claimed, the end of the claim
  UnixSeconds created_at = 0;

  bool operator==(const LogoutDelivery&) const = default;
};

struct LoginCompletion {
  std::optional<Membership> membership;    // added if absent
  std::vector<std::string> ended_sessions; // session ids deleted (absent ones ignored)
  std::optional<Session> session;          // created
  AuthorizationCode code;                  // created
};

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- Clients ----------------------------------------------------------------------------

  // kAlreadyExists if the id is taken.
  virtual Status CreateClient(const Client& client) = 0;
  // kNotFound if absent.
  virtual Result<Client> GetClient(std::string_view id) = 0;
  virtual Result<std::vector<Client>> ListClients() = 0;
  // kNotFound if absent.
  virtual Status DeleteClient(std::string_view id) = 0;
  // Atomic read-modify-write: reads the client, calls `update` with a copy, and writes what it
  // returns, all in one transaction, so concurrent updates (from other threads or processes)
  // never lose each other's changes. `update` may run more than once if the backend retries,
  // so it must be free of side effects. If `update` returns an error, nothing is written and
  // that error is returned. The id cannot be changed (an `update` that changes it gets
  // kInvalidArgument and nothing is written); updated_at is the caller's to set.
  // kNotFound if absent (and `update` is not called).
  virtual Result<Client> UpdateClient(std::string_view id,
                                      const std::function<Result<Client>(Client)>& update) = 0;

  // ---- Signing keys -----------------------------------------------------------------------

  // Every key, all states, ordered by (created_at, kid).
  virtual Result<std::vector<SigningKeyRecord>> ListSigningKeys() = 0;
  // kAlreadyExists if the kid is taken.
  virtual Status InsertSigningKey(const SigningKeyRecord& key) = 0;
  // One rotation step for algorithm `alg`, atomically:
  //   the kActive key of `alg` (if any) becomes kRetired with retired_at = now and
  //     expires_at = retired_expires_at;
  //   the kNext key of `alg` becomes kActive with activated_at = now;
  //   `new_next` (state kNext, same alg) is inserted.
  // Compare-and-swap: `expected_active_kid` must name the current kActive key of `alg` (empty
  // when there is none) and `expected_next_kid` the current kNext key, else kAborted and nothing
  // changes: another process rotated first. kFailedPrecondition if there is no kNext key
  // (checked first: re-reading and retrying cannot help). kInvalidArgument if `new_next` is not
  // a kNext key of `alg`; kAlreadyExists if its kid is taken. On any error nothing changes.
  virtual Status RotateSigningKeys(std::string_view alg, std::string_view expected_active_kid,
                                   std::string_view expected_next_kid, const SigningKeyRecord& new_next,
                                   UnixSeconds now, UnixSeconds retired_expires_at) = 0;
  // Deletes kRetired keys whose expires_at <= now. Returns how many were deleted.
  virtual Result<int> DeleteExpiredSigningKeys(UnixSeconds now) = 0;

  // ---- Organizations, domains, connections --------------------------------------------------

  // kAlreadyExists if the id, or a non-empty external_id, is taken.
  virtual Status CreateOrganization(const Organization& org) = 0;
  // kNotFound if absent.
  virtual Result<Organization> GetOrganization(std::string_view id) = 0;
  virtual Result<std::vector<Organization>> ListOrganizations() = 0;
  // Deletes the organization with its domains, connections and memberships, atomically.
  // kNotFound if absent.
  virtual Status DeleteOrganization(std::string_view id) = 0;

  // kNotFound if the organization is absent; kAlreadyExists if the domain is claimed by any
  // organization (or the id is taken). The caller lowercases and validates the domain.
  virtual Status CreateDomain(const Domain& domain) = 0;
  virtual Result<std::vector<Domain>> ListDomains(std::string_view organization_id) = 0;
  // The domain record for an exact (lowercase) domain name. kNotFound if unclaimed.
  virtual Result<Domain> FindDomain(std::string_view domain) = 0;
  // kNotFound if absent.
  virtual Status DeleteDomain(std::string_view id) = 0;

  // kNotFound if organization_id is set and absent; kAlreadyExists if the id is taken.
  virtual Status CreateConnection(const Connection& connection) = 0;
  // kNotFound if absent.
  virtual Result<Connection> GetConnection(std::string_view id) = 0;
  // The connections of one organization (organization_id non-empty) or the environment-wide
  // ones (empty), enabled or not.
  virtual Result<std::vector<Connection>> ListConnections(std::string_view organization_id) = 0;
  // Every connection of every owner.
  virtual Result<std::vector<Connection>> ListAllConnections() = 0;
  // Sets `enabled` and updated_at. kNotFound if absent.
  virtual Status SetConnectionEnabled(std::string_view id, bool enabled, UnixSeconds now) = 0;
  // Replaces settings_json (a JSON object; the caller validated it) and sets updated_at.
  // kNotFound if absent.
  virtual Status SetConnectionSettings(std::string_view id, std::string_view settings_json, UnixSeconds now) = 0;
  // kNotFound if absent.
  virtual Status DeleteConnection(std::string_view id) = 0;

  // ---- Users and memberships --------------------------------------------------------------

  // kAlreadyExists if the id or the email is taken.
  virtual Status CreateUser(const User& user) = 0;
  // kNotFound if absent.
  virtual Result<User> GetUser(std::string_view id) = 0;
  // Exact match on the stored (normalised) email. kNotFound if absent.
  virtual Result<User> FindUserByEmail(std::string_view email) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  // Adds the membership if absent; returns true if this call added it. kNotFound if the
  // organization or the user does not exist. Deleting either deletes the membership.
  virtual Result<bool> AddMembership(const Membership& membership) = 0;
  // The memberships of one user, ordered by (created_at, organization_id).
  virtual Result<std::vector<Membership>> ListUserMemberships(std::string_view user_id) = 0;

  // ---- Browser sessions -------------------------------------------------------------------

  // kAlreadyExists if the id or token_hash is taken; kNotFound if the user does not exist.
  virtual Status CreateSession(const Session& session) = 0;
  // kNotFound if absent. Expiry is the caller's to check (the row stays until DeleteExpired).
  virtual Result<Session> FindSessionByToken(std::string_view token_hash) = 0;
  virtual Result<Session> GetSession(std::string_view id) = 0;
  // Sets last_seen_at and idle_expires_at. kNotFound if absent.
  virtual Status TouchSession(std::string_view id, UnixSeconds last_seen_at, UnixSeconds idle_expires_at) = 0;
  // kNotFound if absent.
  virtual Status DeleteSession(std::string_view id) = 0;

  // ---- Passwordless challenges ------------------------------------------------------------

  // Inserts the challenge, or replaces the one of the same transaction. kFailedPrecondition if
  // that one was consumed (the transaction is complete); kAlreadyExists if link_hash is taken by
  // another transaction's challenge.
  virtual Status PutEmailChallenge(const EmailChallenge& challenge) = 0;
  // kNotFound if absent.
  virtual Result<EmailChallenge> GetEmailChallenge(std::string_view transaction_id) = 0;
  // The challenge whose link_hash equals `link_hash` (non-empty). kNotFound if none.
  virtual Result<EmailChallenge> FindEmailChallengeByLink(std::string_view link_hash) = 0;
  // Atomic read-modify-write, as UpdateClient: `update` gets a copy and returns what to write;
  // an error from it writes nothing and is returned. The transaction id cannot change
  // (kInvalidArgument). kNotFound if absent (and `update` is not called). This is how a code
  // check counts a wrong attempt and how a code or link is consumed exactly once, across
  // threads, processes and nodes.
  virtual Result<EmailChallenge> UpdateEmailChallenge(
      std::string_view transaction_id, const std::function<Result<EmailChallenge>(EmailChallenge)>& update) = 0;

  // ---- Rate limits ------------------------------------------------------------------------

  // One hit on the fixed-window counter `key` (windows of `window` seconds starting at the
  // window's first hit; a window keeps the length it started with): allowed while fewer than
  // `limit` hits were counted in the current window, and then counted; a refused hit is not
  // counted. Atomic across nodes sharing the store. kInvalidArgument if limit or window <= 0.
  virtual Result<RateLimitResult> HitRateLimit(std::string_view key, int limit, UnixSeconds window,
                                               UnixSeconds now) = 0;
  // HitRateLimit on each of `hits` in order, in one transaction (one write, where a commit is
  // what costs): stops at the first refusal and returns it, the hits before it counted as with
  // separate calls; otherwise returns the last verdict. kInvalidArgument, nothing counted, if
  // `hits` is empty or any limit or window <= 0.
  virtual Result<RateLimitResult> HitRateLimits(const std::vector<RateLimitHit>& hits, UnixSeconds now) = 0;
  // HitRateLimits(hits, now), then, if every hit was allowed, UpdateEmailChallenge(
  // transaction_id, update), in one transaction (a code check's one write). The hits count
  // whatever the update decides: an absent challenge (kNotFound), an error from `update` (as
  // Unchanged()'s kAborted) or a changed transaction id (kInvalidArgument) comes back in
  // `status` and writes nothing more. The Result is an error, with nothing written, hits
  // included, only for bad limits or no hits (kInvalidArgument) and for a failed write (as
  // kAlreadyExists for a link_hash another challenge holds).
  virtual Result<LimitedChallengeUpdate> UpdateEmailChallengeWithinLimits(
      const std::vector<RateLimitHit>& hits, UnixSeconds now, std::string_view transaction_id,
      const std::function<Result<EmailChallenge>(EmailChallenge)>& update) = 0;
  // HitRateLimits(hits, now), then, if every hit was allowed, PutEmailChallenge(challenge), in
  // one transaction (a sign-in email's one write). Returns the verdict: when a hit is refused
  // the hits before it are counted and the challenge is not written; when all are allowed, the
  // hits and the challenge are written together or, on an error (PutEmailChallenge's, or
  // kInvalidArgument for a bad limit or no hits), not at all.
  virtual Result<RateLimitResult> PutEmailChallengeWithinLimits(const std::vector<RateLimitHit>& hits,
                                                                UnixSeconds now, const EmailChallenge& challenge) = 0;

  // ---- Authorization codes ----------------------------------------------------------------

  // kAlreadyExists if code_hash or transaction_id is taken: a transaction completes once.
  virtual Status CreateAuthorizationCode(const AuthorizationCode& code) = 0;
  // Marks the code consumed at `now` if it was not, atomically, and returns the record as it was
  // before this call: consumed_at == 0 means this call consumed it; non-zero means it had been
  // used already (the caller revokes what the first use issued). Expiry is the caller's to
  // check. kNotFound if absent; kInvalidArgument if now <= 0 (0 would read as unconsumed).
  virtual Result<AuthorizationCode> ConsumeAuthorizationCode(std::string_view code_hash, UnixSeconds now) = 0;

  // The end of a login in one atomic step: the membership (as AddMembership), the ended
  // sessions deleted, the new session (as CreateSession), the code (as CreateAuthorizationCode).
  // All or nothing: kAlreadyExists when the code's transaction completed before, kNotFound when
  // the organization or user is gone, and then nothing is written.
  virtual Status CompleteLogin(const LoginCompletion& completion) = 0;

  // ---- Grants and tokens ------------------------------------------------------------------

  // The exchange of an authorization code, atomically (also across nodes):
  //   * kNotFound if no code has this hash;
  //   * a code consumed before: the grant created by its first use (and so every token issued
  //     from it) is revoked at `now`, and kFailedPrecondition(kCodeReused) returned;
  //   * otherwise `issue` is called with the code; it checks the request against it (client,
  //     redirect URI, PKCE, expiry) and returns the grant and tokens to create, or an error,
  //     which is returned with nothing written (the code stays unconsumed). Then the code is
  //     marked consumed at `now` and the grant, refresh token and access token record are
  //     inserted, all or nothing (kAlreadyExists if the grant id, the refresh token hash or
  //     the jti is taken). The store sets the grant's code_hash to `code_hash` (a second use
  //     finds the grant by it) and the grant_id of the refresh token and the access token
  //     record to the grant's id.
  // `issue` may run more than once if the backend retries, so it must be free of side effects.
  // Returns the code record as read (consumed_at 0). kInvalidArgument if now <= 0.
  virtual Result<AuthorizationCode> RedeemAuthorizationCode(
      std::string_view code_hash, UnixSeconds now,
      const std::function<Result<TokenIssue>(const AuthorizationCode&)>& issue) = 0;

  // A refresh token with its grant. kNotFound if no token has this hash.
  struct RefreshLookup {
    RefreshToken token;
    Grant grant;
  };
  virtual Result<RefreshLookup> FindRefreshToken(std::string_view token_hash) = 0;

  // Rotates the refresh token `token_hash` (read before with FindRefreshToken, and checked by
  // the caller against the client) atomically, in this order:
  //   * kNotFound if the token is gone;
  //   * kFailedPrecondition(kGrantRevoked) if its grant is revoked;
  //   * kFailedPrecondition(kRefreshExpired) if expires_at <= now or the grant's expires_at <= now;
  //   * the token was rotated before, `grace` or more seconds ago (now - rotated_at >= grace):
  //     reuse of a stolen token; the grant is revoked at `now` and
  //     kFailedPrecondition(kRefreshReused) returned. Sooner (a client's concurrent retry) it
  //     rotates again. grace 0 tolerates no reuse at all;
  //   * the grant has a session that no longer exists or whose expires_at or idle_expires_at
  //     is <= now: the grant is revoked, kFailedPrecondition(kSessionEnded). Otherwise the
  //     session's last_seen_at becomes `now` and idle_expires_at `session_idle_expires_at`
  //     (capped at its expires_at): using the application keeps the sign-in alive;
  //   * otherwise rotated_at = now (kept if already set) and `issue.refresh` (if any) and
  //     `issue.access` inserted, their grant_id set to the grant's (`issue.grant` is ignored).
  // Returns the grant as read. On any error nothing but the revocations described is written.
  // kInvalidArgument if now <= 0 (0 would read as "not rotated").
  virtual Result<Grant> RotateRefreshToken(std::string_view token_hash, UnixSeconds now, UnixSeconds grace,
                                           UnixSeconds session_idle_expires_at, const TokenIssue& issue) = 0;

  // Every revocation below (and those of RedeemAuthorizationCode and RotateRefreshToken) sets
  // revoked_at only where it is 0: the first revocation's time is kept. Each is
  // kInvalidArgument if now <= 0 (0 would read as "not revoked").

  // Sets revoked_at = now on the grant if it is not revoked yet. kNotFound if absent.
  virtual Status RevokeGrant(std::string_view grant_id, UnixSeconds now) = 0;

  // Records the access token `jti` as revoked (inserting the row if it was not recorded, with
  // `expires_at` so that DeleteExpired can drop it; a recorded row keeps its own). Idempotent.
  virtual Status RevokeAccessToken(std::string_view jti, UnixSeconds expires_at, UnixSeconds now) = 0;

  // The state of the access token `jti`: unrecorded (a client_credentials token never
  // revoked), or recorded and then revoked or not (its own revoked_at, or its grant's). A
  // revocation of the grant stays visible until the record itself expires, even after
  // DeleteExpired has dropped the grant (an access token may outlive its grant by its lifetime).
  virtual Result<AccessTokenState> GetAccessTokenState(std::string_view jti) = 0;

  // Ends a browser session atomically: deletes it and revokes (at `now`) every grant issued
  // in it. Returns the grants this call revoked, with revoked_at = now, ordered by
  // (created_at, id), so that the caller can notify their clients (back-channel logout); a grant
  // of the session revoked before (a reused code, a second EndSession) is not returned again,
  // so each client is told once. An absent session is not an error: the grants that name it are
  // still revoked. kInvalidArgument if session_id is empty (what grants without a session hold).
  virtual Result<std::vector<Grant>> EndSession(std::string_view session_id, UnixSeconds now) = 0;

  // ---- Expiry -----------------------------------------------------------------------------

  // What has expired by `now`: sessions whose idle_expires_at or expires_at is <= now,
  // challenges whose expires_at <= now, authorization codes whose expires_at <= now (a consumed
  // one only once the grant it produced has expired too, so that a late replay still revokes
  // that grant), rate-limit windows that have ended (a hit at `now` would start a new one),
  // grants whose expires_at <= now with their refresh tokens, refresh tokens whose expires_at
  // <= now, access-token records, upstream login legs and single-use keys whose expires_at <=
  // now. (A grant outlives its session's row: it is revoked, not deleted, when the session
  // ends, so that reuse detection still answers.)
  //
  // DeleteExpiredBatch deletes at most `limit` of those rows, in one write, and returns how many
  // went: fewer than `limit` means nothing expired is left. kInvalidArgument if limit <= 0.
  virtual Result<int> DeleteExpiredBatch(UnixSeconds now, int limit) = 0;
  // Every expired row, in batches of kExpiryBatch rows, one write each: however much has piled
  // up, no write holds the store's write lock for longer than a batch, and the writers waiting
  // (sign-ins) are woken between two batches. Returns how many rows went.
  static constexpr int kExpiryBatch = 500;
  Result<int> DeleteExpired(UnixSeconds now) {
    int total = 0;
    for (;;) {
      Result<int> deleted = DeleteExpiredBatch(now, kExpiryBatch);
      if (!deleted.ok()) return deleted.error();
      total += *deleted;
      if (*deleted < kExpiryBatch) return total;
    }
  }

  // ---- Upstream identities (SSO, social) ----------------------------------------------------
  // The user linked to (connection_id, subject); kNotFound when none.
  virtual Result<LinkedIdentity> FindLinkedIdentity(std::string_view connection_id, std::string_view subject) = 0;
  // kAlreadyExists when (connection_id, subject) is linked already (to anyone); kNotFound when
  // the user does not exist.
  virtual Status LinkIdentity(const LinkedIdentity& identity) = 0;

  virtual Status PutUpstreamLogin(const UpstreamLogin& login) = 0;
  // Deletes and returns the leg, atomically: of two concurrent calls one gets it. kNotFound when
  // there is none, it was taken, or it expired (expires_at <= now).
  virtual Result<UpstreamLogin> TakeUpstreamLogin(std::string_view relay_hash, UnixSeconds now) = 0;

  // Records `key_hash` as used until `expires_at`: true the first time, false while an earlier
  // record of it has not expired (a replay). Atomic across concurrent callers.
  virtual Result<bool> UseOnce(std::string_view key_hash, UnixSeconds expires_at, UnixSeconds now) = 0;

  // ---- Back-channel logout deliveries -------------------------------------------------------
  // A durable queue with claims, so that several nodes can share it: a claimed delivery is
  // hidden until its claim ends, and taken again by anyone after that (its claimer died).
  // Deliveries are therefore at least once.

  // Adds `delivery` (its id is ignored) and returns the id it got.
  virtual Result<std::int64_t> EnqueueLogoutDelivery(const LogoutDelivery& delivery) = 0;
  // Claims up to `limit` (>= 1) deliveries due at `now_ms` (next_at_ms <= now_ms), the earliest
  // first (then by id), atomically: their next_at_ms becomes now_ms + claim_ms, so that no
  // concurrent caller gets them too. Returns them as they were before the claim.
  virtual Result<std::vector<LogoutDelivery>> ClaimLogoutDeliveries(std::int64_t now_ms, std::int64_t claim_ms,
                                                                    int limit) = 0;
  // Due again at `next_at_ms` with `attempts` made. kNotFound when it is gone.
  virtual Status RescheduleLogoutDelivery(std::int64_t id, int attempts, std::int64_t next_at_ms) = 0;
  // Removes a delivery that is done (delivered or given up). Removing an absent one is OK.
  virtual Status DeleteLogoutDelivery(std::int64_t id) = 0;
  // The earliest next_at_ms of all deliveries; nullopt when there are none.
  virtual Result<std::optional<std::int64_t>> NextLogoutDeliveryAt() = 0;

  // ---- Settings ---------------------------------------------------------------------------
  // A small key/value table for deployment-wide settings (the issuer chosen at init ...).

  // kNotFound if unset.
  virtual Result<std::string> GetSetting(std::string_view key) = 0;
  // Insert or overwrite.
  virtual Status PutSetting(std::string_view key, std::string_view value) = 0;
  // Sets the value only if the key is unset; returns true if this call set it. Lets concurrent
  // `init` runs agree on one winner.
  virtual Result<bool> PutSettingIfAbsent(std::string_view key, std::string_view value) = 0;

  // ---- Operations -------------------------------------------------------------------------

  // The highest migration applied.
  virtual Result<int> SchemaVersion() = 0;
  // Runs the backend's own consistency check (SQLite: PRAGMA integrity_check); kDataLoss with
  // the backend's report when it fails.
  virtual Status CheckIntegrity() = 0;
  // Cheap liveness probe for /readyz: kUnavailable when the database cannot answer.
  virtual Status Ping() = 0;
};

struct OpenOptions {
  // Create the database (and apply migrations) if it does not exist. When false, a missing
  // database is kNotFound.
  bool create_if_missing = false;
  // How long a writer waits for another process's lock before kUnavailable.
  int busy_timeout_ms = 5000;
};

// Opens a store from a URI:
//   sqlite:PATH          a SQLite file (WAL mode); sqlite::memory: for tests (a new private
//                        database on each call, whatever create_if_missing says)
//   postgres://...       not supported yet (kFailedPrecondition with a message saying so)
// Applies pending migrations, each in its own transaction, recording the version. kInvalidArgument
// for an unknown scheme; kDataLoss when the file is not a database or its schema is newer than
// this binary understands.
Result<std::unique_ptr<Store>> OpenStore(std::string_view uri, const OpenOptions& options = {});

}  // namespace gatehouse::store
