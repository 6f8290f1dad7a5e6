-- 0004_tokens: what the token endpoint writes (grants, refresh tokens, access-token records) and
-- the client fields it reads (scopes, organization, back-channel logout URI).
-- Applied in one transaction by SqliteStore, which records it in schema_migrations.
-- Released migrations are never edited; a change is a new numbered file.
-- Times are Unix seconds (UTC); 0 means "not set".

-- The defaults make every existing client an environment application client with no
-- client_credentials scopes and no back-channel logout, which is what it was before.
-- scopes is a JSON array of strings (order kept): a client has a handful and they are only
-- ever read with the client, so a child table like client_redirect_uris would buy nothing.
-- organization_id is not a foreign key: "" means none, and the caller checks that an
-- organization it names exists (as for authorization codes, a row records what was decided).
ALTER TABLE clients ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(scopes) AND json_type(scopes) = 'array');
ALTER TABLE clients ADD COLUMN organization_id TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';

-- One row per authorization code exchange (store::Grant). No foreign keys to clients, users or
-- sessions: the session row goes when the session ends while the grant must stay, revoked,
-- until it expires, so that reuse of its code or refresh tokens is still recognised; and the
-- token endpoint re-checks the client on every refresh. organization_id and session_id are ""
-- when none.
CREATE TABLE grants (
  id              TEXT    NOT NULL PRIMARY KEY,
  code_hash       TEXT    NOT NULL UNIQUE,  -- a second use of the code finds its grant by it
  client_id       TEXT    NOT NULL,
  user_id         TEXT    NOT NULL,
  organization_id TEXT    NOT NULL,
  session_id      TEXT    NOT NULL,
  scope           TEXT    NOT NULL,
  connection_id   TEXT    NOT NULL,
  auth_method     TEXT    NOT NULL,
  auth_time       INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  revoked_at      INTEGER NOT NULL
) STRICT;

-- EndSession: the grants of one session, in the order it returns them.
CREATE INDEX grants_by_session ON grants (session_id, created_at, id);
-- DeleteExpired.
CREATE INDEX grants_by_expiry ON grants (expires_at);

-- token_hash: hex SHA-256 of the token. Rotated tokens stay (rotated_at set) until they
-- expire: presenting one again is how a stolen token is noticed. They go with their grant.
CREATE TABLE refresh_tokens (
  token_hash TEXT    NOT NULL PRIMARY KEY,
  grant_id   TEXT    NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  rotated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The cascade from grants, and DeleteExpired's "tokens of expired grants".
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- Access tokens by jti: those of grants (so that revoking the grant revokes them) and revoked
-- client_credentials tokens (grant_id NULL). No foreign key to grants: a record must outlive
-- its grant's row, since a token issued just before the grant expired is valid a few minutes
-- longer. Revoking a grant therefore also sets revoked_at here, so that the revocation
-- survives the grant's deletion.
CREATE TABLE access_tokens (
  jti        TEXT    NOT NULL PRIMARY KEY,
  grant_id   TEXT,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Revoking a grant marks its access tokens.
CREATE INDEX access_tokens_by_grant ON access_tokens (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
