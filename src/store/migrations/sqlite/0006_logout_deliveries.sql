-- 0006_logout_deliveries: back-channel logout deliveries waiting for their (next) attempt.
-- Applied in one transaction by SqliteStore, which records it in schema_migrations.
-- Released migrations are never edited; a change is a new numbered file.
--
-- Kept in the store rather than in a process's memory so that a restart, or another node when
-- this one dies, carries on with them (OIDC Back-Channel Logout 1.0 deliveries are retried).
-- next_at_ms (Unix milliseconds) is when the delivery is next due; while a node attempts it, the
-- end of that node's claim, so that no other node takes it meanwhile.
CREATE TABLE logout_deliveries (
  id          INTEGER PRIMARY KEY,
  client_id   TEXT    NOT NULL,
  uri         TEXT    NOT NULL,
  user_id     TEXT    NOT NULL,
  session_id  TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  next_at_ms  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX logout_deliveries_by_next ON logout_deliveries (next_at_ms);
