-- 0001_init: clients, signing keys, settings.
-- Applied in one transaction by SqliteStore, which records it in schema_migrations.
-- Released migrations are never edited; a change is a new numbered file.
-- Times are Unix seconds (UTC); 0 means "not set".

CREATE TABLE clients (
  id          TEXT    NOT NULL PRIMARY KEY,
  name        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX clients_by_created ON clients (created_at, id);

-- The URI lists of a client, one row per entry, so that any byte string survives unchanged and
-- the order is kept. kind 0: redirect_uris; kind 1: post_logout_redirect_uris.
CREATE TABLE client_redirect_uris (
  client_id TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  kind      INTEGER NOT NULL CHECK (kind IN (0, 1)),
  position  INTEGER NOT NULL,
  uri       TEXT    NOT NULL,
  PRIMARY KEY (client_id, kind, position)
) STRICT, WITHOUT ROWID;

-- state: 0 next, 1 active, 2 retired (store::KeyState).
CREATE TABLE signing_keys (
  kid                TEXT    NOT NULL PRIMARY KEY,
  alg                TEXT    NOT NULL,
  state              INTEGER NOT NULL CHECK (state IN (0, 1, 2)),
  public_jwk         TEXT    NOT NULL,
  sealed_private_key BLOB    NOT NULL,
  created_at         INTEGER NOT NULL,
  activated_at       INTEGER NOT NULL DEFAULT 0,
  retired_at         INTEGER NOT NULL DEFAULT 0,
  expires_at         INTEGER NOT NULL DEFAULT 0
) STRICT;

-- At most one active and at most one next key per algorithm.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (alg) WHERE state = 1;
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (alg) WHERE state = 0;
CREATE INDEX signing_keys_by_created ON signing_keys (created_at, kid);

CREATE TABLE settings (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
