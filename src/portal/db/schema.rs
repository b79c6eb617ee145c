//! The portal database's schema, step by step (`PRAGMA user_version` counts the steps
//! applied), and bringing a database up to the latest step at open.

use crate::portal::db::PortalError;
use rusqlite::Connection;

/// The portal's schema, step by step (`PRAGMA user_version` counts the steps applied).
pub(super) const MIGRATIONS: [&str; 10] = [
    "
CREATE TABLE IF NOT EXISTS received (
    id          TEXT PRIMARY KEY,
    body_hash   TEXT NOT NULL,
    body        TEXT NOT NULL,
    reference   TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'accepted'
);
CREATE TABLE IF NOT EXISTS attachments (
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (dossier_id, sha256)
);
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id   TEXT PRIMARY KEY,
    public_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    id    TEXT NOT NULL,
    state TEXT NOT NULL,
    note  TEXT,
    at    TEXT NOT NULL
);
",
    "
-- Enrollment replaces trust on first use: the pinned keys become enrolled devices.
CREATE TABLE devices (
    kiosk_id       TEXT PRIMARY KEY,
    public_key     TEXT NOT NULL,
    place          TEXT NOT NULL DEFAULT '',
    app_version    TEXT NOT NULL DEFAULT '',
    enrolled_at    TEXT NOT NULL,
    last_seen_at   TEXT,
    last_heartbeat TEXT
);
INSERT INTO devices (kiosk_id, public_key, enrolled_at)
    SELECT kiosk_id, public_key, '' FROM kiosks;
DROP TABLE kiosks;
ALTER TABLE received ADD COLUMN kiosk_id TEXT NOT NULL DEFAULT '';
UPDATE received SET kiosk_id = coalesce(json_extract(body, '$.kiosk_id'), '');
CREATE INDEX received_by_kiosk ON received (kiosk_id);
-- Photos arriving in chunks: kept here, assembled into attachments once whole and checked.
CREATE TABLE uploads (
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    total      INTEGER NOT NULL,
    received   INTEGER NOT NULL,
    PRIMARY KEY (dossier_id, sha256)
);
CREATE TABLE upload_chunks (
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    offset     INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (dossier_id, sha256, offset)
);
CREATE TABLE catalogues (
    version INTEGER PRIMARY KEY,
    signed  TEXT NOT NULL
);
",
    "
-- Residents' satisfaction ratings, one per dossier (a later one replaces it).
CREATE TABLE ratings (
    dossier_id  TEXT PRIMARY KEY REFERENCES received (id),
    kiosk_id    TEXT NOT NULL,
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    reasons     TEXT NOT NULL,
    rated_at    TEXT NOT NULL,
    received_at TEXT NOT NULL
);
",
    "
-- Help requests and cabinet-door events from kiosks, for the one-stop office and technicians.
CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (received_at);
",
    "
-- Every device key a kiosk id has used: its enrolled key, and earlier keys that handed over
-- to it (signed). A receipt is genuine when signed by one of the sending kiosk's keys.
CREATE TABLE device_keys (
    kiosk_id   TEXT NOT NULL,
    public_key TEXT NOT NULL,
    since      TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, public_key)
);
INSERT INTO device_keys (kiosk_id, public_key, since)
    SELECT kiosk_id, public_key, enrolled_at FROM devices;
",
    "
-- \"Cần bổ sung\" carries the officer's structured request (JSON: what, fields, due), and a
-- supplement names the dossier it completes.
ALTER TABLE changes ADD COLUMN request TEXT;
ALTER TABLE received ADD COLUMN supplements TEXT;
CREATE INDEX received_by_supplements ON received (supplements);
",
    "
-- Officers sign in: Argon2id hashes, a role (officer decides; admin also manages kiosks,
-- users and reads the audit log), the communes whose dossiers they see ('*': every one),
-- failed sign-ins and the lockout they earn. Times are Unix seconds.
CREATE TABLE officers (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('officer', 'admin')),
    communes      TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
-- Signed-in browsers: the SHA-256 of the session cookie (never the cookie), the form token.
CREATE TABLE officer_sessions (
    token_hash TEXT PRIMARY KEY,
    officer    TEXT NOT NULL REFERENCES officers (name),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);
-- Who did what, when, from where: append-only (the triggers refuse changes and deletions).
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT '',
    source  TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- The commune a kiosk stands in, and so the commune whose officers decide its dossiers.
ALTER TABLE devices ADD COLUMN commune TEXT NOT NULL DEFAULT '';
ALTER TABLE received ADD COLUMN commune TEXT NOT NULL DEFAULT '';
CREATE INDEX received_by_commune ON received (commune, received_at);
",
    "
-- A kiosk's dossier ids are its own (db/claims.rs): the portal keys a dossier by internal_id,
-- the kiosk's id unless another kiosk used that id first. Dossiers received so far keep theirs.
CREATE TABLE claims (
    kiosk_id    TEXT NOT NULL,
    dossier_id  TEXT NOT NULL,
    internal_id TEXT NOT NULL UNIQUE,
    claimed_at  TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, dossier_id)
);
CREATE INDEX claims_by_dossier ON claims (dossier_id);
INSERT INTO claims (kiosk_id, dossier_id, internal_id, claimed_at)
    SELECT kiosk_id, id, id, received_at FROM received;
",
    "
-- Per-kiosk enrollment tokens (db/enrollment_tokens.rs): the SHA-256 of each, the kiosk id
-- and commune it is for, who issued it, until when (Unix seconds), the key it enrolled.
CREATE TABLE enrollment_tokens (
    token_hash  TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    commune     TEXT NOT NULL,
    issued_by   TEXT NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by_key TEXT,
    used_at     INTEGER
);
",
    "
-- Software updates offered to groups of kiosks (db/update_offers.rs): each bundle once, by its
-- SHA-256, in 1 MiB pieces a kiosk fetches from any offset; offers signed by the catalogue
-- key, per group (a pilot group first), withdrawn but never deleted; every kiosk starts in the
-- group 'general'.
CREATE TABLE update_bundles (
    sha256    TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE TABLE update_bundle_pieces (
    sha256 TEXT NOT NULL REFERENCES update_bundles (sha256),
    seq    INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
);
CREATE TABLE update_offers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk_group  TEXT NOT NULL,
    version      TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES update_bundles (sha256),
    signed       TEXT NOT NULL,
    offered_at   TEXT NOT NULL,
    offered_by   TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX update_offers_by_group ON update_offers (kiosk_group, id);
ALTER TABLE devices ADD COLUMN update_group TEXT NOT NULL DEFAULT 'general';
",
];

pub(super) fn migrate(conn: &mut Connection) -> Result<(), PortalError> {
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
    let steps: Vec<rusqlite_migration::M<'static>> = MIGRATIONS
        .iter()
        .map(|sql| rusqlite_migration::M::up(sql))
        .collect();
    rusqlite_migration::Migrations::new(steps)
        .to_latest(conn)
        .map_err(|e| PortalError::Migration(e.to_string()))
}
