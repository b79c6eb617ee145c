//! The portal contract (v1), as Rust types; `docs/portal-openapi.yaml` is the same contract
//! for other implementers. A dossier is identified by the UUIDv7 the kiosk made: it is the
//! idempotency key, so a replay of the same upload is answered with the original receipt and
//! a different body under the same id is a conflict (409).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `PUT /v1/dossiers/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierUpload {
    pub code: String,
    pub procedure_id: String,
    pub procedure_version: u32,
    pub kiosk_id: String,
    /// RFC 3339, when the resident submitted on the kiosk.
    pub submitted_at: String,
    /// The answers and applicant ID, sealed to the portal key (base64).
    pub sealed_answers: String,
    /// Photos, uploaded before this request (`PUT /v1/dossiers/{id}/attachments/{sha256}`).
    pub attachments: Vec<AttachmentDecl>,
    /// The receipt the kiosk signed for the resident (`XKR1:…`), checked by the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentDecl {
    pub sha256: String,
    pub mime: String,
}

impl DossierUpload {
    /// The hash the portal compares to tell a replay from a conflicting body.
    pub fn body_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

/// The portal's answer to an accepted upload (the same bytes on every replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    pub id: String,
    /// The portal's own reference for the dossier.
    pub reference: String,
    pub received_at: String,
}

/// `GET /v1/status?since=CURSOR`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPage {
    /// Pass back as `since` to get only newer changes.
    pub cursor: u64,
    pub changes: Vec<StatusChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub id: String,
    /// "accepted", "rejected" or "needs_fix".
    pub state: String,
    pub note: Option<String>,
    pub at: String,
}

/// An error body: `{ "error": "…" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// For 422: the attachments the portal does not have yet.
    #[serde(default)]
    pub missing: Vec<String>,
}
