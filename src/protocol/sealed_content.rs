//! What a kiosk seals for one dossier (everything personal) and the associated data that binds
//! each sealed item to its dossier: the portal opens exactly what the kiosk sealed.

use crate::core::answer::Answer;
use std::collections::BTreeMap;

/// What is sealed for one dossier: everything personal.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SealedContent {
    pub applicant_id: String,
    pub answers: BTreeMap<String, Answer>,
    /// How the applicant was identified (chip verified, QR only…), when the card was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::core::citizen::IdentityEvidence>,
    /// Who helped the resident (assisted mode), with their consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assisted_by: Option<crate::core::assist::AssistedBy>,
    /// The resident's declaration and consent ("Tôi cam đoan…"), with when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<crate::core::declaration::Declaration>,
}

/// The associated data that binds a sealed item to its dossier.
pub fn seal_context(dossier: uuid::Uuid, item: &str) -> Vec<u8> {
    format!("{dossier}/{item}").into_bytes()
}
