-- 0003_users_sessions: users and their memberships, browser sessions, passwordless challenges,
-- rate-limit windows and authorization codes.
-- Applied in one transaction by SqliteStore, which records it in schema_migrations.
-- Released migrations are never edited; a change is a new numbered file.
-- Times are Unix seconds (UTC); 0 means "not set".

-- email is stored as the caller normalised it and compared exactly (BINARY).
CREATE TABLE users (
  id             TEXT    NOT NULL PRIMARY KEY,
  email          TEXT    NOT NULL UNIQUE,
  email_verified INTEGER NOT NULL CHECK (email_verified IN (0, 1)),
  name           TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX users_by_created ON users (created_at, id);

-- Deleting the organization or the user deletes the membership. The primary key serves the
-- cascade from organizations; memberships_by_user the listing and the cascade from users.
CREATE TABLE memberships (
  organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (organization_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX memberships_by_user ON memberships (user_id, created_at, organization_id);

-- token_hash: hex SHA-256 of the cookie token. connection_id is not a foreign key: a session
-- records how the user signed in, and stays valid if that connection is later deleted.
CREATE TABLE sessions (
  id              TEXT    NOT NULL PRIMARY KEY,
  token_hash      TEXT    NOT NULL UNIQUE,
  user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  connection_id   TEXT    NOT NULL,
  auth_method     TEXT    NOT NULL,
  auth_time       INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  idle_expires_at INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);
-- DeleteExpired: idle_expires_at <= now OR expires_at <= now, one index for each side.
CREATE INDEX sessions_by_idle_expiry ON sessions (idle_expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One challenge per login transaction. link_hash is NULL when links are disabled
-- (store::EmailChallenge::link_hash empty), so that the unique index lets any number of
-- challenges have none.
CREATE TABLE email_challenges (
  transaction_id     TEXT    NOT NULL PRIMARY KEY,
  email              TEXT    NOT NULL,
  code_hash          TEXT    NOT NULL,
  link_hash          TEXT,
  browser_hash       TEXT    NOT NULL,
  sealed_transaction TEXT    NOT NULL,
  attempts           INTEGER NOT NULL,
  send_count         INTEGER NOT NULL,
  last_sent_at       INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  consumed_at        INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX email_challenges_link_hash ON email_challenges (link_hash) WHERE link_hash IS NOT NULL;
CREATE INDEX email_challenges_by_expiry ON email_challenges (expires_at);

-- A fixed-window counter per key. window_end = window_start + the window length the first hit
-- asked for: a window keeps the length it started with, and HitRateLimit and DeleteExpired
-- agree on when it ends.
CREATE TABLE rate_limits (
  key          TEXT    NOT NULL PRIMARY KEY,
  window_start INTEGER NOT NULL,
  window_end   INTEGER NOT NULL,
  count        INTEGER NOT NULL CHECK (count >= 1)
) STRICT, WITHOUT ROWID;

CREATE INDEX rate_limits_by_end ON rate_limits (window_end);

-- code_hash: hex SHA-256 of the code. No foreign keys (to clients, users, sessions or
-- organizations): a code lives for a minute, records what was authorized at issue time, and
-- the token endpoint re-checks what it needs; DeleteExpired removes it either way.
-- organization_id is "" when none (no unique index needs NULL there).
CREATE TABLE authorization_codes (
  code_hash       TEXT    NOT NULL PRIMARY KEY,
  transaction_id  TEXT    NOT NULL UNIQUE,
  client_id       TEXT    NOT NULL,
  redirect_uri    TEXT    NOT NULL,
  scope           TEXT    NOT NULL,
  code_challenge  TEXT    NOT NULL,
  nonce           TEXT    NOT NULL,
  user_id         TEXT    NOT NULL,
  organization_id TEXT    NOT NULL,
  session_id      TEXT    NOT NULL,
  connection_id   TEXT    NOT NULL,
  auth_method     TEXT    NOT NULL,
  auth_time       INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  consumed_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
