-- 0002_organizations: organizations, their domains, and connections (ways to sign in).
-- Applied in one transaction by SqliteStore, which records it in schema_migrations.
-- Released migrations are never edited; a change is a new numbered file.
-- Times are Unix seconds (UTC).

-- external_id is NULL when not set (store::Organization::external_id empty), so that the unique
-- index lets any number of organizations have none.
CREATE TABLE organizations (
  id           TEXT    NOT NULL PRIMARY KEY,
  display_name TEXT    NOT NULL,
  external_id  TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX organizations_external_id ON organizations (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX organizations_by_created ON organizations (created_at, id);

-- A domain belongs to at most one organization in the environment (home-realm discovery needs
-- one answer). Stored as the caller normalised it: lowercase ASCII, punycode, no trailing dot.
CREATE TABLE domains (
  id              TEXT    NOT NULL PRIMARY KEY,
  organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain          TEXT    NOT NULL UNIQUE,
  created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX domains_by_organization ON domains (organization_id, created_at, id);

-- organization_id NULL: an environment-wide connection (social or passwordless).
-- type: store::ConnectionType, Scalekit's numbers (1 OIDC, 2 SAML, 4 OAuth, 5 passwordless).
CREATE TABLE connections (
  id              TEXT    NOT NULL PRIMARY KEY,
  organization_id TEXT    REFERENCES organizations (id) ON DELETE CASCADE,
  type            INTEGER NOT NULL CHECK (type IN (1, 2, 4, 5)),
  provider        TEXT    NOT NULL,
  display_name    TEXT    NOT NULL,
  enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  settings_json   TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX connections_by_organization ON connections (organization_id, created_at, id);
CREATE INDEX connections_by_created ON connections (created_at, id);
