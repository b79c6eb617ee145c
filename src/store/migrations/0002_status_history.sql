-- Every state a dossier went through (shown on the lookup screen), and the fields the sync
-- engine needs to retry with backoff.
CREATE TABLE dossier_events (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    state      TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX dossier_events_by_dossier ON dossier_events (dossier_id, at);

ALTER TABLE dossiers ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN next_attempt_at TEXT;
ALTER TABLE dossiers ADD COLUMN last_error TEXT;

-- Dossiers stored before this version get their first event from what the row already says.
INSERT INTO dossier_events (dossier_id, at, state) SELECT id, created_at, state FROM dossiers;
