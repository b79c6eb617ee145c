//! The human-friendly dossier code residents read, type and keep (e.g. `HK7M-2QPD-W`):
//! eight symbols from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, U) and a check
//! symbol that catches any single mistyped symbol and any swap of two neighbours.
//! Pure: the random bytes come from the caller.

use serde::{Deserialize, Serialize};

/// 29 symbols (a prime, so the weighted check below detects every single substitution and
/// adjacent transposition).
const ALPHABET: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRTVWXYZ";
const BODY_LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    #[error("a dossier code has 9 symbols (8 and a check symbol); this has {0}")]
    WrongLength(usize),
    #[error("'{0}' is not used in dossier codes")]
    BadSymbol(char),
    #[error("the check symbol does not match: a symbol was probably mistyped")]
    CheckFailed,
}

impl DossierCodeError {
    pub fn message(&self) -> crate::core::text::Text {
        use crate::core::text::Text;
        match self {
            DossierCodeError::WrongLength(n) => Text::new(
                format!("Mã hồ sơ gồm 9 ký tự (đang có {n})."),
                format!("A dossier code has 9 characters (this has {n})."),
            ),
            DossierCodeError::BadSymbol(c) => Text::new(
                format!("Ký tự '{c}' không có trong mã hồ sơ."),
                format!("'{c}' does not appear in dossier codes."),
            ),
            DossierCodeError::CheckFailed => Text::new(
                "Mã hồ sơ chưa đúng: có thể gõ nhầm một ký tự. Vui lòng kiểm tra lại trên biên nhận.",
                "This code does not check out: a character was probably mistyped. Please check the receipt.",
            ),
        }
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

fn check_symbol(body: &[u8]) -> u8 {
    // Choose c so that sum((i+1) * v_i) + (n+1) * c ≡ 0 (mod 29).
    let n = body.len() as u32;
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &b)| (i as u32 + 1) * value(b).unwrap_or(0))
        .sum();
    let weight = n + 1;
    let target = (29 - sum % 29) % 29;
    // weight is invertible mod 29; find c with weight * c ≡ target.
    let c = (0..29).find(|c| (weight * c) % 29 == target).unwrap_or(0);
    ALPHABET[c as usize]
}

impl DossierCode {
    /// Makes a code from random bytes (at least 8).
    pub fn from_random(random: &[u8]) -> DossierCode {
        let body: Vec<u8> = random
            .iter()
            .take(BODY_LEN)
            .map(|b| ALPHABET[(*b as usize) % 29])
            .collect();
        let mut s = String::from_utf8(body.clone()).unwrap_or_default();
        s.push(check_symbol(&body) as char);
        DossierCode(s)
    }

    /// Reads a typed or scanned code: case, spaces and dashes are ignored.
    pub fn parse(input: &str) -> Result<DossierCode, DossierCodeError> {
        let compact: Vec<u8> = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .map(|c| c.to_ascii_uppercase())
            .map(|c| {
                if c.is_ascii() {
                    Ok(c as u8)
                } else {
                    Err(DossierCodeError::BadSymbol(c))
                }
            })
            .collect::<Result<_, _>>()?;
        if compact.len() != BODY_LEN + 1 {
            return Err(DossierCodeError::WrongLength(compact.len()));
        }
        if let Some(&bad) = compact.iter().find(|&&c| value(c).is_none()) {
            return Err(DossierCodeError::BadSymbol(bad as char));
        }
        let (body, check) = compact.split_at(BODY_LEN);
        if check_symbol(body) != check[0] {
            return Err(DossierCodeError::CheckFailed);
        }
        Ok(DossierCode(String::from_utf8(compact).unwrap_or_default()))
    }

    /// The compact form stored in the database.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The grouped form shown on screen and receipts: `HK7M-2QPD-W`.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[0..4], &self.0[4..8], &self.0[8..])
    }
}

/// Groups a partly typed code the way codes are printed ("JN7QNG" → "JN7Q-NG"), so the
/// resident can compare it with the receipt while typing.
pub fn group_typed(typed: &str) -> String {
    let compact: Vec<char> = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .collect();
    let mut out = String::new();
    for (i, c) in compact.iter().enumerate() {
        if i == 4 || i == 8 {
            out.push('-');
        }
        out.push(*c);
    }
    out
}

impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DossierCode::parse(&s)
    }
}

impl From<DossierCode> for String {
    fn from(c: DossierCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DossierCode {
        DossierCode::from_random(&[7, 200, 13, 99, 250, 1, 42, 77])
    }

    #[test]
    fn codes_round_trip_through_their_display_form() {
        let code = sample();
        assert_eq!(code.display().len(), 11);
        assert_eq!(DossierCode::parse(&code.display()), Ok(code.clone()));
        assert_eq!(DossierCode::parse(&code.display().to_lowercase()), Ok(code));
    }

    #[test]
    fn no_ambiguous_symbols_are_used() {
        for c in b"01OILSU" {
            assert!(!ALPHABET.contains(c));
        }
    }

    #[test]
    fn every_single_substitution_is_caught() {
        for seed in 0u8..40 {
            let code = DossierCode::from_random(&[
                seed,
                seed.wrapping_mul(7),
                3,
                seed ^ 0x55,
                9,
                seed,
                200,
                17,
            ]);
            let s = code.as_str().as_bytes().to_vec();
            for pos in 0..s.len() {
                for &sym in ALPHABET {
                    if sym == s[pos] {
                        continue;
                    }
                    let mut t = s.clone();
                    t[pos] = sym;
                    let typed = String::from_utf8(t).unwrap();
                    assert_eq!(
                        DossierCode::parse(&typed),
                        Err(DossierCodeError::CheckFailed),
                        "{typed}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_adjacent_swap_is_caught() {
        let s = sample().as_str().as_bytes().to_vec();
        for pos in 0..s.len() - 1 {
            if s[pos] == s[pos + 1] {
                continue;
            }
            let mut t = s.clone();
            t.swap(pos, pos + 1);
            assert!(DossierCode::parse(std::str::from_utf8(&t).unwrap()).is_err());
        }
    }

    #[test]
    fn typed_codes_are_grouped_like_printed_ones() {
        assert_eq!(group_typed("JN7QNGCCY"), "JN7Q-NGCC-Y");
        assert_eq!(group_typed("JN7Q"), "JN7Q");
        assert_eq!(group_typed("JN7QN"), "JN7Q-N");
        assert_eq!(group_typed(""), "");
    }

    #[test]
    fn wrong_length_and_foreign_symbols_say_so() {
        assert_eq!(
            DossierCode::parse("ABC"),
            Err(DossierCodeError::WrongLength(3))
        );
        assert_eq!(
            DossierCode::parse("ABCD-EFGH-0"),
            Err(DossierCodeError::BadSymbol('0'))
        );
        assert!(matches!(
            DossierCode::parse("ĐBCD-EFGH-J"),
            Err(DossierCodeError::BadSymbol('Đ'))
        ));
    }
}
