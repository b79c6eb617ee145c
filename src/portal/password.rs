//! Officers' passwords: Argon2id PHC strings (the same parameters as the kiosk's PINs,
//! `core::pin_hash`) with a fresh random salt each, and checking one.

/// The PHC string of `password` with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the system has randomness");
    crate::core::pin_hash::hash_pin(password, salt)
}

/// Whether `password` is the one `hash` was made from.
pub fn password_matches(hash: &str, password: &str) -> bool {
    crate::core::pin_hash::verify_pin(hash, password)
}
