//! PIN hashes for the admin screen and the helpers (and the reference portal's officer
//! passwords, `portal::password`): Argon2id (RustCrypto's `argon2`, OWASP's
//! parameters: 19 MiB, 2 passes) with a random salt per PIN, stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$…`). A 6-digit PIN has few values, so the hash is slow on
//! purpose and lives only in the owner-only provisioned layer; the lockout (`assist::PinGuard`)
//! stops guessing at the screen. Pure: the salt comes in as an argument.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The PHC string of `pin` with `salt`.
pub fn hash_pin(pin: &str, salt: [u8; 16]) -> String {
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .expect("Argon2id with the default parameters hashes any PIN")
}

/// Whether `pin` is the one `hash` was made from. A hash that does not parse (an old SHA-256
/// value, a typo) matches nothing.
pub fn verify_pin(hash: &str, pin: &str) -> bool {
    if pin.is_empty() {
        return false;
    }
    PasswordHash::new(hash.trim()).is_ok_and(|parsed| {
        parsed.algorithm.as_str() == "argon2id"
            && argon2::Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
    })
}

/// Whether `text` is an Argon2id PHC string.
pub fn is_pin_hash(text: &str) -> bool {
    PasswordHash::new(text.trim()).is_ok_and(|p| p.algorithm.as_str() == "argon2id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_verifies_against_its_own_salted_hash_only() {
        let a = hash_pin("246810", [1; 16]);
        let b = hash_pin("246810", [2; 16]);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "the salt makes equal PINs differ");
        assert!(verify_pin(&a, "246810"));
        assert!(verify_pin(&b, "246810"));
        assert!(!verify_pin(&a, "246811"));
        assert!(!verify_pin(&a, ""));
        assert!(is_pin_hash(&a));
        // The old unsalted SHA-256 form is refused, not compared.
        let old = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
        assert!(!is_pin_hash(old));
        assert!(!verify_pin(old, "password"));
    }
}
