-- 0005_sso: what signing in through an upstream identity provider (SSO, social) writes.
-- Applied in one transaction by SqliteStore, which records it in schema_migrations.
-- Released migrations are never edited; a change is a new numbered file.
-- Times are Unix seconds (UTC).

-- Who a user is at an upstream connection: (connection, subject) -> user. A user may have
-- several. No foreign key to connections: a deleted connection's id is never reused, and the
-- links go with the user (cascade).
CREATE TABLE identities (
  connection_id TEXT    NOT NULL,
  subject       TEXT    NOT NULL,
  user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, subject)
) STRICT, WITHOUT ROWID;

CREATE INDEX identities_by_user ON identities (user_id);

-- One upstream leg of a login, between the redirect to the IdP and its answer: found by the
-- hash of the value the IdP sends back (state, RelayState) and taken once. transaction and
-- upstream_state are sealed by the login layer; browser_hash binds the leg to the browser
-- that started it (hex SHA-256 of a cookie).
CREATE TABLE upstream_logins (
  relay_hash     TEXT    NOT NULL PRIMARY KEY,
  connection_id  TEXT    NOT NULL,
  transaction_token TEXT NOT NULL,
  upstream_state TEXT    NOT NULL,
  browser_hash   TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX upstream_logins_by_expiry ON upstream_logins (expires_at);

-- Answers that may be accepted once (SAML assertion ids), kept until they would have expired.
CREATE TABLE single_use (
  key_hash   TEXT    NOT NULL PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX single_use_by_expiry ON single_use (expires_at);
