//! The portal contract (v1), as Rust types; `docs/portal-openapi.yaml` is the same contract
//! for other implementers. A dossier is identified by the UUIDv7 the kiosk made: it is the
//! idempotency key, so a replay of the same upload is answered with the original receipt and
//! a different body under the same id is a conflict (409).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The largest request body the portal reads on each kind of route (413 above it, before the
/// body is read): enrollment, heartbeats, ratings, alerts and officer forms are small JSON or
/// forms; a dossier is its sealed answers; a photo comes in chunks.
pub mod body_limits {
    pub const SMALL: usize = 64 * 1024;
    pub const DOSSIER: usize = 4 * 1024 * 1024;
    /// One chunk of a photo upload; the kiosk never sends a larger one.
    pub const UPLOAD_CHUNK: usize = 1024 * 1024;
}

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
    /// A supplement ("Bổ sung tại máy"): the id of the dossier the office sent back, which
    /// this upload completes. It must be a dossier the same kiosk sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplements: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentDecl {
    pub sha256: String,
    pub mime: String,
}

impl DossierUpload {
    /// The hash the portal compares to tell a replay from a conflicting body. The sending
    /// kiosk's id is left out: a kiosk re-provisioned under a new id may send again a dossier
    /// whose first acceptance it never heard (the portal then checks the receipt's key).
    pub fn body_hash(&self) -> String {
        let json = serde_json::to_vec(&DossierUpload {
            kiosk_id: String::new(),
            ..self.clone()
        })
        .unwrap_or_default();
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
    /// With "needs_fix": what to add, which questions, by when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<crate::core::fix_request::FixRequest>,
}

/// An error body: `{ "error": "…" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// For 422: the attachments the portal does not have yet.
    #[serde(default)]
    pub missing: Vec<String>,
    /// For 401 "clock_skew": the portal's time (seconds since 1970), so the kiosk can sign
    /// its next requests with a corrected clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<i64>,
    /// For an upload at the wrong offset (409): what the portal holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<u64>,
}

/// `POST /v1/enroll` (authenticated by the enrollment token a technician was given): binds a
/// kiosk id to its ed25519 device key. Every later request is signed with that key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub kiosk_id: String,
    /// The device key's public half (base64 of 32 bytes).
    pub public_key: String,
    /// The commune, ward or apartment block, as shown in the kiosk's top bar.
    pub place: String,
    /// The code of the commune or ward the kiosk stands in (administrative units list): its
    /// dossiers go to that commune's officers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub commune_code: String,
    pub app_version: String,
    /// Handovers from earlier device keys of this kiosk to `public_key` (each signed by the
    /// key it hands over from): receipts signed by those keys are this kiosk's, and an
    /// enrolled kiosk id may move to the new key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handovers: Vec<crate::protocol::key_handover::KeyHandover>,
}

/// The portal's answer to an enrollment (the same on a repeat with the same key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub kiosk_id: String,
    pub enrolled_at: String,
    /// The X25519 key dossiers must be sealed to (base64), when the portal publishes it.
    #[serde(default)]
    pub sealing_public_key: Option<String>,
    /// The ed25519 key catalogue bundles are signed with (base64), when published.
    #[serde(default)]
    pub catalogue_public_key: Option<String>,
}

/// `GET` and `PATCH /v1/dossiers/{id}/attachments/{sha256}`: how much of a sealed photo the
/// portal holds. A photo is sent in chunks, each appended at the offset the portal reports,
/// so a broken connection costs at most the chunk in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadProgress {
    /// Bytes the portal holds (all of them once `complete`).
    pub received: u64,
    /// The photo arrived whole and its hash checked out.
    pub complete: bool,
}

/// `POST /v1/heartbeat`: the kiosk's health, for the fleet view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub kiosk_id: String,
    pub at: String,
    /// Dossiers not yet accepted by the portal.
    pub queued: u64,
    /// When the oldest of them was submitted.
    #[serde(default)]
    pub oldest_queued_at: Option<String>,
    pub catalogue_version: u64,
    pub app_version: String,
    /// "ready", "unknown" or the fault ("paper_out", "cover_open", "offline").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub printer: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reader: String,
    #[serde(default)]
    pub door_open: bool,
    /// The configuration file did not load; the kiosk runs on defaults.
    #[serde(default)]
    pub config_fault: bool,
}

/// `PUT /v1/dossiers/{id}/rating`: the resident's satisfaction rating of the service (1–5
/// and reason ids); sent after the dossier was accepted; a later rating replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingUpload {
    pub stars: u8,
    pub reasons: Vec<String>,
    pub rated_at: String,
}

/// What an alert is about (the `kind` of an `AlertUpload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A resident asked for a person to come and help.
    Assistance,
    DoorOpened,
    DoorClosed,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Assistance => "assistance",
            AlertKind::DoorOpened => "door_opened",
            AlertKind::DoorClosed => "door_closed",
        }
    }
    pub fn parse(s: &str) -> Option<AlertKind> {
        [
            AlertKind::Assistance,
            AlertKind::DoorOpened,
            AlertKind::DoorClosed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// `PUT /v1/alerts/{id}`: something at the kiosk needs a person — a resident pressed the help
/// button ("assistance") or the cabinet door was opened ("door_opened") or closed
/// ("door_closed"). No personal data; a repeat with the same id changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertUpload {
    pub kind: String,
    /// RFC 3339, when it happened at the kiosk.
    pub raised_at: String,
}

/// `GET /v1/catalogue?since=VERSION`: a procedure catalogue newer than the kiosk's, signed by
/// the portal's catalogue key. `bundle` is the base64 of a JSON `CatalogueBundle`; the
/// signature (ed25519, base64) is over `"xakiosk catalogue v1\n"` followed by those bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCatalogue {
    pub version: u64,
    pub bundle: String,
    pub signature: String,
}

/// `GET /v1/update-offer`: the software update the portal offers this kiosk's group, signed
/// by the portal's catalogue key. `offer` is the base64 of a JSON `UpdateOffer`; the signature
/// (ed25519, base64) is over `"xakiosk update offer v1\n"` followed by those bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedUpdateOffer {
    pub offer: String,
    pub signature: String,
}

/// One signed RAUC bundle offered to a group of kiosks: its version (x.y.z), size and SHA-256
/// (hex), fetched in pieces from `GET /v1/updates/{sha256}?offset=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOffer {
    pub version: String,
    pub sha256: String,
    pub size: u64,
    /// The kiosk group it is offered to (staged roll-out: a pilot group first).
    pub group: String,
    pub offered_at: String,
}

/// What a catalogue bundle holds: every procedure file and, optionally, a new list of
/// administrative units (the TSV format of `assets/admin-units/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueBundle {
    pub version: u64,
    pub published_at: String,
    /// File name → TOML text, in the format of `assets/procedures/SCHEMA.md`.
    pub procedures: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub admin_units: Option<String>,
    /// The offices residents go to, by commune (TOML, "Offices" in `SCHEMA.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offices: Option<String>,
    /// The portal's current sealing key (X25519, base64), when it rotated it: kiosks seal new
    /// dossiers to it from then on. The catalogue signature is what makes this channel trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealing_public_key: Option<String>,
}
