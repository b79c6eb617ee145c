//! A dossier as the kiosk keeps it, seen from outside the store: its summary (no answers), its
//! status history, a photographed paper ready to be stored, and a line of the queue view.

use crate::core::answer::AttachmentRef;
use crate::core::dossier::DossierState;
use crate::core::dossier_code::DossierCode;
use chrono::{DateTime, Utc};

/// What the kiosk shows about a stored dossier (no answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierSummary {
    /// The signed receipt's text (for the QR code), when the kiosk signs receipts.
    pub receipt: Option<String>,
    pub id: uuid::Uuid,
    pub code: DossierCode,
    pub procedure_id: String,
    pub state: DossierState,
    pub created_at: DateTime<Utc>,
    /// For a supplement: the dossier it completes.
    pub supplements: Option<uuid::Uuid>,
    /// The commune whose office decides it, when known (`DossierDraft::office_commune`).
    pub office_commune: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    pub at: DateTime<Utc>,
    pub state: DossierState,
    pub note: Option<String>,
    /// With "needs fix": what the office asks for, which questions, by when.
    pub request: Option<crate::core::fix_request::FixRequest>,
}

/// A photographed paper with its bytes, ready to be stored.
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    pub reference: AttachmentRef,
    pub bytes: Vec<u8>,
}

/// One line of the admin screen's queue view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedDossier {
    pub code: String,
    pub procedure_id: String,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
}
