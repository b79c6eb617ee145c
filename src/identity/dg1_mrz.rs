//! DG1 (tag 61 / 5F1F): the machine-readable zone of a TD1 card — three lines of 30
//! characters — split into fields with their check digits verified. For a CCCD the document
//! number is the last 9 digits of the personal ID and the 12-digit ID sits in the optional
//! data. Parsing only; personal data, never logged.

use crate::identity::access_key::check_digit;
use crate::identity::tlv::{self, TlvError};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("DG1 structure: {0}")]
    Tlv(#[from] TlvError),
    #[error("the MRZ has {0} characters, a TD1 card has 90")]
    NotTd1(usize),
    #[error("the MRZ holds characters outside A–Z, 0–9 and <")]
    BadCharacters,
}

/// The fields of a TD1 MRZ, fillers removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Td1 {
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub optional_data_1: String,
    /// YYMMDD.
    pub birth: String,
    /// `M`, `F` or `<`.
    pub sex: char,
    /// YYMMDD, or `<<<<<<` on a card without expiry.
    pub expiry: String,
    pub nationality: String,
    pub optional_data_2: String,
    pub surname: String,
    pub given_names: String,
    /// Document number, birth date and expiry check digits all match.
    pub check_digits_valid: bool,
    /// The raw 90 characters (for the access key).
    pub raw: String,
}

impl Td1 {
    /// The CCCD's 12-digit personal ID from the optional data, when it is there.
    pub fn personal_id(&self) -> Option<&str> {
        let id = self.optional_data_1.get(..12)?;
        id.bytes().all(|b| b.is_ascii_digit()).then_some(id)
    }

    /// The three MRZ fields that make the BAC key.
    pub fn access_key_fields(&self) -> (&str, &str, &str) {
        (&self.document_number, &self.birth, &self.expiry)
    }
}

fn field(line: &str, from: usize, to: usize) -> String {
    line[from..to].trim_end_matches('<').to_string()
}

fn digit_matches(field: &str, check: char) -> bool {
    check_digit(field).map(|d| char::from(b'0' + d)) == Some(check)
}

/// Parses the MRZ text itself (90 characters, line breaks allowed).
pub fn parse_mrz(text: &str) -> Result<Td1, MrzError> {
    let mrz: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if mrz.chars().count() != 90 {
        return Err(MrzError::NotTd1(mrz.chars().count()));
    }
    if !mrz
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
    {
        return Err(MrzError::BadCharacters);
    }
    let (l1, rest) = mrz.split_at(30);
    let (l2, l3) = rest.split_at(30);
    let at = |line: &str, i: usize| line.as_bytes()[i] as char;
    let (number, birth, expiry) = (&l1[5..14], &l2[0..6], &l2[8..14]);
    let check_digits_valid = digit_matches(number, at(l1, 14))
        && digit_matches(birth, at(l2, 6))
        && digit_matches(expiry, at(l2, 14));
    let mut names = l3.splitn(2, "<<");
    let surname = names
        .next()
        .unwrap_or("")
        .replace('<', " ")
        .trim()
        .to_string();
    let given_names = names
        .next()
        .unwrap_or("")
        .replace('<', " ")
        .trim()
        .to_string();
    Ok(Td1 {
        document_code: field(l1, 0, 2),
        issuing_state: field(l1, 2, 5),
        document_number: field(l1, 5, 14),
        optional_data_1: l1[15..30].to_string(),
        birth: birth.to_string(),
        sex: at(l2, 7),
        expiry: expiry.to_string(),
        nationality: field(l2, 15, 18),
        optional_data_2: field(l2, 18, 29),
        surname,
        given_names,
        check_digits_valid,
        raw: mrz,
    })
}

/// Parses the DG1 file.
pub fn parse(bytes: &[u8]) -> Result<Td1, MrzError> {
    let (dg1, _) = tlv::expect(bytes, 0x61)?;
    let (mrz, _) = tlv::expect(dg1.value, 0x5F1F)?;
    let text = std::str::from_utf8(mrz.value).map_err(|_| MrzError::BadCharacters)?;
    parse_mrz(text)
}

/// Builds DG1 from MRZ text (the chip simulator's cards).
pub fn encode(mrz: &str) -> Vec<u8> {
    tlv::encode(0x61, &tlv::encode(0x5F1F, mrz.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ICAO 9303 part 5 TD1 specimen.
    #[test]
    fn the_icao_specimen() {
        let mrz = "I<UTOD231458907<<<<<<<<<<<<<<<\
                   7408122F1204159UTO<<<<<<<<<<<6\
                   ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let td1 = parse(&encode(mrz)).unwrap();
        assert_eq!(td1.document_number, "D23145890");
        assert_eq!(td1.birth, "740812");
        assert_eq!(td1.expiry, "120415");
        assert_eq!(td1.sex, 'F');
        assert_eq!(td1.surname, "ERIKSSON");
        assert_eq!(td1.given_names, "ANNA MARIA");
        assert!(td1.check_digits_valid);
        assert_eq!(td1.personal_id(), None);
    }

    /// A CCCD-shaped MRZ: document number = last 9 digits of the ID, ID in the optional data.
    #[test]
    fn a_cccd_mrz_carries_the_personal_id() {
        let mrz = "IDVNM0930470641001093047064<<2\
                   9301010M3301018VNM<<<<<<<<<<<4\
                   NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
        let td1 = parse_mrz(mrz).unwrap();
        assert_eq!(td1.document_number, "093047064");
        assert_eq!(td1.personal_id(), Some("001093047064"));
        assert_eq!(td1.nationality, "VNM");
        assert_eq!(td1.given_names, "VAN AN");
        assert!(td1.check_digits_valid);
        let mut wrong = mrz.to_string();
        wrong.replace_range(14..15, "9");
        assert!(!parse_mrz(&wrong).unwrap().check_digits_valid);
        assert_eq!(parse_mrz("IDVNM"), Err(MrzError::NotTd1(5)));
        assert!(parse_mrz(&mrz.replace("N<<", "n<<")).is_err());
    }
}
