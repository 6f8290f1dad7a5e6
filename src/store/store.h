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
  // Deletes the organization with its domains and connections, atomically. kNotFound if absent.
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
  // kNotFound if absent.
  virtual Status DeleteConnection(std::string_view id) = 0;

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
