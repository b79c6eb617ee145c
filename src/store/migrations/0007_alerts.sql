-- Things a technician or the one-stop office must know, raised at the cabinet: a resident
-- pressed the help button, the cabinet door was opened or closed. No personal data. Sent to the
-- portal once (sent_at NULL: still to send); the id makes a repeated send harmless.
CREATE TABLE alerts (
    id        TEXT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('assistance', 'door_opened', 'door_closed')),
    raised_at TEXT NOT NULL,
    sent_at   TEXT
);
CREATE INDEX alerts_unsent ON alerts (sent_at);
