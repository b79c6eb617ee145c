//! Which kiosk a dossier id belongs to. A kiosk's dossier ids are its own: the portal keys
//! each dossier by an internal id — the kiosk's own id when that id is new to the portal, a
//! fresh one when another kiosk already used it — so a hostile kiosk that copies the id off
//! a resident's receipt and sends first gets a dossier of its own, never the real one, and
//! can neither read nor extend the real one's photos. A kiosk re-provisioned under a new id
//! still holds its old dossiers: it carries the old kiosk's device key (handed over, signed),
//! and sharing a device key is what makes two kiosk ids one owner.

use crate::portal::db::PortalError;
use rusqlite::{Connection, params};

/// Whether kiosk ids `a` and `b` are one kiosk: the same id, or one device key enrolled
/// under both (a re-provisioned kiosk enrolls its earlier key through a signed handover).
pub(super) fn same_owner(conn: &Connection, a: &str, b: &str) -> Result<bool, PortalError> {
    if a == b {
        return Ok(true);
    }
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM device_keys x JOIN device_keys y ON x.public_key = y.public_key
         WHERE x.kiosk_id = ?1 AND y.kiosk_id = ?2",
        [a, b],
        |r| r.get(0),
    )?)
}

/// The internal id of `kiosk`'s dossier `id`, if it has claimed it (or a kiosk it is the
/// same owner as has).
pub(super) fn claimed(
    conn: &Connection,
    kiosk: &str,
    id: &str,
) -> Result<Option<String>, PortalError> {
    let mut stmt =
        conn.prepare("SELECT kiosk_id, internal_id FROM claims WHERE dossier_id = ?1")?;
    let claims: Vec<(String, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if let Some((_, internal)) = claims.iter().find(|(owner, _)| owner == kiosk) {
        return Ok(Some(internal.clone()));
    }
    for (owner, internal) in &claims {
        if same_owner(conn, owner, kiosk)? {
            return Ok(Some(internal.clone()));
        }
    }
    Ok(None)
}

/// The internal id of `kiosk`'s dossier `id`, claiming it now if it is new: the kiosk's own
/// id when no dossier uses it yet, else a fresh one.
pub(super) fn claim(
    conn: &Connection,
    kiosk: &str,
    id: &str,
    now: &str,
) -> Result<String, PortalError> {
    if let Some(internal) = claimed(conn, kiosk, id)? {
        return Ok(internal);
    }
    let taken: bool = conn.query_row(
        "SELECT (SELECT count(*) FROM claims WHERE internal_id = ?1)
              + (SELECT count(*) FROM received WHERE id = ?1)
              + (SELECT count(*) FROM uploads WHERE dossier_id = ?1)
              + (SELECT count(*) FROM attachments WHERE dossier_id = ?1) > 0",
        [id],
        |r| r.get(0),
    )?;
    let internal = if taken {
        uuid::Uuid::now_v7().to_string()
    } else {
        id.to_string()
    };
    conn.execute(
        "INSERT INTO claims (kiosk_id, dossier_id, internal_id, claimed_at) VALUES (?1, ?2, ?3, ?4)",
        params![kiosk, id, internal, now],
    )?;
    Ok(internal)
}
