-- The resident's satisfaction rating of a dossier's service (no personal data): 1–5 stars and
-- reason ids, and when it reached the portal (NULL: still to send).
CREATE TABLE ratings (
    dossier_id TEXT PRIMARY KEY REFERENCES dossiers (id) ON DELETE CASCADE,
    stars      INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    reasons    TEXT NOT NULL,
    rated_at   TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX ratings_unsent ON ratings (sent_at);
