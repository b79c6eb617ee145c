//! The audit log: who signed in, opened which dossier, decided what, changed which account —
//! when and from where. Append-only: the table's triggers refuse updates and deletions, and
//! nothing here offers either.

use crate::portal::db::{PortalDb, PortalError};
use rusqlite::{Connection, params};

/// Who acts, and from where: an officer's account name and the address their browser came
/// from, or a command on the portal's machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub actor: String,
    pub source: String,
}

impl Attribution {
    pub fn officer(name: &str, source: &str) -> Attribution {
        Attribution {
            actor: name.to_string(),
            source: source.to_string(),
        }
    }

    /// A command run on the portal's machine (`xakiosk portal-user …`) by `user`.
    pub fn command(user: &str) -> Attribution {
        Attribution {
            actor: format!("command:{user}"),
            source: "local".into(),
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    /// `sign_in`, `sign_in_refused`, `sign_out`, `open_dossier`, `decide`, `view_audit`,
    /// `export_audit`, `officer_added`, `officer_disabled`, `officer_enabled`,
    /// `password_reset`.
    pub action: String,
    /// What it was done to: a dossier id, an account name.
    pub subject: String,
    pub detail: String,
    pub source: String,
}

/// Appends a line in the caller's transaction (so an action and its line land together).
pub(super) fn append_in(
    conn: &Connection,
    by: &Attribution,
    action: &str,
    subject: &str,
    detail: &str,
    at: &str,
) -> Result<(), PortalError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, detail, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, by.actor, action, subject, detail, by.source],
    )?;
    Ok(())
}

impl PortalDb {
    /// Appends a line to the audit log.
    pub fn audit(
        &self,
        by: &Attribution,
        action: &str,
        subject: &str,
        detail: &str,
        at: &str,
    ) -> Result<(), PortalError> {
        append_in(&self.lock(), by, action, subject, detail, at)
    }

    /// The newest `limit` lines, newest first (`limit` None: every line, oldest first, for
    /// an export).
    pub fn audit_log(&self, limit: Option<u32>) -> Result<Vec<AuditEntry>, PortalError> {
        let conn = self.lock();
        let sql = match limit {
            Some(_) => {
                "SELECT seq, at, actor, action, subject, detail, source FROM audit_log ORDER BY seq DESC LIMIT ?1"
            }
            None => {
                "SELECT seq, at, actor, action, subject, detail, source FROM audit_log WHERE ?1 = ?1 ORDER BY seq"
            }
        };
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([limit.unwrap_or(0)], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                detail: r.get(5)?,
                source: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
