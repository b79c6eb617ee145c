//! The chip's Basic Access Control key material (ICAO Doc 9303 part 11, §9.7 and appendix
//! D): MRZ check digits, the "MRZ information" (document number, birth date and expiry, each
//! with its check digit), the key seed (first 16 bytes of its SHA-1) and the derived 3DES keys
//! K_enc and K_mac with DES parity. For a CCCD the document number is the last 9 digits of the
//! 12-digit personal ID. Pure functions; the inputs are personal data and are never logged.

use sha1::{Digest, Sha1};

/// The ICAO 9303 check digit: weights 7, 3, 1; digits count as themselves, A–Z as 10–35,
/// the filler `<` as 0. Any other character makes the field invalid (`None`).
pub fn check_digit(field: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += value * [7, 3, 1][i % 3];
    }
    Some((sum % 10) as u8)
}

/// The text BAC keys are made from: document number (padded with `<` to 9), birth date and
/// expiry date (YYMMDD, or `<<<<<<` for none), each followed by its check digit.
pub fn mrz_information(document_number: &str, birth: &str, expiry: &str) -> Option<String> {
    let six_digits = |d: &str| d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit());
    // A card without expiry fills the field with `<` (check digit 0).
    let no_expiry = expiry == "<<<<<<";
    if document_number.is_empty() || !six_digits(birth) || !(six_digits(expiry) || no_expiry) {
        return None;
    }
    let mut number = document_number.to_ascii_uppercase();
    while number.len() < 9 {
        number.push('<');
    }
    let mut out = String::with_capacity(24);
    for field in [number.as_str(), birth, expiry] {
        out.push_str(field);
        out.push(char::from(b'0' + check_digit(field)?));
    }
    Some(out)
}

/// The two 3DES keys of Basic Access Control (two-key 3DES: K1 ‖ K2).
#[derive(Clone, PartialEq, Eq)]
pub struct BacKeys {
    pub k_enc: [u8; 16],
    pub k_mac: [u8; 16],
}

impl std::fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BacKeys(..)")
    }
}

impl Drop for BacKeys {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.k_enc);
        zeroize::Zeroize::zeroize(&mut self.k_mac);
    }
}

/// The key seed: the first 16 bytes of SHA-1 over the MRZ information.
pub fn key_seed(mrz_information: &str) -> [u8; 16] {
    let hash = Sha1::digest(mrz_information.as_bytes());
    let mut seed = [0u8; 16];
    seed.copy_from_slice(&hash[..16]);
    seed
}

/// Doc 9303's key derivation for 3DES: SHA-1(seed ‖ counter), 16 bytes, DES parity set.
/// Counter 1 gives the encryption key, 2 the MAC key (the same for session keys).
pub fn derive_3des_key(seed: &[u8], counter: u32) -> [u8; 16] {
    let mut hasher = Sha1::new();
    hasher.update(seed);
    hasher.update(counter.to_be_bytes());
    let hash = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&hash[..16]);
    for byte in &mut key {
        // Odd parity in the lowest bit of every byte.
        let high = *byte & 0xFE;
        *byte = high | ((high.count_ones() as u8 & 1) ^ 1);
    }
    key
}

impl BacKeys {
    pub fn from_seed(seed: &[u8]) -> BacKeys {
        BacKeys {
            k_enc: derive_3des_key(seed, 1),
            k_mac: derive_3des_key(seed, 2),
        }
    }

    pub fn from_mrz_information(mrz_information: &str) -> BacKeys {
        BacKeys::from_seed(&key_seed(mrz_information))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex16(s: &str) -> [u8; 16] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// ICAO Doc 9303 part 11, appendix D.2 (the specimen passport L898902C).
    #[test]
    fn the_standards_worked_example() {
        assert_eq!(check_digit("L898902C<"), Some(3));
        assert_eq!(check_digit("690806"), Some(1));
        assert_eq!(check_digit("940623"), Some(6));
        let info = mrz_information("L898902C", "690806", "940623").unwrap();
        assert_eq!(info, "L898902C<369080619406236");
        assert_eq!(key_seed(&info), hex16("239AB9CB282DAF66231DC5A4DF6BFBAE"));
        let keys = BacKeys::from_mrz_information(&info);
        assert_eq!(keys.k_enc, hex16("AB94FDECF2674FDFB9B391F85D7F76F2"));
        assert_eq!(keys.k_mac, hex16("7962D9ECE03D1ACD4C76089DCE131543"));
        // Session keys from K_seed = K.IFD xor K.IC (appendix D.3).
        let session = BacKeys::from_seed(&hex16("0036D272F5C350ACAC50C3F572D23600"));
        assert_eq!(session.k_enc, hex16("979EC13B1CBFE9DCD01AB0FED307EAE5"));
        assert_eq!(session.k_mac, hex16("F1CB1F1FB5ADF208806B89DC579DC1F8"));
    }

    /// A CCCD's MRZ line 1 (`IDVNM0930470641001093047064<<2`): document number 093047064,
    /// the last 9 digits of the personal ID, with check digit 1.
    #[test]
    fn a_cccd_document_number_comes_from_the_personal_id() {
        let id = crate::core::personal_id::PersonalId::parse("001093047064").unwrap();
        assert_eq!(id.document_number(), "093047064");
        assert_eq!(check_digit(id.document_number()), Some(1));
        let info = mrz_information(id.document_number(), "930101", "330101").unwrap();
        assert_eq!(&info[..10], "0930470641");
    }

    #[test]
    fn bad_fields_are_refused_not_guessed() {
        assert_eq!(check_digit("12a"), None);
        assert!(mrz_information("", "690806", "940623").is_none());
        assert!(mrz_information("L898902C", "69086", "940623").is_none());
        assert!(mrz_information("L898902C", "690806", "94O623").is_none());
        assert_eq!(format!("{:?}", BacKeys::from_seed(&[0; 16])), "BacKeys(..)");
    }
}
