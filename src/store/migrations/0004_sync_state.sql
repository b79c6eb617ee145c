-- Small key/value state of the sync engine (the status cursor pulled from the portal).
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX dossiers_due ON dossiers (state, next_attempt_at);
