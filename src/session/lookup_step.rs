//! The lookup step: a resident types the code from a receipt (or holds the receipt's QR to the
//! camera) and sees what the kiosk knows of that dossier and how fresh it is. Holds the typed
//! code, the scan in progress, the result or what went wrong; the controller turns `start`
//! into the store query and `scan` into the camera command.

use crate::core::catalogue::Catalogue;
use crate::core::dossier::DossierState;
use crate::core::dossier_code::DossierCode;
use crate::core::field::InputMode;
use crate::core::fix_request::FixRequest;
use crate::core::form::Key;
use crate::core::office::{Office, Offices};
use crate::core::procedure::Procedure;
use crate::core::stored_dossier::{DossierSummary, StatusEvent};
use crate::core::text::Text;
use crate::session::text_entry::edit_text;
use std::sync::Arc;

/// A dossier found by its code: what the kiosk knows and how fresh it is.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupFound {
    pub summary: DossierSummary,
    pub history: Vec<StatusEvent>,
    /// When statuses were last pulled from the portal (`None`: never).
    pub statuses_fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest supplement made at this kiosk for it, if any.
    pub supplement: Option<DossierSummary>,
}

/// A looked-up dossier as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupResult {
    pub summary: DossierSummary,
    pub procedure_name: Text,
    pub history: Vec<StatusEvent>,
    pub statuses_fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    /// While the office asks for more: what, which questions, by when, where.
    pub action: Option<FixAction>,
}

/// The action card of a dossier sent back ("Cần bổ sung"): what the office asks, the
/// questions it names (as the resident will read them), by when, where it can be added, and
/// the supplement already made here.
#[derive(Debug, Clone, PartialEq)]
pub struct FixAction {
    pub request: FixRequest,
    pub questions: Vec<Text>,
    /// The office that decides: its name from the offices list, else the procedure's
    /// authority.
    pub office: Text,
    /// Where it is and when it is open, when the offices list has it.
    pub office_detail: Option<Office>,
    /// The procedure of the dossier, to build the supplement's short form (`None` when the
    /// catalogue no longer has it: the supplement cannot be made here).
    pub procedure: Option<Arc<Procedure>>,
    pub supplement: Option<DossierSummary>,
}

/// The action card from the latest "needs fix" event: its request (or, from a portal that
/// sends only a note, the note as what to add).
fn fix_action(
    history: &[StatusEvent],
    procedure: Option<Arc<Procedure>>,
    office: Option<&Office>,
    supplement: Option<DossierSummary>,
) -> FixAction {
    let last = history
        .iter()
        .rev()
        .find(|e| e.state == DossierState::NeedsFix);
    let request = last
        .and_then(|e| e.request.clone())
        .unwrap_or_else(|| FixRequest {
            what: last.and_then(|e| e.note.clone()).unwrap_or_default(),
            fields: Vec::new(),
            due: None,
        });
    let questions = procedure
        .as_ref()
        .map(|p| {
            p.fields
                .iter()
                .filter(|f| request.fields.contains(&f.id))
                .map(|f| f.label.clone())
                .collect()
        })
        .unwrap_or_default();
    FixAction {
        office: match (office, &procedure) {
            (Some(o), _) => o.name.clone(),
            (None, Some(p)) => p.authority.clone(),
            (None, None) => Text::new("Bộ phận một cửa", "the one-stop office"),
        },
        office_detail: office.cloned(),
        request,
        questions,
        procedure,
        supplement,
    }
}

/// The longest code a resident can type (a dossier code with its separators).
const CODE_LENGTH: usize = 14;

#[derive(Debug, Default)]
pub struct LookupStep {
    text: String,
    error: Option<Text>,
    result: Option<LookupResult>,
    scanning: bool,
}

impl LookupStep {
    /// Forgets everything, the scan in progress too (the session's end).
    pub fn clear(&mut self) {
        *self = LookupStep::default();
    }

    /// A fresh lookup screen: no code, no result, no message.
    pub fn open(&mut self) {
        self.text.clear();
        self.error = None;
        self.result = None;
    }

    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn error(&self) -> Option<&Text> {
        self.error.as_ref()
    }
    pub fn result(&self) -> Option<&LookupResult> {
        self.result.as_ref()
    }
    pub fn scanning(&self) -> bool {
        self.scanning
    }

    /// A key of the on-screen keyboard: codes are typed in capitals.
    pub fn key(&mut self, key: Key) {
        let upper = match key {
            Key::Char(c) => Key::Char(c.to_ascii_uppercase()),
            k => k,
        };
        self.text = edit_text(&self.text, upper, InputMode::Latin, CODE_LENGTH);
        self.error = None;
    }

    /// "Look up": the code to look for, or `None` with what is wrong with the typed one.
    pub fn start(&mut self) -> Option<DossierCode> {
        self.result = None;
        match DossierCode::parse(&self.text) {
            Ok(code) => {
                self.error = None;
                Some(code)
            }
            Err(e) => {
                self.error = Some(e.message());
                None
            }
        }
    }

    /// "Scan the receipt": `false` while a scan is already running.
    pub fn scan(&mut self) -> bool {
        if self.scanning {
            return false;
        }
        self.scanning = true;
        self.error = None;
        self.result = None;
        true
    }

    /// The camera's answer; `true` when a code was read (it is now the typed code: look it up).
    pub fn scanned(&mut self, result: Result<DossierCode, Text>) -> bool {
        self.scanning = false;
        match result {
            Ok(code) => {
                self.text = code.as_str().to_string();
                true
            }
            Err(message) => {
                self.error = Some(message);
                false
            }
        }
    }

    /// The store's answer; the procedure's name comes from `catalogue` (its id when the
    /// catalogue no longer has it), the deciding office's address from `offices`.
    pub fn found(
        &mut self,
        result: Result<Option<LookupFound>, Text>,
        catalogue: &Catalogue,
        offices: &Offices,
    ) {
        match result {
            Ok(Some(LookupFound {
                summary,
                history,
                statuses_fetched_at,
                supplement,
            })) => {
                let procedure = catalogue.get(&summary.procedure_id).cloned();
                let procedure_name =
                    procedure
                        .as_ref()
                        .map(|p| p.name.clone())
                        .unwrap_or_else(|| {
                            Text::new(summary.procedure_id.clone(), summary.procedure_id.clone())
                        });
                let office = procedure
                    .as_ref()
                    .and_then(|p| offices.deciding(p, summary.office_commune.as_deref()));
                let action = (summary.state == DossierState::NeedsFix)
                    .then(|| fix_action(&history, procedure.clone(), office, supplement));
                self.result = Some(LookupResult {
                    summary,
                    procedure_name,
                    history,
                    statuses_fetched_at,
                    action,
                });
            }
            Ok(None) => {
                self.error = Some(Text::new(
                    "Không tìm thấy hồ sơ với mã này trên máy. Hồ sơ nộp ở nơi khác sẽ tra cứu được khi có mạng.",
                    "No dossier with this code on this kiosk. Dossiers from elsewhere can be found when online.",
                ))
            }
            Err(message) => self.error = Some(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(step: &mut LookupStep, text: &str) {
        for c in text.chars() {
            step.key(Key::Char(c));
        }
    }

    #[test]
    fn a_typed_code_is_capitalised_bounded_and_checked_before_any_query() {
        let mut step = LookupStep::default();
        typed(&mut step, "abc");
        assert_eq!(step.text(), "ABC");
        assert_eq!(step.start(), None, "not a whole code: no query");
        assert!(step.error().is_some());
        step.key(Key::Backspace);
        assert!(step.error().is_none(), "typing clears the message");
        typed(&mut step, &"X".repeat(40));
        assert_eq!(
            step.text().chars().count(),
            CODE_LENGTH,
            "refused past the limit"
        );
    }

    #[test]
    fn a_scan_runs_once_and_its_code_becomes_the_typed_one() {
        let mut step = LookupStep::default();
        assert!(step.scan());
        assert!(!step.scan(), "not twice at once");
        assert!(!step.scanned(Err(Text::new("không đọc được", "unreadable"))));
        assert!(!step.scanning());
        assert!(step.error().is_some());
        let code = DossierCode::from_random(&[7; 8]);
        assert!(step.scan());
        assert!(step.scanned(Ok(code.clone())));
        assert_eq!(step.text(), code.as_str());
        assert_eq!(step.start(), Some(code));
    }

    #[test]
    fn not_found_says_where_else_to_look_and_clear_forgets_it() {
        let mut step = LookupStep::default();
        step.found(Ok(None), &Catalogue::default(), &Offices::default());
        assert!(step.error().unwrap().en.contains("when online"));
        assert!(step.result().is_none());
        step.clear();
        assert!(step.error().is_none());
    }

    fn found_in(state: DossierState, events: Vec<StatusEvent>) -> Option<FixAction> {
        found_deciding(state, events, None)
    }

    /// As `found_in`, for a dossier stored with the commune whose office decides it (the
    /// shipped offices list has 00070's).
    fn found_deciding(
        state: DossierState,
        events: Vec<StatusEvent>,
        office_commune: Option<&str>,
    ) -> Option<FixAction> {
        let offices = Offices::parse(include_str!("../../assets/offices.toml")).unwrap();
        let text = include_str!("../../assets/procedures/dang-ky-tam-tru.toml");
        let (catalogue, problems) = Catalogue::from_sources([("tam-tru", text)]);
        assert!(problems.is_empty());
        let mut step = LookupStep::default();
        let summary = DossierSummary {
            receipt: None,
            id: uuid::Uuid::nil(),
            code: DossierCode::from_random(&[1; 8]),
            procedure_id: "dang-ky-tam-tru".into(),
            state,
            created_at: "2026-11-24T02:00:00Z".parse().unwrap(),
            supplements: None,
            office_commune: office_commune.map(str::to_string),
        };
        step.found(
            Ok(Some(LookupFound {
                summary,
                history: events,
                statuses_fetched_at: None,
                supplement: None,
            })),
            &catalogue,
            &offices,
        );
        step.result().unwrap().action.clone()
    }

    fn event(state: DossierState, note: Option<&str>, request: Option<FixRequest>) -> StatusEvent {
        StatusEvent {
            at: "2026-11-25T02:00:00Z".parse().unwrap(),
            state,
            note: note.map(str::to_string),
            request,
        }
    }

    #[test]
    fn a_sent_back_dossier_shows_what_which_questions_by_when_and_where() {
        let request = FixRequest {
            what: "Thiếu hợp đồng thuê nhà".into(),
            fields: vec!["rent_paper".into()],
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 10),
        };
        let action = found_in(
            DossierState::NeedsFix,
            vec![
                event(DossierState::Accepted, Some("HS-1"), None),
                event(DossierState::NeedsFix, Some("Thiếu"), Some(request.clone())),
            ],
        )
        .expect("an action card");
        assert_eq!(action.request, request);
        assert_eq!(action.questions.len(), 1);
        assert_eq!(action.questions[0].vi, "Chụp ảnh hợp đồng thuê nhà");
        assert!(action.office.vi.starts_with("Công an cấp xã"));
        assert!(
            action.office_detail.is_none(),
            "no commune stored: no address"
        );
        assert!(
            action.procedure.is_some(),
            "the supplement can be made here"
        );
        // Stored with the commune that decides it: that commune's police, with its address.
        let events = vec![event(DossierState::NeedsFix, None, Some(request))];
        let action = found_deciding(DossierState::NeedsFix, events.clone(), Some("00070")).unwrap();
        assert_eq!(action.office.vi, "Công an phường Hoàn Kiếm");
        assert!(
            action
                .office_detail
                .unwrap()
                .address
                .vi
                .contains("Hoàn Kiếm")
        );
        // A commune the list does not have: the authority, never another commune's office.
        let action = found_deciding(DossierState::NeedsFix, events, Some("99999")).unwrap();
        assert!(action.office.vi.starts_with("Công an cấp xã") && action.office_detail.is_none());
    }

    #[test]
    fn a_note_alone_becomes_what_to_add_and_other_states_have_no_card() {
        let action = found_in(
            DossierState::NeedsFix,
            vec![event(DossierState::NeedsFix, Some("Thiếu giấy tờ"), None)],
        )
        .unwrap();
        assert_eq!(action.request.what, "Thiếu giấy tờ");
        assert!(action.questions.is_empty());
        assert_eq!(found_in(DossierState::Accepted, Vec::new()), None);
    }
}
