//! `xakiosk portal-user`: the reference portal's officer accounts from the portal's machine —
//! add (with a generated password, shown once), disable, enable, reset the password, list.
//! Every change lands in the audit log under `command:<user>`.

use crate::portal::PortalDb;
use crate::portal::db::audit::Attribution;
use crate::portal::db::officers::{Communes, MIN_PASSWORD_CHARS, Role};
use std::path::PathBuf;

/// Manage the reference portal's officer accounts
#[derive(clap::Args, Debug)]
pub struct PortalUserArgs {
    /// The portal's database
    #[arg(long, default_value = "portal.sqlite", global = true)]
    pub db: PathBuf,
    #[command(subcommand)]
    pub command: PortalUserCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum PortalUserCmd {
    /// Add an account; its password is generated and printed once (or read from stdin)
    Add {
        /// Account name: a-z, 0-9, '.', '_', '-'
        name: String,
        /// officer (decides dossiers of its communes) or admin (also kiosks, accounts, audit log)
        #[arg(long, default_value = "officer", value_parser = ["officer", "admin"])]
        role: String,
        /// Commune codes whose dossiers it sees, comma-separated, or * for every commune
        #[arg(long)]
        communes: String,
        /// Read the password from the first line of stdin instead of generating one
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it cannot sign in and its sessions end
    Disable { name: String },
    /// Enable a disabled account again
    Enable { name: String },
    /// Give an account a new password (generated and printed once, or read from stdin); lifts
    /// a lockout and ends its sessions
    Reset {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts
    List,
}

/// A password to hand over in person: 20 letters and digits nobody misreads, in groups of 4.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the system has randomness");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn password(from_stdin: bool) -> Result<(String, bool), String> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    Ok((line, false))
}

/// Runs one `portal-user` command.
pub fn run(args: PortalUserArgs) -> Result<(), String> {
    let db =
        PortalDb::open(&args.db).map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let by = Attribution::command(&crate::cli::command_user());
    let now = chrono::Utc::now().timestamp();
    let say_password = |name: &str, password: &str, generated: bool| {
        if generated {
            println!("password for {name} (shown once; hand it over in person): {password}");
        }
    };
    match args.command {
        PortalUserCmd::Add {
            name,
            role,
            communes,
            password_stdin,
        } => {
            let role = Role::parse(&role).map_err(|e| e.to_string())?;
            let communes = Communes::parse(&communes).map_err(|e| e.to_string())?;
            let (password, generated) = password(password_stdin)?;
            db.add_officer(
                &name,
                &crate::portal::password::hash_password(&password),
                role,
                &communes,
                &by,
                now,
            )
            .map_err(|e| e.to_string())?;
            println!("added {name}: {} of {}", role.as_str(), communes.to_text());
            say_password(&name, &password, generated);
        }
        PortalUserCmd::Disable { name } => {
            db.set_officer_disabled(&name, true, &by, now)
                .map_err(|e| not_found(&name, e))?;
            println!("disabled {name}; its sessions ended");
        }
        PortalUserCmd::Enable { name } => {
            db.set_officer_disabled(&name, false, &by, now)
                .map_err(|e| not_found(&name, e))?;
            println!("enabled {name}");
        }
        PortalUserCmd::Reset {
            name,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            db.set_officer_password(
                &name,
                &crate::portal::password::hash_password(&password),
                &by,
                now,
            )
            .map_err(|e| not_found(&name, e))?;
            println!("new password for {name}; its sessions ended and any lockout is lifted");
            say_password(&name, &password, generated);
        }
        PortalUserCmd::List => {
            for o in db.officers().map_err(|e| e.to_string())? {
                println!(
                    "{}\t{}\t{}\t{}",
                    o.name,
                    o.role.as_str(),
                    o.communes.to_text(),
                    if o.disabled {
                        "disabled"
                    } else if o.locked_until > now {
                        "locked"
                    } else {
                        "active"
                    }
                );
            }
        }
    }
    Ok(())
}

fn not_found(name: &str, e: crate::portal::PortalError) -> String {
    match e {
        crate::portal::PortalError::NotFound => format!("there is no account {name}"),
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_unambiguous_and_differ() {
        let a = generate_password();
        assert_eq!(a.len(), 24, "{a}");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_alphanumeric()));
        assert!(!a.contains(['0', 'o', '1', 'l', 'i']), "{a}");
        assert_ne!(a, generate_password());
        assert!(a.chars().count() >= MIN_PASSWORD_CHARS);
    }
}
