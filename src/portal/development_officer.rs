//! The published development account of a development portal (`xakiosk portal --dev`, the
//! desktop kiosk's built-in portal): an administrator of every commune, added only to a
//! database with no account yet, so a developer can sign in to the officer pages at once.
//! Never on a portal reachable beyond its machine (`--dev` listens on loopback only).

use crate::portal::db::audit::Attribution;
use crate::portal::db::officers::{Communes, Role};
use crate::portal::{PortalDb, PortalError};

pub const NAME: &str = "admin";
pub const PASSWORD: &str = "development-password";

/// Adds the development account when the database has no account; whether it did.
pub fn ensure(db: &PortalDb) -> Result<bool, PortalError> {
    if !db.officers()?.is_empty() {
        return Ok(false);
    }
    let hash = crate::portal::password::hash_password(PASSWORD);
    db.add_officer(
        NAME,
        &hash,
        Role::Admin,
        &Communes::Every,
        &Attribution::command("development"),
        chrono::Utc::now().timestamp(),
    )?;
    Ok(true)
}
