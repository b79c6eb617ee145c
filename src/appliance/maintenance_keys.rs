//! The SSH keys of maintenance mode: only keys provisioning gave (`[admin]
//! ssh_authorized_keys` in the provisioned layer) are ever authorized, and only while
//! maintenance mode runs (until the next reboot). Root's `xakiosk maintenance-keys` reads them
//! from the kiosk's configuration — untrusted, since the kiosk user writes it — keeps the
//! lines that have the shape of an OpenSSH public key and nothing else (no options such as
//! `command=`, no second line smuggled in a comment), and writes sshd's file. A hand-written
//! shape check, not a parser: sshd parses the keys; this only makes sure each line is one key
//! of an allowed type whose blob names that type.

use base64::Engine as _;
use std::path::Path;

const ALLOWED: [&str; 4] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ssh-rsa",
];

/// Why an SSH key, or a set of them, is refused.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceKeyError {
    #[error("an SSH key is one line of at most 4096 characters")]
    NotOneLine,
    #[error("{0:?} is not an OpenSSH public key")]
    NotAKey(String),
    #[error("{0:?} is not an allowed SSH key type (no options before the key)")]
    KindNotAllowed(String),
    #[error("the {0} key is not base64")]
    NotBase64(String),
    #[error("the key's data is not a {0} key")]
    KindMismatch(String),
    #[error(
        "no SSH key was provisioned ([admin] ssh_authorized_keys): maintenance SSH stays closed"
    )]
    NoneProvisioned,
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The key in `line` as sshd should see it ("type base64 [comment]"), or why it is refused.
pub fn check(line: &str) -> Result<String, MaintenanceKeyError> {
    if line.contains(['\n', '\r', '\0']) || line.len() > 4096 {
        return Err(MaintenanceKeyError::NotOneLine);
    }
    let mut parts = line.split_whitespace();
    let (Some(kind), Some(blob)) = (parts.next(), parts.next()) else {
        return Err(MaintenanceKeyError::NotAKey(line.to_string()));
    };
    if !ALLOWED.contains(&kind) {
        return Err(MaintenanceKeyError::KindNotAllowed(kind.to_string()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .map_err(|_| MaintenanceKeyError::NotBase64(kind.to_string()))?;
    let named = bytes
        .get(..4)
        .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
        .and_then(|n| bytes.get(4..4 + n));
    if named != Some(kind.as_bytes()) {
        return Err(MaintenanceKeyError::KindMismatch(kind.to_string()));
    }
    let comment: String = parts
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect();
    Ok(if comment.is_empty() {
        format!("{kind} {blob}")
    } else {
        format!("{kind} {blob} {comment}")
    })
}

/// Writes the checked `keys` to `out` (owner-only); how many. Any bad key refuses them all.
pub fn install(keys: &[String], out: &Path) -> Result<usize, MaintenanceKeyError> {
    let lines = keys
        .iter()
        .map(|k| check(k.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if lines.is_empty() {
        return Err(MaintenanceKeyError::NoneProvisioned);
    }
    let text = lines.join("\n") + "\n";
    crate::store::atomic_file::write_private(out, text.as_bytes()).map_err(|source| {
        MaintenanceKeyError::Write {
            path: out.to_path_buf(),
            source,
        }
    })?;
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ed25519() -> String {
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[7u8; 32]);
        format!(
            "ssh-ed25519 {} tech@province",
            base64::engine::general_purpose::STANDARD.encode(blob)
        )
    }

    #[test]
    fn only_plain_keys_of_allowed_types_are_authorized() {
        let key = ed25519();
        assert_eq!(check(&key).unwrap(), key);
        assert!(
            check(&format!("command=\"sh\" {key}")).is_err(),
            "no options"
        );
        assert!(
            check(&format!("{key}\nssh-ed25519 AAAA")).is_err(),
            "one line"
        );
        assert!(check("ssh-dss AAAAB3NzaC1kc3MAAACB").is_err());
        let lying = key.replacen("ssh-ed25519", "ssh-rsa", 1);
        assert!(check(&lying).is_err(), "the blob must name the same type");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ssh/authorized_keys");
        assert_eq!(install(std::slice::from_ref(&key), &out).unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("{key}\n"));
        assert!(install(&[], &out).is_err());
        assert!(install(&[key, "junk".into()], &out).is_err());
    }
}
