//! A dossier's life: draft → queued → sending → accepted | rejected | needs-fix, and the
//! dossier a finished form becomes. The transition table is the single source of truth for
//! which state changes are legal; storage and sync call `DossierState::apply` and never set a
//! state directly.

use crate::core::answer::Answer;
use crate::core::dossier_code::DossierCode;
use crate::core::personal_id::PersonalId;
use crate::core::text::Text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    /// Being filled in on screen; never stored.
    Draft,
    /// Stored on the kiosk, waiting for the network.
    Queued,
    /// Handed to the portal; the answer has not come back yet.
    Sending,
    /// The commune accepted the dossier.
    Accepted,
    /// The commune refused it (with a reason).
    Rejected,
    /// The commune needs a correction or another paper.
    NeedsFix,
}

/// What can happen to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierEvent {
    /// The resident pressed "submit" and the dossier is durably stored.
    Submitted,
    /// The sync engine starts sending it.
    SendStarted,
    /// Sending failed in a way worth retrying (network, 5xx, 429).
    SendFailed,
    /// The kiosk restarted while the dossier was sending: whether it arrived is unknown, so it
    /// is queued again (the idempotency key makes the resend harmless).
    RecoveredAfterCrash,
    PortalAccepted,
    PortalRejected,
    PortalNeedsFix,
    /// The resident corrected the dossier and submitted it again.
    Resubmitted,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a dossier that is {from:?} cannot take the event {event:?}")]
pub struct IllegalTransition {
    pub from: DossierState,
    pub event: DossierEvent,
}

impl DossierState {
    pub fn apply(self, event: DossierEvent) -> Result<DossierState, IllegalTransition> {
        use DossierEvent as E;
        use DossierState as S;
        let to = match (self, event) {
            (S::Draft, E::Submitted) => S::Queued,
            (S::Queued, E::SendStarted) => S::Sending,
            (S::Sending, E::SendFailed | E::RecoveredAfterCrash) => S::Queued,
            (S::Sending, E::PortalAccepted) => S::Accepted,
            (S::Sending | S::Accepted, E::PortalRejected) => S::Rejected,
            (S::Sending | S::Accepted, E::PortalNeedsFix) => S::NeedsFix,
            (S::NeedsFix, E::Resubmitted) => S::Queued,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(to)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DossierState::Draft => "draft",
            DossierState::Queued => "queued",
            DossierState::Sending => "sending",
            DossierState::Accepted => "accepted",
            DossierState::Rejected => "rejected",
            DossierState::NeedsFix => "needs_fix",
        }
    }

    pub fn parse(s: &str) -> Option<DossierState> {
        [
            DossierState::Draft,
            DossierState::Queued,
            DossierState::Sending,
            DossierState::Accepted,
            DossierState::Rejected,
            DossierState::NeedsFix,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// How the state reads to a resident.
    pub fn label(self) -> Text {
        match self {
            DossierState::Draft => Text::new("Đang soạn", "Draft"),
            DossierState::Queued => Text::new(
                "Đã lưu tại máy, chờ gửi lên Cổng dịch vụ công",
                "Saved on the kiosk, waiting to be sent to the portal",
            ),
            DossierState::Sending => Text::new("Đang gửi", "Sending"),
            DossierState::Accepted => Text::new("Đã được tiếp nhận", "Accepted"),
            DossierState::Rejected => Text::new("Bị từ chối", "Rejected"),
            DossierState::NeedsFix => Text::new("Cần bổ sung, sửa đổi", "Needs a correction"),
        }
    }
}

/// A finished form ready to be stored: everything the commune needs, keyed by the applicant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierDraft {
    /// Client-generated UUIDv7: the idempotency key the portal deduplicates on.
    pub id: uuid::Uuid,
    pub code: DossierCode,
    pub procedure_id: String,
    pub procedure_version: u32,
    /// The applicant's personal ID: mandatory for every dossier.
    pub applicant_id: PersonalId,
    /// Answers by field id, in a stable order.
    pub answers: BTreeMap<String, Answer>,
    /// How the applicant was identified (chip, QR), when the card was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::core::citizen::IdentityEvidence>,
    /// The community tech-team member who acted for the resident, with their consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assisted_by: Option<crate::core::assist::AssistedBy>,
    /// A supplement ("Bổ sung tại máy"): the dossier the office sent back that this completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplements: Option<uuid::Uuid>,
    /// "Tôi cam đoan…": the words the resident agreed to before submitting, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<crate::core::declaration::Declaration>,
    /// The commune (units code) whose office decides this dossier, when known: where the
    /// resident is told to go (`core::office::deciding_commune`). Kept in clear beside the
    /// dossier on the kiosk, never sealed: it is a place, not a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_commune: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use DossierEvent as E;
    use DossierState as S;

    #[test]
    fn the_happy_path_reaches_accepted() {
        let s = S::Draft.apply(E::Submitted).unwrap();
        let s = s.apply(E::SendStarted).unwrap();
        assert_eq!(s.apply(E::PortalAccepted), Ok(S::Accepted));
    }

    #[test]
    fn failures_and_crashes_requeue_without_losing_the_dossier() {
        assert_eq!(S::Sending.apply(E::SendFailed), Ok(S::Queued));
        assert_eq!(S::Sending.apply(E::RecoveredAfterCrash), Ok(S::Queued));
        assert_eq!(S::NeedsFix.apply(E::Resubmitted), Ok(S::Queued));
        assert_eq!(S::Accepted.apply(E::PortalNeedsFix), Ok(S::NeedsFix));
    }

    #[test]
    fn illegal_transitions_are_refused() {
        assert!(S::Draft.apply(E::PortalAccepted).is_err());
        assert!(
            S::Queued.apply(E::PortalAccepted).is_err(),
            "nothing is accepted unsent"
        );
        assert!(S::Accepted.apply(E::Submitted).is_err());
        assert!(S::Rejected.apply(E::SendStarted).is_err());
        assert!(
            S::Queued.apply(E::Submitted).is_err(),
            "a dossier is submitted once"
        );
    }

    #[test]
    fn states_round_trip_through_their_stored_names() {
        for s in [
            S::Draft,
            S::Queued,
            S::Sending,
            S::Accepted,
            S::Rejected,
            S::NeedsFix,
        ] {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.label().en.is_empty());
        }
        assert_eq!(S::parse("bogus"), None);
    }
}
