//! Turns what was read — a chip (DG13, DG1, passive authentication) or the printed QR — into
//! the domain's `CitizenIdentity`. Names keep their diacritics: they come from DG13 or the QR,
//! never from the MRZ's plain letters. Pure mapping.

use crate::core::citizen::{CitizenIdentity, Verification};
use crate::core::personal_id::{PersonalId, Sex};
use crate::identity::cccd_qr::CccdQr;
use crate::identity::chip_authenticity::ChipAuthenticity;
use crate::identity::chip_session::ChipRead;
use crate::identity::dg1_mrz::Td1;
use crate::identity::dg13::{Dg13, field};
use crate::identity::passive_auth::Verdict;
use chrono::NaiveDate;

fn ddmmyyyy(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y").ok()
}

pub fn verification_of(verdict: &Verdict) -> Verification {
    match verdict {
        Verdict::Verified { .. } => Verification::ChipVerified,
        Verdict::SignerNotTrusted { .. } => Verification::ChipSignerNotTrusted,
        Verdict::Failed { .. } => Verification::ChipFailed,
    }
}

pub fn from_chip(read: &ChipRead) -> CitizenIdentity {
    let mut c = from_data_groups(&read.dg1, read.dg13.as_ref());
    // Data the issuer signed on a chip that is not the issuer's is not a verified identity.
    c.verification = Some(match (&read.passive.verdict, &read.authenticity) {
        (Verdict::Failed { .. }, _) => Verification::ChipFailed,
        (_, ChipAuthenticity::CloneSuspected { .. }) => Verification::ChipCloneSuspected,
        (verdict, _) => verification_of(verdict),
    });
    c.chip_evidence = Some(read.evidence.clone());
    c
}

/// The identity DG1 (the MRZ) and DG13 (the citizen data, when the card has it) give, with no
/// verification attached: what the chip says, whoever reads it (the kiosk, or the portal
/// re-checking a dossier's evidence).
pub fn from_data_groups(dg1: &Td1, dg13: Option<&Dg13>) -> CitizenIdentity {
    let mut c = CitizenIdentity::default();
    let get = |n: u32| dg13.and_then(|d| d.first(n)).unwrap_or("").to_string();
    c.personal_id = dg13
        .and_then(|d| d.first(field::PERSONAL_ID))
        .or(dg1.personal_id())
        .and_then(|id| PersonalId::parse(id).ok());
    c.full_name = get(field::FULL_NAME);
    c.birth_date = dg13
        .and_then(|d| d.first(field::BIRTH_DATE))
        .and_then(ddmmyyyy)
        .or_else(|| {
            // The MRZ's YYMMDD, with the century from the ID.
            let year = c.personal_id.as_ref()?.birth_year();
            NaiveDate::parse_from_str(&format!("{}{}", year / 100, dg1.birth), "%Y%m%d").ok()
        });
    c.sex = match get(field::SEX).as_str() {
        "Nam" => Some(Sex::Male),
        "Nữ" => Some(Sex::Female),
        _ => match dg1.sex {
            'M' => Some(Sex::Male),
            'F' => Some(Sex::Female),
            _ => None,
        },
    };
    c.nationality = get(field::NATIONALITY);
    c.ethnicity = get(field::ETHNICITY);
    c.religion = get(field::RELIGION);
    c.place_of_origin = get(field::PLACE_OF_ORIGIN);
    c.place_of_residence = get(field::PLACE_OF_RESIDENCE);
    if let Some(d) = dg13 {
        let parents = d.all(field::PARENTS);
        c.father = parents
            .first()
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        c.mother = parents
            .get(1)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        c.old_id = d
            .first(field::OLD_ID_A)
            .or(d.first(field::OLD_ID_B))
            .filter(|s| s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or("")
            .to_string();
    }
    c.spouse = get(field::SPOUSE);
    c.issue_date = dg13
        .and_then(|d| d.first(field::ISSUE_DATE))
        .and_then(ddmmyyyy);
    c.expiry = get(field::EXPIRY_DATE);
    c
}

pub fn from_qr(qr: &CccdQr) -> CitizenIdentity {
    let mut c = CitizenIdentity::default();
    c.personal_id = Some(qr.personal_id.clone());
    c.full_name = qr.full_name.clone();
    c.birth_date = Some(qr.birth_date);
    c.sex = Some(qr.sex);
    c.place_of_residence = qr.residence.clone();
    c.old_id = qr.old_id.clone().unwrap_or_default();
    c.issue_date = Some(qr.issue_date);
    c.verification = Some(Verification::QrOnly);
    c
}
