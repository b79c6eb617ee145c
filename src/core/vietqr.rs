//! The fee-payment QR code: a VietQR (NAPAS) bank-transfer payload, which is an EMVCo
//! merchant-presented QR (tag-length-value text) ending in a CRC-16/CCITT-FALSE checksum.
//! Owns building and checking the payload; must not draw the QR or know the configuration file
//! (the beneficiary comes in as a value).

use crc::{CRC_16_IBM_3740, Crc};

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as EMVCo's QR specification asks.
const EMV_CRC: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);
/// NAPAS's application identifier: the account information belongs to the VietQR network.
const NAPAS_AID: &str = "A000000727";
/// Service code: a transfer to an account (QRIBFTTC would be to a card number).
const TO_ACCOUNT: &str = "QRIBFTTA";

/// Who receives the fees: the commune's account at a bank of the NAPAS network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Beneficiary {
    /// The bank's 6-digit NAPAS BIN (e.g. 970415).
    pub bank_bin: String,
    pub account: String,
    /// Shown beside the QR code (not in the payload: the bank app shows its own record).
    pub account_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    #[error("the bank BIN must be 6 digits")]
    BadBin,
    #[error("the account number must be 1 to 19 letters or digits")]
    BadAccount,
    #[error("the payment note must be at most 25 plain characters")]
    BadNote,
    #[error("not an EMVCo QR payload: {0}")]
    Malformed(String),
    #[error("the checksum does not match: the code is damaged")]
    BadChecksum,
}

fn tlv(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// The payload's checksum: four upper-case hex digits over everything before them, "6304"
/// included.
pub fn checksum(before: &str) -> String {
    format!("{:04X}", EMV_CRC.checksum(before.as_bytes()))
}

/// The merchant account information (tag 38) for a beneficiary.
fn account_information(b: &Beneficiary) -> String {
    let beneficiary = tlv("00", &b.bank_bin) + &tlv("01", &b.account);
    tlv(
        "38",
        &(tlv("00", NAPAS_AID) + &tlv("01", &beneficiary) + &tlv("02", TO_ACCOUNT)),
    )
}

/// A payment QR for `amount_vnd` (0: the payer types the amount) with a transfer note (the
/// dossier code, so the desk can match the payment).
pub fn payload(b: &Beneficiary, amount_vnd: u64, note: &str) -> Result<String, VietQrError> {
    if b.bank_bin.len() != 6 || !b.bank_bin.bytes().all(|c| c.is_ascii_digit()) {
        return Err(VietQrError::BadBin);
    }
    if b.account.is_empty()
        || b.account.len() > 19
        || !b.account.bytes().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(VietQrError::BadAccount);
    }
    if note.len() > 25 || !note.bytes().all(|c| c.is_ascii_graphic() || c == b' ') {
        return Err(VietQrError::BadNote);
    }
    let mut out = tlv("00", "01");
    // "12": a dynamic code for one payment (with an amount); "11": a static one.
    out += &tlv("01", if amount_vnd > 0 { "12" } else { "11" });
    out += &account_information(b);
    out += &tlv("53", "704");
    if amount_vnd > 0 {
        out += &tlv("54", &amount_vnd.to_string());
    }
    out += &tlv("58", "VN");
    if !note.is_empty() {
        out += &tlv("62", &tlv("08", note));
    }
    out += "6304";
    let crc = checksum(&out);
    Ok(out + &crc)
}

/// Splits a payload into its top-level (tag, value) pairs after checking the checksum.
pub fn parse(payload: &str) -> Result<Vec<(String, String)>, VietQrError> {
    if !payload.is_ascii() || payload.len() < 8 {
        return Err(VietQrError::Malformed("too short or not ASCII".into()));
    }
    let (body, crc) = payload.split_at(payload.len() - 4);
    if !body.ends_with("6304") {
        return Err(VietQrError::Malformed(
            "no checksum field at the end".into(),
        ));
    }
    if !crc.eq_ignore_ascii_case(&checksum(body)) {
        return Err(VietQrError::BadChecksum);
    }
    let mut fields = Vec::new();
    let mut rest = &body[..body.len() - 4];
    while !rest.is_empty() {
        let bad = || VietQrError::Malformed(format!("broken field at \"{rest}\""));
        let head = rest.get(..4).ok_or_else(bad)?;
        let len: usize = head[2..].parse().map_err(|_| bad())?;
        let value = rest.get(4..4 + len).ok_or_else(bad)?;
        fields.push((head[..2].to_string(), value.to_string()));
        rest = &rest[4 + len..];
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_matches_published_values() {
        // The CRC-16/CCITT-FALSE check value.
        assert_eq!(checksum("123456789"), "29B1");
        // A VietQR published with the vietqr-parser Go package's README (Vietcombank BIN).
        let published = "00020001021238570010A00000072701270006970436011308810004580860208QRIBFTTA53037045802VN6304CD60";
        assert!(parse(published).is_ok());
        let mut damaged = published.to_string();
        damaged.replace_range(60..61, "9");
        assert_eq!(parse(&damaged), Err(VietQrError::BadChecksum));
    }

    #[test]
    fn the_account_information_is_napas_layout() {
        // The sgqr-go README's merchant account information for BIN 970415, account
        // 113366668888: "3856" + "0010A000000727" + "0126000697041501121133666688880208QRIBFTTA".
        let b = Beneficiary {
            bank_bin: "970415".into(),
            account: "113366668888".into(),
            account_name: "UBND PHUONG HOAN KIEM".into(),
        };
        assert_eq!(
            account_information(&b),
            "38560010A0000007270126000697041501121133666688880208QRIBFTTA"
        );
    }

    #[test]
    fn a_fee_payload_round_trips() {
        let b = Beneficiary {
            bank_bin: "970415".into(),
            account: "113366668888".into(),
            account_name: "UBND PHUONG HOAN KIEM".into(),
        };
        let p = payload(&b, 7000, "XK HK7M2QPDW").unwrap();
        assert!(p.starts_with("000201010212"), "{p}");
        let fields = parse(&p).unwrap();
        let get = |t: &str| fields.iter().find(|(k, _)| k == t).map(|(_, v)| v.as_str());
        assert_eq!(get("53"), Some("704"));
        assert_eq!(get("54"), Some("7000"));
        assert_eq!(get("58"), Some("VN"));
        assert_eq!(get("62"), Some("0812XK HK7M2QPDW"));
        // Without an amount the code is static.
        assert!(payload(&b, 0, "").unwrap().starts_with("000201010211"));
    }

    #[test]
    fn bad_beneficiaries_and_notes_are_refused() {
        let mut b = Beneficiary {
            bank_bin: "97041".into(),
            account: "1".into(),
            account_name: String::new(),
        };
        assert_eq!(payload(&b, 1, ""), Err(VietQrError::BadBin));
        b.bank_bin = "970415".into();
        b.account = "12 34".into();
        assert_eq!(payload(&b, 1, ""), Err(VietQrError::BadAccount));
        b.account = "1234".into();
        assert_eq!(payload(&b, 1, "Lệ phí"), Err(VietQrError::BadNote));
        assert!(parse("garbage").is_err());
        assert!(parse("00020163041234").is_err());
    }
}
