//! Officer accounts: a name, an Argon2id password hash, a role, the communes whose dossiers
//! the account sees, and failed sign-ins with the lockout they earn. Kept in the database
//! (not in the process) so several portal processes agree on who is locked out.

use crate::portal::db::audit::{Attribution, append_in};
use crate::portal::db::{PortalDb, PortalError};
use rusqlite::{OptionalExtension, params};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Opens and decides the dossiers of their communes.
    Officer,
    /// Also manages kiosks and accounts and reads the audit log.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, PortalError> {
        match text {
            "officer" => Ok(Role::Officer),
            "admin" => Ok(Role::Admin),
            other => Err(PortalError::BadAccount(format!(
                "the role must be officer or admin, not {other:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }
}

/// The communes whose dossiers an account sees: every one, or these codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Communes {
    Every,
    These(Vec<String>),
}

impl Communes {
    /// "*" (every commune) or commune codes (5 digits, the administrative units list's)
    /// separated by commas or spaces.
    pub fn parse(text: &str) -> Result<Communes, PortalError> {
        if text.trim() == "*" {
            return Ok(Communes::Every);
        }
        let codes: Vec<String> = text
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(bad) = codes
            .iter()
            .find(|c| c.len() != 5 || !c.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(PortalError::BadAccount(format!(
                "{:?}: {bad:?} is not a commune code (5 digits of the administrative units \
                 list, e.g. 00070,00073), nor * for every commune",
                text.trim()
            )));
        }
        Ok(Communes::These(codes))
    }

    pub fn covers(&self, commune: &str) -> bool {
        match self {
            Communes::Every => true,
            Communes::These(codes) => codes.iter().any(|c| c == commune),
        }
    }

    pub fn to_text(&self) -> String {
        match self {
            Communes::Every => "*".into(),
            Communes::These(codes) => codes.join(","),
        }
    }
}

/// An account as the pages and commands see it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    pub name: String,
    pub role: Role,
    pub communes: Communes,
    pub disabled: bool,
    /// Unix seconds; sign-ins are refused before it.
    pub locked_until: i64,
}

/// Sign-ins allowed to fail before the account locks.
pub const FREE_FAILURES: u32 = 5;
/// The first lockout; each further failure doubles it, up to a day.
pub const FIRST_LOCKOUT_SECONDS: i64 = 15 * 60;
const LONGEST_LOCKOUT_SECONDS: i64 = 24 * 3600;
/// The shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// How long an account locks after its `failures`-th failed sign-in in a row.
pub fn lockout_after(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(10);
    (FIRST_LOCKOUT_SECONDS << doublings).min(LONGEST_LOCKOUT_SECONDS)
}

/// Whether `name` may name an account: 1–64 of a–z, 0–9, `.`, `_`, `-`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// What the sign-in page needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub password_hash: String,
    pub disabled: bool,
    pub locked_until: i64,
}

fn officer_from_row(r: &rusqlite::Row) -> rusqlite::Result<(String, String, String, bool, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub(super) fn officer_of(
    (name, role, communes, disabled, locked_until): (String, String, String, bool, i64),
) -> Result<Officer, PortalError> {
    Ok(Officer {
        name,
        role: Role::parse(&role)?,
        communes: Communes::parse(&communes)?,
        disabled,
        locked_until,
    })
}

pub(super) const OFFICER_COLUMNS: &str = "name, role, communes, disabled, locked_until";

impl PortalDb {
    /// Adds an account; an existing name is refused (reset its password instead).
    pub fn add_officer(
        &self,
        name: &str,
        password_hash: &str,
        role: Role,
        communes: &Communes,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        if !valid_name(name) {
            return Err(PortalError::BadAccount(
                "an account name is 1 to 64 of a-z, 0-9, '.', '_', '-'".into(),
            ));
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let added = tx.execute(
            "INSERT OR IGNORE INTO officers (name, password_hash, role, communes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, password_hash, role.as_str(), communes.to_text(), now],
        )?;
        if added == 0 {
            return Err(PortalError::BadAccount(format!(
                "the account {name} exists (reset its password instead)"
            )));
        }
        let detail = format!("{} {}", role.as_str(), communes.to_text());
        append_in(&tx, by, "officer_added", name, &detail, &rfc3339(now))?;
        tx.commit()?;
        Ok(())
    }

    /// Disables (or enables again) an account; disabling ends its sessions.
    pub fn set_officer_disabled(
        &self,
        name: &str,
        disabled: bool,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        let action = if disabled {
            "officer_disabled"
        } else {
            "officer_enabled"
        };
        self.change_account(name, "disabled", &disabled, disabled, action, by, now)
    }

    /// Gives an account a new password: the lockout is lifted and its sessions end.
    pub fn set_officer_password(
        &self,
        name: &str,
        password_hash: &str,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        self.change_account(
            name,
            "password_hash",
            &password_hash,
            true,
            "password_reset",
            by,
            now,
        )
    }

    /// Sets one column of an account (lifting its lockout), ends its sessions if asked, and
    /// logs `action` — in one transaction.
    #[allow(clippy::too_many_arguments)]
    fn change_account(
        &self,
        name: &str,
        column: &str,
        value: &dyn rusqlite::ToSql,
        end_sessions: bool,
        action: &str,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            &format!(
                "UPDATE officers SET {column} = ?2, failed = 0, locked_until = 0 WHERE name = ?1"
            ),
            params![name, value],
        )?;
        if changed == 0 {
            return Err(PortalError::NotFound);
        }
        if end_sessions {
            tx.execute("DELETE FROM officer_sessions WHERE officer = ?1", [name])?;
        }
        append_in(&tx, by, action, name, "", &rfc3339(now))?;
        tx.commit()?;
        Ok(())
    }

    /// Every account, by name.
    pub fn officers(&self) -> Result<Vec<Officer>, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT {OFFICER_COLUMNS} FROM officers ORDER BY name"
        ))?;
        let rows: Vec<_> = stmt
            .query_map([], officer_from_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(officer_of).collect()
    }

    /// Whether any account can sign in (enabled).
    pub fn has_enabled_officers(&self) -> Result<bool, PortalError> {
        Ok(self.lock().query_row(
            "SELECT count(*) > 0 FROM officers WHERE disabled = 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// The hash and state of `name`'s account, for checking a sign-in.
    pub fn credentials(&self, name: &str) -> Result<Option<Credentials>, PortalError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT password_hash, disabled, locked_until FROM officers WHERE name = ?1",
                [name],
                |r| {
                    Ok(Credentials {
                        password_hash: r.get(0)?,
                        disabled: r.get(1)?,
                        locked_until: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Counts a failed sign-in (and logs it); when the account locks, until when.
    pub fn sign_in_failed(
        &self,
        name: &str,
        by: &Attribution,
        now: i64,
    ) -> Result<Option<i64>, PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let failed: Option<u32> = tx
            .query_row(
                "UPDATE officers SET failed = failed + 1 WHERE name = ?1 RETURNING failed",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        let locked_until = match failed.map(lockout_after) {
            Some(seconds) if seconds > 0 => {
                tx.execute(
                    "UPDATE officers SET locked_until = ?2 WHERE name = ?1",
                    params![name, now + seconds],
                )?;
                Some(now + seconds)
            }
            _ => None,
        };
        let detail = match locked_until {
            Some(until) => format!("locked until {}", rfc3339(until)),
            None => String::new(),
        };
        append_in(&tx, by, "sign_in_refused", name, &detail, &rfc3339(now))?;
        tx.commit()?;
        Ok(locked_until)
    }
}

/// Unix seconds as the audit log writes times.
pub(super) fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_start_after_the_free_failures_and_double_up_to_a_day() {
        assert_eq!(lockout_after(FREE_FAILURES - 1), 0);
        assert_eq!(lockout_after(FREE_FAILURES), FIRST_LOCKOUT_SECONDS);
        assert_eq!(lockout_after(FREE_FAILURES + 1), 2 * FIRST_LOCKOUT_SECONDS);
        assert_eq!(lockout_after(FREE_FAILURES + 30), LONGEST_LOCKOUT_SECONDS);
    }

    #[test]
    fn communes_are_codes_or_every_one() {
        let these = Communes::parse("00070, 00073").unwrap();
        assert!(these.covers("00070") && !these.covers("00076") && !these.covers(""));
        assert_eq!(these.to_text(), "00070,00073");
        assert!(Communes::parse("*").unwrap().covers("99999"));
        assert!(Communes::parse("Hoàn Kiếm").is_err());
        assert!(Communes::parse("0007").is_err());
    }

    #[test]
    fn the_audit_log_cannot_be_changed_or_emptied() {
        let db = PortalDb::open_in_memory().unwrap();
        let by = Attribution::command("test");
        db.add_officer("lan", "h", Role::Officer, &Communes::Every, &by, 0)
            .unwrap();
        assert!(
            db.add_officer("lan", "h", Role::Admin, &Communes::Every, &by, 0)
                .is_err()
        );
        assert!(
            db.add_officer("Lan Anh", "h", Role::Admin, &Communes::Every, &by, 0)
                .is_err()
        );
        let conn = db.lock();
        let update = conn.execute("UPDATE audit_log SET actor = 'someone else'", []);
        let delete = conn.execute("DELETE FROM audit_log", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        drop(conn);
        let log = db.audit_log(None).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].actor.as_str(), log[0].action.as_str()),
            ("command:test", "officer_added")
        );
    }

    #[test]
    fn failures_lock_the_account_and_a_good_sign_in_clears_them() {
        let db = PortalDb::open_in_memory().unwrap();
        let by = Attribution::officer("lan", "10.0.0.9");
        db.add_officer("lan", "h", Role::Officer, &Communes::Every, &by, 0)
            .unwrap();
        for _ in 1..FREE_FAILURES {
            assert_eq!(db.sign_in_failed("lan", &by, 1000).unwrap(), None);
        }
        assert_eq!(
            db.sign_in_failed("lan", &by, 1000).unwrap(),
            Some(1000 + FIRST_LOCKOUT_SECONDS)
        );
        assert_eq!(
            db.credentials("lan").unwrap().unwrap().locked_until,
            1000 + FIRST_LOCKOUT_SECONDS
        );
        db.open_session("lan", "hash", "csrf", &by, 5000).unwrap();
        assert_eq!(db.credentials("lan").unwrap().unwrap().locked_until, 0);
        // Another failure after a good sign-in starts counting again from one.
        assert_eq!(db.sign_in_failed("lan", &by, 6000).unwrap(), None);
        // An unknown name locks nothing, and is logged.
        assert_eq!(db.sign_in_failed("nobody", &by, 6000).unwrap(), None);
        assert!(
            db.audit_log(None)
                .unwrap()
                .iter()
                .any(|e| e.subject == "nobody")
        );
    }
}
