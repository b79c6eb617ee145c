-- Dossiers submitted on this kiosk and the photographed papers that go with them.
CREATE TABLE dossiers (
    id                TEXT PRIMARY KEY,      -- UUIDv7 made on the kiosk: the portal's idempotency key
    code              TEXT NOT NULL UNIQUE,  -- the human-friendly code on screen and receipt
    procedure_id      TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    applicant_id      TEXT NOT NULL,         -- the applicant's personal ID: every dossier has one
    state             TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'accepted', 'rejected', 'needs_fix')),
    payload           BLOB NOT NULL,         -- the answers
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX dossiers_by_state ON dossiers (state, created_at);

CREATE TABLE attachments (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL,
    mime       TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (dossier_id, sha256)
);
