//! Submitting and the receipt: the dossier built from the answers and asked to be stored (once
//! at a time), the store's answer, the receipt of the dossier just stored or looked up, and its
//! printing. The screen changes only when the store confirms; a failure keeps every answer.

use crate::core::assist::AssistedBy;
use crate::core::catalogue::Catalogue;
use crate::core::dossier::DossierState;
use crate::core::dossier_code::DossierCode;
use crate::core::form::FormSession;
use crate::core::office::{Office, Offices};
use crate::core::procedure::{Paper, Procedure};
use crate::core::receipt_content::{ReceiptContent, ReceiptContext};
use crate::core::stored_dossier::DossierSummary;
use crate::core::text::Text;
use crate::session::command::Command;
use crate::session::photos::Photos;
use std::sync::Arc;

/// The receipt printer's progress for the receipt on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintState {
    Idle,
    Printing,
    Printed,
    /// Not printed (printer missing, out of paper…): what to do, said on screen.
    Failed(Text),
}

/// The dossier just stored: its code, its procedure and its signed receipt token.
pub type Submitted = (DossierCode, Arc<Procedure>, Option<String>);

#[derive(Debug)]
pub struct SubmitStep {
    submitting: bool,
    error: Option<Text>,
    submitted: Option<Submitted>,
    /// The dossier just submitted (what the rating is about).
    submitted_id: Option<uuid::Uuid>,
    /// Where receipts come from (place, kiosk, holidays, fee account); none: no receipts.
    receipt_context: Option<Arc<ReceiptContext>>,
    /// Print the desk's queue ticket after receipts for procedures with papers to bring.
    queue_tickets: bool,
    /// The receipt of the dossier just submitted (or looked up), and its printing.
    receipt: Option<ReceiptContent>,
    print_state: PrintState,
    /// The papers the resident just submitting must still bring to the desk.
    papers_to_bring: Vec<Paper>,
    /// The office that decides the dossier just submitted, when the offices list has it.
    office: Option<Office>,
    /// "Tôi cam đoan…" is ticked on the review page (a dossier needs it).
    declared: bool,
}

impl Default for SubmitStep {
    fn default() -> Self {
        SubmitStep {
            submitting: false,
            error: None,
            submitted: None,
            submitted_id: None,
            receipt_context: None,
            queue_tickets: false,
            receipt: None,
            print_state: PrintState::Idle,
            papers_to_bring: Vec::new(),
            office: None,
            declared: false,
        }
    }
}

impl SubmitStep {
    /// Receipts are printed from now on, with this context.
    pub fn set_receipt_context(&mut self, context: Arc<ReceiptContext>, queue_tickets: bool) {
        self.receipt_context = Some(context);
        self.queue_tickets = queue_tickets;
    }

    /// "Submit": the dossier built from the answers, with its photos and the helper's record,
    /// to be stored; `None` while one is being stored, or when the answers are not complete
    /// (then the step says why).
    pub fn submit(
        &mut self,
        form: &FormSession,
        photos: &Photos,
        assisted_by: Option<AssistedBy>,
        id: uuid::Uuid,
        random: [u8; 8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Command> {
        if self.submitting {
            return None;
        }
        if !self.declared {
            self.error = Some(Text::new(
                "Vui lòng đánh dấu ô cam đoan ở trên trước khi nộp hồ sơ.",
                "Please tick the declaration above before submitting.",
            ));
            return None;
        }
        match form.finish(id, DossierCode::from_random(&random)) {
            Ok(mut draft) => {
                draft.assisted_by = assisted_by;
                // The consent, as the resident read it, goes with the dossier.
                draft.declaration = Some(crate::core::declaration::Declaration {
                    words: crate::core::declaration::declaration_words(&form.procedure().authority)
                        .vi,
                    at: now,
                });
                let attachments = photos.attachments(form.attachments());
                self.submitting = true;
                self.error = None;
                Some(Command::Submit { draft, attachments })
            }
            Err(message) => {
                self.error = Some(message);
                None
            }
        }
    }

    /// The store kept the dossier of `procedure`: its receipt (when receipts are on) and the
    /// command that prints it. `papers`: those the resident must still bring (not photographed
    /// here); `office`: the deciding office, when known; `at_hand`: that office is in the
    /// kiosk's own commune (a queue ticket for its desk makes sense); `offline`: not yet at the
    /// portal, as the receipt says.
    pub fn stored(
        &mut self,
        summary: DossierSummary,
        procedure: Option<Arc<Procedure>>,
        papers: Vec<Paper>,
        office: Option<&Office>,
        at_hand: bool,
        offline: bool,
    ) -> Option<Command> {
        self.submitting = false;
        let procedure = procedure?;
        self.receipt = self.receipt_context.as_ref().map(|ctx| {
            ReceiptContent::new(
                ctx,
                &procedure,
                office,
                &papers,
                &summary.code,
                summary.created_at,
                summary.receipt.as_deref(),
                offline,
                0,
            )
        });
        // A queue ticket only sends someone to the desk who has something to bring there, and
        // only to a desk of this commune's office (never to a counter in another building).
        let queue_ticket =
            (self.queue_tickets && !papers.is_empty() && office.is_some() && at_hand)
                .then_some(summary.created_at);
        self.papers_to_bring = papers;
        self.office = office.cloned();
        self.submitted_id = Some(summary.id);
        self.submitted = Some((summary.code, procedure, summary.receipt));
        self.start_printing(queue_ticket)
    }

    /// The store refused: said on screen; "submit" may be pressed again.
    pub fn failed(&mut self, message: Text) {
        self.submitting = false;
        self.error = Some(message);
    }

    fn start_printing(
        &mut self,
        queue_ticket: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Option<Command> {
        if self.print_state == PrintState::Printing {
            return None;
        }
        let content = self.receipt.clone()?;
        self.print_state = PrintState::Printing;
        Some(Command::PrintReceipt {
            content,
            queue_ticket,
        })
    }

    /// The printer's answer.
    pub fn printed(&mut self, result: Result<(), Text>) {
        self.print_state = match result {
            Ok(()) => PrintState::Printed,
            Err(advice) => PrintState::Failed(advice),
        };
    }

    /// "Reprint": the receipt on screen again, or, under a looked-up dossier (`found`), its
    /// receipt made again from the catalogue's procedure and `offices`.
    pub fn reprint(
        &mut self,
        found: Option<&DossierSummary>,
        catalogue: &Catalogue,
        offices: &Offices,
    ) -> Option<Command> {
        if let (Some(found), None) = (found, &self.receipt) {
            let Some(p) = catalogue.get(&found.procedure_id) else {
                self.print_state = PrintState::Failed(Text::new(
                    "Thủ tục của hồ sơ này không còn trong danh mục của máy nên không in lại được biên nhận.",
                    "This dossier's procedure is no longer in the kiosk's catalogue, so its receipt cannot be reprinted.",
                ));
                return None;
            };
            let queued = matches!(found.state, DossierState::Queued | DossierState::Sending);
            // Which papers were photographed is sealed with the answers: a reprint lists only
            // what no photo could have replaced (originals, papers with no photo question).
            let photographable: Vec<&str> = p
                .papers
                .iter()
                .flat_map(|x| x.photographed_by.iter().map(String::as_str))
                .collect();
            let papers: Vec<Paper> = p
                .papers
                .iter()
                .filter(|x| x.still_to_bring(&photographable))
                .cloned()
                .collect();
            let office = offices.deciding(p, found.office_commune.as_deref());
            self.receipt = self.receipt_context.as_ref().map(|ctx| {
                ReceiptContent::new(
                    ctx,
                    p,
                    office,
                    &papers,
                    &found.code,
                    found.created_at,
                    found.receipt.as_deref(),
                    queued,
                    0,
                )
            });
        }
        self.start_printing(None)
    }

    /// The papers the resident who just submitted must still bring to the desk.
    pub fn papers_to_bring(&self) -> &[Paper] {
        &self.papers_to_bring
    }

    /// A new lookup: no receipt on screen.
    pub fn clear_receipt(&mut self) {
        self.receipt = None;
        self.print_state = PrintState::Idle;
    }

    /// The answers were changed or a new form started: the last refusal no longer applies.
    pub fn clear_error(&mut self) {
        self.error = None;
    }

    /// The session ended: nothing submitted, nothing on screen (the context stays).
    pub fn end_session(&mut self) {
        self.submitting = false;
        self.error = None;
        self.submitted = None;
        self.submitted_id = None;
        self.papers_to_bring.clear();
        self.office = None;
        self.declared = false;
        self.clear_receipt();
    }

    /// The declaration's box on the review page, ticked or not.
    pub fn toggle_declaration(&mut self) {
        self.declared = !self.declared;
        if self.declared {
            self.error = None;
        }
    }
    pub fn declared(&self) -> bool {
        self.declared
    }
    /// A new form: nothing declared yet.
    pub fn forget_declaration(&mut self) {
        self.declared = false;
    }

    pub fn submitting(&self) -> bool {
        self.submitting
    }
    pub fn error(&self) -> Option<&Text> {
        self.error.as_ref()
    }
    pub fn last_submitted(&self) -> Option<&Submitted> {
        self.submitted.as_ref()
    }
    /// The office that decides the dossier just submitted (address and hours on the done page).
    pub fn office(&self) -> Option<&Office> {
        self.office.as_ref()
    }
    /// That office by name, or the authority of `procedure` when the list does not have it.
    pub fn office_name<'a>(&'a self, procedure: &'a Procedure) -> &'a Text {
        self.office
            .as_ref()
            .map(|o| &o.name)
            .unwrap_or(&procedure.authority)
    }
    pub fn submitted_id(&self) -> Option<uuid::Uuid> {
        self.submitted_id
    }
    /// The receipt of the dossier on screen (Done or looked up).
    pub fn receipt(&self) -> Option<&ReceiptContent> {
        self.receipt.as_ref()
    }
    pub fn print_state(&self) -> &PrintState {
        &self.print_state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::working_days::HolidayCalendar;

    fn catalogue() -> Catalogue {
        crate::core::test_procedure::catalogue_with("")
    }

    fn summary(procedure_id: &str, state: DossierState) -> DossierSummary {
        DossierSummary {
            supplements: None,
            office_commune: None,
            receipt: Some("signed-token".into()),
            id: uuid::Uuid::nil(),
            code: DossierCode::from_random(&[5; 8]),
            procedure_id: procedure_id.into(),
            state,
            created_at: "2026-11-24T02:00:00Z".parse().unwrap(),
        }
    }

    fn with_receipts() -> SubmitStep {
        let mut s = SubmitStep::default();
        s.set_receipt_context(
            Arc::new(ReceiptContext {
                place: "Phường Hoàn Kiếm".into(),
                commune: String::new(),
                kiosk_id: "K1".into(),
                calendar: HolidayCalendar::computed(),
                beneficiary: None,
                help_phone: String::new(),
            }),
            false,
        );
        s
    }

    #[test]
    fn a_stored_dossier_prints_its_receipt_once_at_a_time() {
        let mut s = with_receipts();
        let p = catalogue().get("p").unwrap().clone();
        let Some(Command::PrintReceipt {
            content,
            queue_ticket,
        }) = s.stored(
            summary("p", DossierState::Queued),
            Some(p),
            Vec::new(),
            None,
            false,
            true,
        )
        else {
            panic!("the receipt is printed")
        };
        assert!(queue_ticket.is_none(), "queue tickets are off");
        assert_eq!(Some(&content), s.receipt());
        assert_eq!(s.print_state(), &PrintState::Printing);
        assert!(
            s.reprint(None, &catalogue(), &Offices::default()).is_none(),
            "not while printing"
        );
        s.printed(Err(Text::new("Hết giấy", "Out of paper")));
        assert!(matches!(s.print_state(), PrintState::Failed(t) if t.vi == "Hết giấy"));
        assert!(
            s.reprint(None, &catalogue(), &Offices::default()).is_some(),
            "a failed print may be tried again"
        );
        assert_eq!(s.submitted_id(), Some(uuid::Uuid::nil()));
    }

    #[test]
    fn a_queue_ticket_is_printed_only_for_a_desk_of_this_communes_office() {
        let offices = Offices::parse(
            "[[office]]\ncommune = \"00070\"\nkind = \"one_stop\"\n\
             name = { vi = \"Bộ phận một cửa UBND phường Hoàn Kiếm\" }\n\
             address = { vi = \"Số 1 phố Mẫu\" }\nhours = { vi = \"Thứ Hai – Thứ Sáu\" }\n",
        )
        .unwrap();
        let desk = offices.find("00070", crate::core::office::OfficeKind::OneStop);
        let paper = Paper {
            name: Text::new("Giấy khai sinh", ""),
            original: true,
            copies: 0,
            replaced_by_answers: false,
            photographed_by: Vec::new(),
        };
        let p = catalogue().get("p").unwrap().clone();
        for (office, at_hand, papers, ticket) in [
            (desk, true, vec![paper.clone()], true),
            (desk, false, vec![paper.clone()], false),
            (None, true, vec![paper.clone()], false),
            (desk, true, Vec::new(), false),
        ] {
            let mut s = with_receipts();
            s.queue_tickets = true;
            let Some(Command::PrintReceipt { queue_ticket, .. }) = s.stored(
                summary("p", DossierState::Queued),
                Some(p.clone()),
                papers,
                office,
                at_hand,
                true,
            ) else {
                panic!("the receipt is printed")
            };
            assert_eq!(queue_ticket.is_some(), ticket, "{office:?} {at_hand}");
        }
    }

    #[test]
    fn without_a_receipt_context_nothing_is_printed() {
        let mut s = SubmitStep::default();
        let p = catalogue().get("p").unwrap().clone();
        assert!(
            s.stored(
                summary("p", DossierState::Queued),
                Some(p),
                Vec::new(),
                None,
                false,
                true
            )
            .is_none()
        );
        assert!(s.last_submitted().is_some(), "the code is still shown");
    }

    #[test]
    fn a_looked_up_dossier_is_reprinted_unless_its_procedure_left_the_catalogue() {
        let mut s = with_receipts();
        let found = |procedure: &str| summary(procedure, DossierState::Accepted);
        assert!(
            s.reprint(Some(&found("gone")), &catalogue(), &Offices::default())
                .is_none()
        );
        assert!(matches!(s.print_state(), PrintState::Failed(t) if t.vi.contains("không còn")));
        s.clear_receipt();
        assert!(matches!(
            s.reprint(Some(&found("p")), &catalogue(), &Offices::default()),
            Some(Command::PrintReceipt { .. })
        ));
        // The office that decides it is named with its address when the offices list has it.
        let offices = Offices::parse(
            "[[office]]\ncommune = \"00070\"\nkind = \"one_stop\"\n\
             name = { vi = \"Bộ phận một cửa UBND phường Hoàn Kiếm\" }\n\
             address = { vi = \"Số 1 phố Mẫu\" }\nhours = { vi = \"Thứ Hai – Thứ Sáu\" }\n",
        )
        .unwrap();
        for (commune, address) in [
            (Some("00070"), "Số 1 phố Mẫu"),
            (Some("00073"), ""),
            (None, ""),
        ] {
            s.end_session();
            let found = DossierSummary {
                office_commune: commune.map(str::to_string),
                ..found("p")
            };
            s.reprint(Some(&found), &catalogue(), &offices);
            assert_eq!(s.receipt().unwrap().office_address, address, "{commune:?}");
        }
        s.end_session();
        assert!(s.receipt().is_none() && s.last_submitted().is_none());
        assert_eq!(s.print_state(), &PrintState::Idle);
    }
}
