//! The lookup step: a resident types the code from a receipt (or holds the receipt's QR to the
//! camera) and sees what the kiosk knows of that dossier and how fresh it is. Holds the typed
//! code, the scan in progress, the result or what went wrong; the controller turns `start`
//! into the store query and `scan` into the camera command.

use crate::core::catalogue::Catalogue;
use crate::core::dossier_code::DossierCode;
use crate::core::field::InputMode;
use crate::core::form::Key;
use crate::core::stored_dossier::{DossierSummary, StatusEvent};
use crate::core::text::Text;
use crate::session::text_entry::edit_text;

/// A dossier found by its code: what the kiosk knows and how fresh it is.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupFound {
    pub summary: DossierSummary,
    pub history: Vec<StatusEvent>,
    /// When statuses were last pulled from the portal (`None`: never).
    pub statuses_fetched_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A looked-up dossier as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupResult {
    pub summary: DossierSummary,
    pub procedure_name: Text,
    pub history: Vec<StatusEvent>,
    pub statuses_fetched_at: Option<chrono::DateTime<chrono::Utc>>,
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
    /// catalogue no longer has it).
    pub fn found(&mut self, result: Result<Option<LookupFound>, Text>, catalogue: &Catalogue) {
        match result {
            Ok(Some(LookupFound {
                summary,
                history,
                statuses_fetched_at,
            })) => {
                let procedure_name = catalogue
                    .get(&summary.procedure_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| {
                        Text::new(summary.procedure_id.clone(), summary.procedure_id.clone())
                    });
                self.result = Some(LookupResult {
                    summary,
                    procedure_name,
                    history,
                    statuses_fetched_at,
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
        step.found(Ok(None), &Catalogue::default());
        assert!(step.error().unwrap().en.contains("when online"));
        assert!(step.result().is_none());
        step.clear();
        assert!(step.error().is_none());
    }
}
